"""Running one CLI turn: its own process group (in the sandbox, its own pid namespace), both
pipes drained at once, a heartbeat with progress, a turn timeout with grace, and the whole group
killed on cancel or when it ends."""

import asyncio
import os
import signal
from collections import deque
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from activities.cli.base import CliAdapter, Stream
from activities.cli.sandbox import TurnSandbox
from activities.sandbox.limits import _PRCTL, PidsCgroup, _die_with_parent, apply_limits
from activities.sandbox.run import stop as stop_sandbox
from paperclip.errors import PaperclipError

HEARTBEAT_SECONDS = 0.5
"""How often a running turn heartbeats its progress. The SDK sends at most one a second to the
server (the CLI worker's throttle), but a cancellation is learnt only at a heartbeat call."""
CANCEL_GRACE_SECONDS = 2.0
"""How long a cancelled turn's processes get between SIGTERM and SIGKILL."""
STDERR_TAIL_LINES = 20
LINE_LIMIT = 16 * 1024 * 1024
"""The longest stdout line read whole (a tool's final event can carry a long answer)."""


class TurnTimedOut(PaperclipError):
    """A CLI agent's turn ran past its time."""

    kind = "timeout"


@dataclass
class Finished:
    exit_code: int
    stderr_tail: str
    bytes_out: int
    stopped: bool = False
    """`stop_when` said so: the tool was stopped before it ended on its own."""


def kill_group(pgid: int, sig: signal.Signals) -> bool:
    """Send `sig` to a process group; False when it is gone already."""
    try:
        os.killpg(pgid, sig)
    except ProcessLookupError:
        return False
    return True


