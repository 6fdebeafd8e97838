"""The sandbox's view of the machine, as bubblewrap arguments.

Its own mount, pid, ipc, uts, cgroup and network namespaces; the system read-only (`/usr`, the
`/bin` and `/lib` links, a few files of `/etc`); a fresh `/proc`, `/dev` and `/tmp`, and a
throwaway home in it; the workspace the only place it may write, bound at its own path. Nothing
else of the host is there: not `$PAPERCLIP_HOME`, not another task's worktree, not the worker's
environment. A git worktree's repository (`.git` of the main checkout) is bound read-only, so
`git status` and `git diff` work inside while its config and hooks cannot be changed from there.
"""

import shutil
from collections.abc import Mapping, Sequence
from pathlib import Path

BWRAP = "/usr/bin/bwrap"
SANDBOX_HOME = "/tmp/home"
SYSTEM_DIRS = ("/usr", "/bin", "/sbin", "/lib", "/lib32", "/lib64", "/libx32")
ETC_FILES = (
    "/etc/passwd",
    "/etc/group",
    "/etc/nsswitch.conf",
    "/etc/ld.so.cache",
    "/etc/ld.so.conf",
    "/etc/ld.so.conf.d",
    "/etc/alternatives",
    "/etc/ssl",
    "/etc/ca-certificates",
    "/etc/localtime",
    "/etc/mime.types",
    "/etc/os-release",
    "/etc/debian_version",
)
"""What of `/etc` a program needs to start, name users and check TLS certificates: no hosts,
no resolver (the sandbox resolves nothing), no git or pip configuration."""
RESOLVER_FILES = ("/etc/resolv.conf", "/etc/hosts", "/etc/host.conf", "/etc/gai.conf")
"""What of `/etc` a program sharing the host's network needs to resolve names (bound as what
they point to: `/etc/resolv.conf` is often a link into `/run`)."""
GIT_PROTECTED = ("config", "hooks")
"""What of a repository stays read-only when the sandbox may commit: its configuration and hooks
run programs for whoever uses the repository next, the worker's own git included."""
BASE_ENV = {
    "PATH": "/usr/local/bin:/usr/bin:/bin",
    "HOME": SANDBOX_HOME,
    "LANG": "C.UTF-8",
    "TERM": "dumb",
}


def bwrap_path() -> str | None:
    """bubblewrap's executable, or None when it is not installed (`apt-get install bubblewrap`)."""
    return BWRAP if Path(BWRAP).exists() else shutil.which("bwrap")


def repository_dir(workspace: Path) -> Path | None:
    """The repository directory a workspace's git needs besides the workspace: the main
    checkout's `.git` for a worktree (its `.git` is a file pointing there), the workspace's own
    `.git` directory for a plain clone; None when it is not a git checkout."""
    dot_git = workspace / ".git"
    if dot_git.is_dir():
        return dot_git
    if not dot_git.is_file():
        return None
    try:
        pointer = dot_git.read_text().strip()
    except OSError:
        return None
    if not pointer.startswith("gitdir:"):
        return None
    git_dir = Path(pointer.removeprefix("gitdir:").strip())
    git_dir = git_dir if git_dir.is_absolute() else (workspace / git_dir)
    try:
        common = (git_dir / "commondir").read_text().strip()
    except OSError:
        return git_dir.resolve()
    return (git_dir / common).resolve()


def bwrap_args(
    argv: Sequence[str],
    *,
    workspace: Path,
    env: Mapping[str, str],
    binds: Mapping[str, str] | None = None,
    read_only: Sequence[Path] = (),
    share_net: bool = False,
    commit: bool = False,
    setenv: bool = True,
) -> list[str]:
    """bubblewrap's arguments to run `argv` in `workspace` with exactly `env` (on top of the
    sandbox's own PATH, HOME, LANG and TERM).

    Args:
        binds: host path → path inside, read-write (the egress proxy's socket, an agent's HOME).
        read_only: more host folders (or files) seen read-only at their own paths (a program's
            own installation outside the system folders, e.g. a pinned MCP server's environment).
        share_net: keep the host's network namespace (loopback included) and its resolver
            files, instead of no network at all.
        commit: the workspace's git repository read-write but for its `config` and `hooks`, so
            a commit inside works (its objects, refs and index are in the repository).
        setenv: False: `env` is not written into the arguments, where any user of the host can
            read it (`ps`); the caller gives bubblewrap `env` as its own environment instead,
            which the command inherits as it is (with neither our PATH, HOME, LANG nor TERM).
    """
    workspace = workspace.resolve()
    args = ["--unshare-all", "--die-with-parent", "--new-session", "--hostname", "sandbox"]
    if share_net:
        args.append("--share-net")
    for path in SYSTEM_DIRS:
        _system(args, Path(path), "--ro-bind")
    for path in ETC_FILES:
        _system(args, Path(path), "--ro-bind")
    if share_net:
        args += [a for path in RESOLVER_FILES if Path(path).exists() for a in ("--ro-bind", path, path)]
    args += ["--proc", "/proc", "--dev", "/dev", "--tmpfs", "/tmp", "--dir", SANDBOX_HOME]
    for folder in read_only:  # after the fresh /tmp, which would cover one in /tmp
        _system(args, folder, "--ro-bind")
    args += ["--bind", str(workspace), str(workspace)]
    repository = repository_dir(workspace)
    if repository is not None and not commit:
        # After the workspace's own bind: a plain clone's `.git` inside it is covered read-only.
        args += ["--ro-bind", str(repository), str(repository)]
    elif repository is not None:
        args += ["--bind", str(repository), str(repository)]
        for name in GIT_PROTECTED:
            if (repository / name).exists():
                args += ["--ro-bind", str(repository / name), str(repository / name)]
    for source, target in (binds or {}).items():
        args += ["--bind", source, target]
    args += ["--chdir", str(workspace)]
    if setenv:
        args.append("--clearenv")
        for name, value in (BASE_ENV | dict(env)).items():
            args += ["--setenv", name, value]
    return [*args, "--", *argv]


def _system(args: list[str], path: Path, how: str) -> None:
    """The host's `path` in the sandbox as it is: a link (`/bin` → `usr/bin`) as a link."""
    if path.is_symlink():
        args += ["--symlink", str(path.readlink()), str(path)]
    elif path.exists():
        args += [how, str(path), str(path)]
