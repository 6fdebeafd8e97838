"""A CLI or `process` agent's turn in the sandbox (`activities.sandbox`).

What the turn's processes see: the task's workspace read-write at its own path (a git
worktree's repository too, but for its `config` and `hooks`, so the agent can commit); the
agent's own HOME read-write (its tool's settings, login and sessions, kept between turns); the
system and the tool's own installation read-only; a fresh `/tmp`, `/proc` and `/dev`. Not
`$PAPERCLIP_HOME` (the secret key, the board token, the database, other agents' homes, other
tasks' worktrees), not the workspace roots' other folders, not the worker's files or
environment. Its own pid namespace (bubblewrap's first process its init: when it goes, every
process of the turn goes), the worker's death kills it, and resource limits like
`run_command`'s but sized for a tool that runs for an hour.

The network is the host's (`--share-net`): the tool must reach its provider and the API on
loopback (the callback variables). Network confinement through the egress proxy is a later
step.
"""

import asyncio
import logging
import subprocess
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from activities.sandbox.bwrap import bwrap_path
from activities.sandbox.limits import GIB, SandboxLimits
from activities.sandbox.program import sandboxed_argv
from paperclip.errors import PaperclipError

log = logging.getLogger(__name__)

SANDBOX_TMP = "/tmp"
"""`TMPDIR` inside: the worker's own may be a folder the sandbox does not have."""


class CliSandboxUnavailable(PaperclipError):
    """The sandbox is on (`PAPERCLIP_CLI_SANDBOX`) and this worker host cannot make one."""


def turn_limits(timeout: float, grace: float) -> SandboxLimits:
    """`run_command`'s limits, sized for a tool: CPU time twice the turn's wall time (its threads
    add up), 64 GiB of address space (reserved, not used: V8 reserves about 10 GiB for each
    WebAssembly instance, and Gemini CLI starts several, beside a heap sized to the host's memory),
    512 processes and 4096 descriptors (a tool runs tests and language servers)."""
    return SandboxLimits(
        cpu_seconds=max(60, int(2 * (timeout + grace))),
        memory_bytes=64 * GIB,
        processes=512,
        file_bytes=4 * GIB,
        open_files=4096,
        grace_seconds=grace,
    )


@dataclass(frozen=True)
class TurnSandbox:
    """How one turn runs sandboxed: the command line to start and the limits to start it with."""

    argv: list[str]
    """bubblewrap and its arguments, the turn's own command last."""
    env: dict[str, str]
    """The environment to start bubblewrap with, which the turn's process inherits."""
    limits: SandboxLimits = field(default_factory=SandboxLimits)


_probed: dict[str, str | None] = {}
"""bubblewrap's path → why it cannot make a sandbox here (None: it can), once per process."""


def _probe(bwrap: str) -> str | None:
    done = subprocess.run(
        [bwrap, "--unshare-all", "--share-net", "--die-with-parent", "--ro-bind", "/", "/", "--", "/bin/true"],
        capture_output=True,
        text=True,
        timeout=30,
        env={"PATH": "/usr/bin:/bin"},
    )
    if done.returncode == 0:
        return None
    return (done.stderr.strip().splitlines() or [f"exit code {done.returncode}"])[-1]


async def bubblewrap() -> str:
    """The bubblewrap to run turns with, checked once to make namespaces on this host.

    Raises:
        CliSandboxUnavailable: it is not installed, or cannot make a sandbox here.
    """
    bwrap = bwrap_path()
    if bwrap is None:
        raise CliSandboxUnavailable(
            "CLI and process agents run in a sandbox, and bubblewrap is not installed on this worker host:"
            " `apt-get install bubblewrap`, or set PAPERCLIP_CLI_SANDBOX=false to run them with the worker's powers"
        )
    if bwrap not in _probed:
        _probed[bwrap] = await asyncio.to_thread(_probe, bwrap)
    if (why := _probed[bwrap]) is not None:
        raise CliSandboxUnavailable(
            f"CLI and process agents run in a sandbox, and bubblewrap cannot make one on this worker host ({why});"
            " allow it unprivileged user namespaces, or set PAPERCLIP_CLI_SANDBOX=false to run them with the"
            " worker's powers"
        )
    return bwrap


async def turn_sandbox(
    argv: Sequence[str],
    env: Mapping[str, str],
    *,
    workspace: Path,
    agent_home: Path,
    home: Path,
    roots: Sequence[Path],
    command: Sequence[str],
    timeout: float,
    grace: float,
) -> TurnSandbox:
    """The sandboxed command line of a turn `argv` with environment `env`.

    Args:
        workspace: the task's directory (the turn's working directory), read-write.
        agent_home: the agent's HOME (`env["HOME"]`), read-write.
        home: `$PAPERCLIP_HOME`: nothing else of it is seen, not even a file.
        roots: the workspace roots: none is seen whole.
        command: the spec's own command and arguments: a file they name by absolute path (a
            `process` agent's script) is seen read-only.

    Raises:
        CliSandboxUnavailable: no bubblewrap that works here.
        FileNotFoundError: the tool is not on the environment's PATH.
    """
    bwrap = await bubblewrap()
    files = [Path(a) for a in command if a.startswith("/") and Path(a).is_file()]
    inside = dict(env) | {"TMPDIR": SANDBOX_TMP}
    wrapped = await asyncio.to_thread(
        sandboxed_argv,
        bwrap,
        argv,
        workspace=workspace,
        env=inside,
        hidden=list(roots),
        forbidden=[home],
        writable=[agent_home],
        files=files,
        share_net=True,
        commit=True,
    )
    return TurnSandbox(argv=wrapped, env=inside, limits=turn_limits(timeout, grace))