def group_alive(pgid: int) -> bool:
    """Whether a process of the group still runs (a zombie, dead but not yet reaped, does not)."""
    proc = Path("/proc")
    if proc.is_dir():
        for entry in proc.iterdir():
            if not entry.name.isdigit():
                continue
            try:
                stat = (entry / "stat").read_text()
            except OSError:
                continue
            # "pid (comm) state ppid pgrp …": comm may hold spaces, so split after its ")".
            fields = stat[stat.rfind(")") + 2 :].split()
            if len(fields) > 2 and int(fields[2]) == pgid and fields[0] != "Z":
                return True
        return False
    try:
        os.killpg(pgid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    return True


def kill_marked_group(pgid: int, marker: str) -> bool:
    """SIGKILL to the group `pgid` if one of its processes has `marker` in its environment (the
    turn that started it), so a reused pid is never hit; False when there was none (Linux)."""
    proc = Path("/proc")
    if not proc.is_dir():
        return False
    for entry in proc.iterdir():
        if not entry.name.isdigit():
            continue
        try:
            stat = (entry / "stat").read_text()
            fields = stat[stat.rfind(")") + 2 :].split()
            if len(fields) < 3 or int(fields[2]) != pgid:
                continue
            if marker.encode() in (entry / "environ").read_bytes().split(b"\0"):
                return kill_group(pgid, signal.SIGKILL)
        except (OSError, ValueError):
            continue
    return False


async def stop_group(pgid: int, grace: float) -> None:
    """SIGTERM to the group, then SIGKILL to whatever is left after `grace` seconds."""
    if not kill_group(pgid, signal.SIGTERM):
        return
    loop = asyncio.get_running_loop()
    deadline = loop.time() + grace
    while group_alive(pgid) and loop.time() < deadline:
        await asyncio.sleep(0.05)
    kill_group(pgid, signal.SIGKILL)


async def run(
    adapter: CliAdapter,
    argv: list[str],
    stdin: str | None,
    *,
    cwd: Path,
    env: Mapping[str, str],
    stream: Stream,
    timeout: float,
    grace: float,
    beat: Callable[[dict[str, Any]], None],
    stop_when: Callable[[], bool] | None = None,
    sandbox: TurnSandbox | None = None,
) -> Finished:
    """Run the turn's process to its end; raises `TurnTimedOut` past `timeout` seconds (after
    stopping it) and `FileNotFoundError` when the executable is missing. Cancelling the caller
    kills the whole process group. `stop_when`, asked after each line of output, stops it early
    (SIGTERM, SIGKILL after `grace`).

    With `sandbox` (`activities.cli.sandbox`), its command line runs instead of `argv`, with
    its environment and limits, and "the whole group" is every process of the sandbox's pid
    namespace (a `setsid` child included): SIGTERM to each, SIGKILL after the grace.
    """
    cgroup = PidsCgroup.create(sandbox.limits.processes) if sandbox is not None else None
    preexec: Callable[[], None] | None = _die_with_parent if _PRCTL is not None else None
    if sandbox is not None:
        limits, procs = sandbox.limits, cgroup.procs if cgroup is not None else None
        argv, env = sandbox.argv, sandbox.env

        def preexec() -> None:
            apply_limits(limits, procs)

    try:
        process = await asyncio.create_subprocess_exec(
            *argv,
            cwd=cwd,
            env=dict(env),
            stdin=asyncio.subprocess.PIPE if stdin is not None else asyncio.subprocess.DEVNULL,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            start_new_session=True,  # its own process group, led by it: pgid == pid
            preexec_fn=preexec,
            limit=LINE_LIMIT,
        )
    except BaseException:
        if cgroup is not None:
            await asyncio.to_thread(cgroup.remove)
        raise
    pgid = process.pid

    async def halt(grace: float) -> None:
        if sandbox is None:
            await stop_group(pgid, grace)
        else:
            await stop_sandbox(process, cgroup, grace=grace)

    assert process.stdout is not None and process.stderr is not None
    stdout, stderr = process.stdout, process.stderr
    tail: deque[str] = deque(maxlen=STDERR_TAIL_LINES)
    counted = {"bytes": 0}
    stopping: list[asyncio.Future[None]] = []

    async def feed_stdin() -> None:
        if process.stdin is None:
            return
        try:
            process.stdin.write((stdin or "").encode())
            await process.stdin.drain()
            process.stdin.close()
        except (BrokenPipeError, ConnectionResetError):
            pass  # it did not read its input: its exit code says what happened

    async def read_stdout() -> None:
        async for raw in stdout:
            counted["bytes"] += len(raw)
            before = stream.events
            adapter.feed(raw.decode(errors="replace").rstrip("\r\n"), stream)
            if stream.events > before:  # an event, counted by its kind for the trace
                stream.kinds[stream.last_event] += stream.events - before
            if stop_when is not None and not stopping and stop_when():
                stopping.append(asyncio.ensure_future(halt(grace)))

    async def read_stderr() -> None:
        async for raw in stderr:
            counted["bytes"] += len(raw)
            tail.append(raw.decode(errors="replace").rstrip())

    async def heartbeat() -> None:
        while True:
            beat(
                {
                    "session_id": stream.session_id,
                    "bytes": counted["bytes"],
                    "events": stream.events,
                    "last_event": stream.last_event,
                    "pid": process.pid,
                }
            )
            await asyncio.sleep(HEARTBEAT_SECONDS)

    beating = asyncio.ensure_future(heartbeat())
    work = asyncio.gather(feed_stdin(), read_stdout(), read_stderr())
    try:
        try:
            code = await asyncio.wait_for(process.wait(), timeout)
        except TimeoutError:
            await halt(grace)
            raise TurnTimedOut(f"the turn ran past its {timeout:g} s timeout") from None
        # It has ended: what it left running in its group goes too, so the pipes close, and
        # what it wrote before it ended is read to the end.
        kill_group(pgid, signal.SIGKILL)
        await work
        await asyncio.gather(*stopping)
    except asyncio.CancelledError:
        await halt(min(grace, CANCEL_GRACE_SECONDS))
        raise
    finally:
        beating.cancel()
        # Whatever it left behind (a background child) goes with it.
        kill_group(pgid, signal.SIGKILL)
        if process.returncode is None:
            await process.wait()
        if cgroup is not None:
            await asyncio.to_thread(cgroup.remove)
        if not work.done():
            work.cancel()
        for stop in stopping:
            stop.cancel()
        await asyncio.gather(work, *stopping, return_exceptions=True)
    return Finished(exit_code=code, stderr_tail="\n".join(tail), bytes_out=counted["bytes"], stopped=bool(stopping))
