"""How a stdio MCP server's process is started: the one seam between the MCP client and the
sandbox.

`Spawner` turns an allow-list entry and the directory it runs in into the argv, environment and
working directory of the server's process. `plain_spawn` (the default) runs the entry's command
as it is, with an environment of its own that holds nothing of the worker's (no key, no
`PAPERCLIP_*`, no `PATH` entries but the system's); a sandboxed spawner wraps the same argv in the
sandbox's command line instead, and the client code does not change.
"""

import errno
import importlib.metadata
import os
import sys
import sysconfig
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from activities.sandbox.bwrap import bwrap_args, bwrap_path
from activities.tools import ToolFailed
from paperclip.mcp import StdioEntry

SYSTEM_PATH = "/usr/local/bin:/usr/bin:/bin"
"""The `PATH` a server is given: the system's programs, never the worker's own folders."""


@dataclass(frozen=True)
class StdioSpawn:
    """What to run for one stdio server."""

    argv: list[str]
    env: dict[str, str] = field(default_factory=dict)
    """The process's whole environment (the MCP SDK adds only `HOME`, `LOGNAME`, `PATH`, `SHELL`,
    `TERM` and `USER` beneath it, none of which holds a secret; ours win)."""
    cwd: Path | None = None


Spawner = Callable[[StdioEntry, Path], StdioSpawn]
"""An allow-list entry and the directory it works in → what to run."""


def entry_argv(entry: StdioEntry) -> list[str]:
    """The argv of an allow-list entry on this worker: its absolute path, or the console script of
    its pinned distribution, checked to be installed at exactly that version.

    Raises:
        ToolFailed: the distribution is missing, at another version, or has no console script.
    """
    if entry.path is not None:
        return [entry.path, *entry.args]
    assert entry.package is not None and entry.version is not None
    pinned = f"{entry.package}=={entry.version}"
    try:
        dist = importlib.metadata.distribution(entry.package)
    except importlib.metadata.PackageNotFoundError:
        raise ToolFailed(f"MCP server {entry.name!r}: {pinned} is not installed on this worker") from None
    if dist.version != entry.version:
        raise ToolFailed(
            f"MCP server {entry.name!r}: this worker has {entry.package} {dist.version}, the allow-list pins"
            f" {entry.version}: it is not run"
        )
    scripts = [ep.name for ep in dist.entry_points if ep.group == "console_scripts"]
    script = entry.package if entry.package in scripts else (scripts[0] if len(scripts) == 1 else None)
    if script is None:
        raise ToolFailed(f"MCP server {entry.name!r}: {pinned} has no single console script to run")
    path = Path(sysconfig.get_path("scripts")) / script
    if not path.is_file():
        raise ToolFailed(f"MCP server {entry.name!r}: {pinned} is installed without its script {path}")
    return [str(path), *entry.args]


def scrubbed_env(workdir: Path) -> dict[str, str]:
    """An environment with nothing of the worker's in it: the system `PATH`, `HOME` in the
    server's own directory, a UTF-8 locale."""
    return {"PATH": SYSTEM_PATH, "HOME": str(workdir), "LANG": "C.UTF-8", "PYTHONUNBUFFERED": "1"}


def plain_spawn(entry: StdioEntry, workdir: Path) -> StdioSpawn:
    """Run the entry's command as it is, in `workdir`, with a scrubbed environment (no sandbox:
    the default until a sandboxed `Spawner` is given)."""
    return StdioSpawn(argv=entry_argv(entry), env=scrubbed_env(workdir), cwd=workdir)


def sandboxed_spawn(entry: StdioEntry, workdir: Path) -> StdioSpawn:
    """Run the entry's command in the sandbox (`activities.sandbox.bwrap`): the workspace its only
    writable place, no network, nothing of the worker's home or environment; its own installation
    (this Python environment, or the folder of an absolute-path entry and the files its arguments
    name) seen read-only. The worker
    runs stdio servers this way.

    Raises:
        ToolFailed: bubblewrap is not installed (a stdio server is never run outside the sandbox),
            or the entry cannot be run (see `entry_argv`).
        OSError: its program is missing or not executable (as starting it directly would say).
    """
    bwrap = bwrap_path()
    if bwrap is None:
        raise ToolFailed(f"MCP server {entry.name!r}: the sandbox (bubblewrap) is not installed on this worker")
    argv = entry_argv(entry)
    if not os.access(argv[0], os.X_OK):  # said here: inside the sandbox it is only "connection closed"
        code = errno.EACCES if Path(argv[0]).exists() else errno.ENOENT
        raise OSError(code, os.strerror(code), argv[0])
    installs = {Path(sys.prefix).resolve(), Path(sys.base_prefix).resolve()}
    if entry.path is not None:  # its program's folder, and any file it is given by absolute path
        installs.add(Path(entry.path).resolve().parent)
        installs |= {Path(a).resolve() for a in entry.args if a.startswith("/") and Path(a).is_file()}
    env = scrubbed_env(workdir) | {"HOME": "/tmp/home"}
    args = bwrap_args(argv, workspace=workdir, env=env, read_only=sorted(installs))
    return StdioSpawn(argv=[bwrap, *args], env={}, cwd=workdir)
