"""Running one command in the sandbox: output read as it comes and capped, a heartbeat, a
timeout that stops everything, and nothing left behind.

"Everything" is exact: the command runs in a pid namespace of its own, whose first process is
bubblewrap's; when that process dies the kernel kills every other process of the namespace, a
`setsid` grandchild or a daemon included. A timeout sends SIGTERM to every process of the
namespace, and after the grace SIGKILL to bubblewrap (and so to the namespace); a cancellation
(the activity cancelled) kills at once. The run's pids cgroup, where there is one, is emptied
last as a second net.
"""

import asyncio
import logging
import os
import signal
import tempfile
import time
from collections.abc import Callable, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from activities.sandbox.bwrap import bwrap_args, bwrap_path
from activities.sandbox.egress import EgressProxy, KeyFor
from activities.sandbox.forwarder import FORWARDER, FORWARDER_PORT
from activities.sandbox.limits import PidsCgroup, SandboxLimits, apply_limits
from paperclip.errors import PaperclipError

log = logging.getLogger(__name__)

HEARTBEAT_SECONDS = 1.0
CHUNK = 64 * 1024
EGRESS_SOCKET = "/run/paperclip-egress.sock"
"""Where the egress proxy's socket is inside the sandbox."""


class SandboxUnavailable(PaperclipError):
    """bubblewrap is not installed on this worker host."""


@dataclass(frozen=True)
class Egress:
    """Which hosts a run may reach through the egress proxy, and what it adds on the way."""

    allow_hosts: Sequence[str]
    """`host` (ports 80 and 443) or `host:port` entries."""
    private_ok: Sequence[str] = ()
    """`host[:port]` entries on this machine or a link-local network the deployment allows."""
    key_for: KeyFor = field(default=lambda url: None)
    """The bound credential to add to a plain-HTTP request to a URL, None for none."""


@dataclass
class SandboxResult:
    exit_code: int | None
    """The command's exit code; negative: killed by that signal; None: stopped by us."""
    output: str
    """Its stdout and stderr as they came, at most `SandboxLimits.output_bytes`."""
    truncated: bool = False
    """The output went past the cap: the run was killed there."""
    timed_out: bool = False
    duration_ms: int = 0


async def run_sandboxed(
    argv: Sequence[str],
    *,
    workspace: Path,
    timeout: float,
    limits: SandboxLimits | None = None,
    env: Mapping[str, str] | None = None,
    egress: Egress | None = None,
    heartbeat: Callable[..., None] | None = None,
) -> SandboxResult:
    """Run `argv` in the sandbox, in `workspace`, for at most `timeout` seconds.

    Args:
        env: variables the command sees besides PATH, HOME, LANG and TERM (never a secret).
        egress: hosts it may reach through the egress proxy; None: no network at all.
        heartbeat: called about every second with the output's byte count so far.

    Raises:
        SandboxUnavailable: bubblewrap is not installed.
        asyncio.CancelledError: cancelled; every process of the run is killed first.
    """
    bwrap = bwrap_path()
    if bwrap is None:
        raise SandboxUnavailable("the sandbox needs bubblewrap (apt-get install bubblewrap) on this worker host")
    limits = limits or SandboxLimits()
    env = dict(env or {})
    started = time.monotonic()
    with tempfile.TemporaryDirectory(prefix="paperclip-egress-") as private:
        binds: dict[str, str] = {}
        proxy: EgressProxy | None = None
        if egress is not None:
            socket_path = str(Path(private) / "egress.sock")
            proxy = EgressProxy(egress.allow_hosts, private_ok=egress.private_ok, key_for=egress.key_for)
            await proxy.start(socket_path)
            binds[socket_path] = EGRESS_SOCKET
            url = f"http://127.0.0.1:{FORWARDER_PORT}"
            env |= {name: url for name in ("HTTP_PROXY", "HTTPS_PROXY", "http_proxy", "https_proxy")}
            argv = ["python3", "-c", FORWARDER, EGRESS_SOCKET, str(FORWARDER_PORT), *argv]
        try:
            result = await _run(
                bwrap, bwrap_args(argv, workspace=workspace, env=env, binds=binds), limits, timeout, heartbeat
            )
        finally:
            if proxy is not None:
                await proxy.close()
    result.duration_ms = int((time.monotonic() - started) * 1000)
    return result


