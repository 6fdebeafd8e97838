"""What a long-running program needs of the host to run in the sandbox, and its command line
there.

A program outside the system folders (`/usr`, which the sandbox always has, holds `/usr/local`
and so the usual `npm -g` installs) brings its own installation: an npm prefix (nvm's
`~/.nvm/versions/node/<v>`), a Python virtual environment, the folder of a single binary. Those
are found by following the program's symlinks and its `#!` interpreter, and are bound read-only
at their own paths. A folder that holds, or lies inside, a hidden path (`$PAPERCLIP_HOME`, the
workspace roots) is never bound whole: only the program's file itself is.
"""

import os
import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

from activities.sandbox.bwrap import SYSTEM_DIRS, bwrap_args

MAX_HOPS = 16
"""Symlinks and interpreters followed from one program at most (a loop ends there)."""


def find_program(name: str, *, path: str, cwd: Path) -> Path | None:
    """Where `name` is, as `execvp` would find it on `path` (or relative to `cwd` when it holds
    a `/`); None when it is not there or not executable."""
    if "/" in name:
        found = cwd / name
        return found if found.is_file() and os.access(found, os.X_OK) else None
    where = shutil.which(name, path=path)
    return Path(where) if where else None


def _hidden(folder: Path, hidden: Sequence[Path]) -> bool:
    return any(folder == h or h.is_relative_to(folder) or folder.is_relative_to(h) for h in hidden)


def _system(path: Path) -> bool:
    """Whether `path` is in the system folders the sandbox always has."""
    real = path.resolve()
    return any(real.is_relative_to(Path(d).resolve()) for d in SYSTEM_DIRS if Path(d).exists())


def _install_root(program: Path) -> Path:
    """The folder an installed program's files are in: an npm prefix or package, a virtual
    environment, a version manager's root, a Python prefix, else the program's own folder."""
    for folder in program.parents:
        if (folder / "pyvenv.cfg").is_file():
            return folder
        if folder.name == "node_modules":
            prefix = folder.parent
            return prefix.parent if prefix.name == "lib" else prefix
    folder = program.parent
    if folder.name == "shims":  # a version manager's (pyenv, rbenv, asdf): its root runs the shim
        return folder.parent
    if folder.name == "bin" and _prefix(folder.parent):  # `<prefix>/bin/x` uses `<prefix>/lib`, …
        return folder.parent
    return folder


def _prefix(folder: Path) -> bool:
    """Whether `folder` may be bound whole as a program's prefix: not `/`, not a home folder,
    not a `~/.local` (where other programs keep their data, logins included)."""
    homes = {Path.home().resolve(), Path("/root")}
    return len(folder.parts) > 2 and folder.name != ".local" and folder not in homes and folder.parent != Path("/home")


def _interpreter(program: Path, path: str) -> Path | None:
    """The interpreter of a `#!` script (`/usr/bin/env node` looked up on `path`), None for a binary."""
    try:
        with program.open("rb") as f:
            first = f.readline(256)
    except OSError:
        return None
    if not first.startswith(b"#!"):
        return None
    words = first[2:].decode(errors="replace").split()
    if not words:
        return None
    if Path(words[0]).name == "env":
        names = [w for w in words[1:] if not w.startswith("-") and "=" not in w]
        if not names:
            return None
        found = shutil.which(names[0], path=path)
        return Path(found) if found else None
    return Path(words[0])


def _hops(program: Path) -> list[Path]:
    """`program` and each path its symlinks lead to, the real file last."""
    hops = [program]
    current = program
    while current.is_symlink() and len(hops) < MAX_HOPS:
        current = current.parent.resolve() / current.readlink()
        hops.append(current)
    real = program.resolve()
    return hops if real in hops else [*hops, real]


def program_paths(
    program: Path,
    *,
    path: str,
    hidden: Sequence[Path],
    forbidden: Sequence[Path] = (),
    files: Sequence[Path] = (),
) -> list[Path]:
    """What to bind read-only so `program` (and each of `files`, scripts it is given by absolute
    path) runs in the sandbox: each install folder along its symlinks and its interpreter's,
    or only the file where the folder would show a hidden path. System paths are left out (the
    sandbox has them).

    Args:
        path: the `PATH` an `env` interpreter (`#!/usr/bin/env node`) is found on.
        hidden: folders never shown whole, nor any folder holding one (a file of them may be).
        forbidden: folders nothing of which is shown, not even a file (`$PAPERCLIP_HOME`).
    """
    forbidden = [f.resolve() for f in forbidden]
    hidden = [h.resolve() for h in hidden] + forbidden
    found: list[Path] = []
    todo = [program, *files]
    seen: set[Path] = set()
    while todo and len(seen) < MAX_HOPS * 4:
        item = todo.pop(0)
        for hop in _hops(item):
            if hop in seen:
                continue
            seen.add(hop)
            if _system(hop.parent):
                continue
            root = _install_root(hop)
            if not _hidden(root.resolve(), hidden):
                found.append(root)
            elif not any(p.is_relative_to(f) for p in (hop.parent.resolve(), hop.resolve()) for f in forbidden):
                found.append(hop)
        interpreter = _interpreter(item.resolve(), path)
        if interpreter is not None and interpreter not in seen:
            todo.append(interpreter)
    # Parents first (a folder bound after one inside it would cover it), each once.
    unique = sorted(set(found), key=lambda p: (len(p.parts), str(p)))
    return [p for p in unique if not any(p != q and p.is_relative_to(q) for q in unique)]


def sandboxed_argv(
    bwrap: str,
    argv: Sequence[str],
    *,
    workspace: Path,
    env: Mapping[str, str],
    hidden: Sequence[Path],
    forbidden: Sequence[Path] = (),
    writable: Sequence[Path] = (),
    files: Sequence[Path] = (),
    share_net: bool = False,
    commit: bool = False,
) -> list[str]:
    """The command line that runs a long-running program `argv` in the sandbox, in `workspace`:
    its installation read-only (`program_paths`; `hidden` and `forbidden` as there), `writable`
    folders read-write at their own
    paths, `env` its whole environment — not written on the command line: start bubblewrap with
    `env` as its own environment (it may hold a key, and `ps` shows everyone a command line).

    Raises:
        FileNotFoundError: `argv[0]` is not found on `env["PATH"]`.
    """
    path = env.get("PATH", "")
    program = find_program(argv[0], path=path, cwd=workspace)
    if program is None:
        raise FileNotFoundError(2, "not found on PATH", argv[0])
    read_only = program_paths(program, path=path, hidden=hidden, forbidden=forbidden, files=files)
    binds = {str(folder): str(folder) for folder in writable}
    args = bwrap_args(
        [str(program), *argv[1:]],
        workspace=workspace,
        env=env,
        binds=binds,
        read_only=read_only,
        share_net=share_net,
        commit=commit,
        setenv=False,
    )
    return [bwrap, *args]