async def _run(
    bwrap: str, args: list[str], limits: SandboxLimits, timeout: float, heartbeat: Callable[..., None] | None
) -> SandboxResult:
    cgroup = PidsCgroup.create(limits.processes)
    procs = cgroup.procs if cgroup is not None else None
    spawn = asyncio.ensure_future(
        asyncio.create_subprocess_exec(
            bwrap,
            *args,
            stdin=asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.STDOUT,
            env={"PATH": "/usr/bin:/bin"},
            start_new_session=True,
            preexec_fn=lambda: apply_limits(limits, procs),
        )
    )
    try:
        proc = await asyncio.shield(spawn)
    except asyncio.CancelledError:  # cancelled while it starts: it starts all the same, then goes
        try:
            await asyncio.shield(stop(await spawn, cgroup, grace=0))
        finally:
            if cgroup is not None:
                await asyncio.to_thread(cgroup.remove)
        raise
    assert proc.stdout is not None
    kept = bytearray()
    result = SandboxResult(exit_code=None, output="")

    async def read() -> None:
        assert proc.stdout is not None
        while chunk := await proc.stdout.read(CHUNK):
            room = limits.output_bytes - len(kept)
            kept.extend(chunk[:room])
            if len(chunk) > room:
                result.truncated = True
                return

    async def beat() -> None:
        while heartbeat is not None:
            await asyncio.sleep(HEARTBEAT_SECONDS)
            heartbeat({"output_bytes": len(kept)})

    beats = asyncio.create_task(beat())
    try:
        try:
            async with asyncio.timeout(timeout):
                await read()
                if result.truncated:
                    await stop(proc, cgroup, grace=0)
                else:
                    result.exit_code = await proc.wait()
        except TimeoutError:
            result.timed_out = True
            await stop(proc, cgroup, grace=limits.grace_seconds)
    except BaseException:
        await asyncio.shield(stop(proc, cgroup, grace=0))
        raise
    finally:
        beats.cancel()
        if cgroup is not None:
            await asyncio.to_thread(cgroup.remove)
    result.output = bytes(kept).decode("utf-8", errors="replace")
    return result


async def stop(proc: asyncio.subprocess.Process, cgroup: PidsCgroup | None, *, grace: float) -> None:
    """Stop every process of the run: SIGTERM to each process of its namespace and `grace`
    seconds to go, then SIGKILL to bubblewrap (the kernel kills the rest of the namespace)."""
    namespace = _namespace(proc.pid)
    if grace > 0 and namespace is not None and proc.returncode is None:
        for pid in _members(namespace):
            _kill(pid, signal.SIGTERM)
        try:
            await asyncio.wait_for(proc.wait(), grace)
        except TimeoutError:
            pass
    members = _members(namespace) if namespace is not None else []
    if proc.returncode is None:
        # Stopped first, so the child it may be cloning right now is in its list: before the
        # namespace exists, that child (its init to be) is the one to kill.
        _kill(proc.pid, signal.SIGSTOP)
        members += _children(proc.pid)
        if namespace is None and (namespace := _namespace(proc.pid)) is not None:
            members += _members(namespace)
        _kill(proc.pid, signal.SIGKILL)
    for pid in members:  # the kernel does it as the namespace's init dies: do not wait for that
        _kill(pid, signal.SIGKILL)
    if cgroup is not None:
        await asyncio.to_thread(cgroup.kill_all)
    try:  # asyncio's wait also waits for the output pipe: a process holding it would hold us
        await asyncio.wait_for(proc.wait(), 10)
    except TimeoutError:
        log.warning("sandbox: bubblewrap %d is gone but its output pipe is still held", proc.pid)
    deadline = time.monotonic() + 5
    while time.monotonic() < deadline:
        left = _members(namespace) if namespace is not None else []
        if not left and not any(_alive(pid) for pid in members):
            break
        for pid in left:  # one forked between the listing and the kill
            _kill(pid, signal.SIGKILL)
        await asyncio.sleep(0.02)


def _alive(pid: int) -> bool:
    """Whether `pid` is a process that has not finished exiting (a zombie has)."""
    try:
        stat = Path(f"/proc/{pid}/stat").read_text()
    except OSError:
        return False
    return stat[stat.rfind(")") + 2 :][:1] not in ("Z", "X")


def _kill(pid: int, sig: signal.Signals) -> None:
    try:
        os.kill(pid, sig)
    except (ProcessLookupError, PermissionError):
        pass


def _children(pid: int) -> list[int]:
    try:
        return [int(p) for p in Path(f"/proc/{pid}/task/{pid}/children").read_text().split()]
    except OSError:
        return []


def _namespace(pid: int) -> str | None:
    """The pid namespace of the sandbox bubblewrap `pid` runs: its child's (the namespace's
    first process), None when there is none (it has ended, or not begun)."""
    try:
        own = os.readlink(f"/proc/{pid}/ns/pid")
    except OSError:
        return None
    for child in _children(pid):
        try:
            namespace = os.readlink(f"/proc/{child}/ns/pid")
        except OSError:
            continue
        if namespace != own:
            return namespace
    return None


def _members(namespace: str) -> list[int]:
    """The host pids of every process living in pid namespace `namespace`."""
    found: list[int] = []
    for entry in os.scandir("/proc"):
        if not entry.name.isdigit():
            continue
        try:
            if os.readlink(f"/proc/{entry.name}/ns/pid") == namespace:
                found.append(int(entry.name))
        except OSError:
            continue
    return found
