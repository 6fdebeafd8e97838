"""A sandboxed run's processes are bounded while they run and gone when it ends: a fork bomb, a
flood of output, a `setsid` grandchild that outlives its parent, a timeout, a cancellation."""

import asyncio
import time
import uuid
from pathlib import Path

from activities.sandbox import SandboxLimits, run_sandboxed


def running(marker: str) -> list[int]:
    """Host pids of every live process whose command line holds `marker` (bubblewrap's, whose
    arguments hold the whole command, and those of the sandbox)."""
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        try:
            if marker.encode() in (entry / "cmdline").read_bytes():
                found.append(int(entry.name))
        except OSError:
            continue
    return found


def sleeper() -> tuple[str, str]:
    """A `sleep` argument no other process has, and the marker to find it by."""
    seconds = f"1000.{uuid.uuid4().int % 10**9:09d}"
    return seconds, seconds


def _cmdline(pid: int) -> bytes:
    try:
        return Path(f"/proc/{pid}/cmdline").read_bytes()
    except OSError:
        return b""


async def until_running(marker: str) -> None:
    """Until a `sleep` of the sandbox runs (not merely bubblewrap with it in its arguments)."""
    for _ in range(200):
        if any(_cmdline(pid).startswith(b"sleep\0") for pid in running(marker)):
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{marker} never started")


async def test_a_fork_bomb_is_bounded_and_the_call_returns(tmp_path: Path) -> None:
    started = time.monotonic()
    result = await run_sandboxed(
        ["/bin/sh", "-c", "b() { b | b & }; b; sleep 3; echo survived"],
        workspace=tmp_path,
        timeout=8,
        limits=SandboxLimits(processes=32, grace_seconds=0.5),
    )
    assert "fork" in result.output.lower()  # it hit the limit
    assert time.monotonic() - started < 15


async def test_a_flood_of_output_is_capped_and_the_command_killed(tmp_path: Path) -> None:
    started = time.monotonic()
    result = await run_sandboxed(
        ["/bin/sh", "-c", "head -c 50000000 /dev/zero | tr '\\0' a; echo finished"],
        workspace=tmp_path,
        timeout=30,
        limits=SandboxLimits(output_bytes=1024 * 1024),
    )
    assert result.truncated and result.exit_code is None
    assert len(result.output) == 1024 * 1024 and "finished" not in result.output
    assert time.monotonic() - started < 10


async def test_a_timeout_stops_setsid_grandchildren_too(tmp_path: Path) -> None:
    seconds, marker = sleeper()
    run = asyncio.create_task(
        run_sandboxed(
            ["/bin/sh", "-c", f"setsid sleep {seconds} & (setsid sh -c 'sleep {seconds}' &); sleep {seconds}"],
            workspace=tmp_path,
            timeout=1.5,
            limits=SandboxLimits(grace_seconds=0.5),
        )
    )
    await until_running(marker)
    assert len(running(marker)) >= 2
    result = await run
    assert result.timed_out and result.exit_code is None
    assert running(marker) == []


async def test_a_cancelled_run_leaves_no_process(tmp_path: Path) -> None:
    seconds, marker = sleeper()
    run = asyncio.create_task(
        run_sandboxed(
            ["/bin/sh", "-c", f"setsid sleep {seconds} & nohup sleep {seconds} & sleep {seconds}"],
            workspace=tmp_path,
            timeout=60,
        )
    )
    await until_running(marker)
    run.cancel()
    try:
        await run
    except asyncio.CancelledError:
        pass
    else:
        raise AssertionError("the run was not cancelled")
    assert running(marker) == []


async def test_a_run_cancelled_as_it_starts_leaves_no_process(tmp_path: Path) -> None:
    for pause in (0, 0.005, 0.02):
        seconds, marker = sleeper()
        run = asyncio.create_task(
            run_sandboxed(
                ["/bin/sh", "-c", f"setsid sleep {seconds} & sleep {seconds}"], workspace=tmp_path, timeout=60
            )
        )
        await asyncio.sleep(pause)
        run.cancel()
        try:
            await run
        except asyncio.CancelledError:
            pass
        assert running(marker) == []


async def test_a_background_process_ends_with_the_command(tmp_path: Path) -> None:
    seconds, marker = sleeper()
    result = await run_sandboxed(
        ["/bin/sh", "-c", f"setsid sleep {seconds} > /dev/null 2>&1 & echo started"], workspace=tmp_path, timeout=10
    )
    assert result.exit_code == 0 and result.output == "started\n"
    assert running(marker) == []


async def test_file_size_and_cpu_limits_hold(tmp_path: Path) -> None:
    result = await run_sandboxed(
        ["/bin/sh", "-c", "head -c 5000000 /dev/zero > big; echo $?; ls -l big"],
        workspace=tmp_path,
        timeout=10,
        limits=SandboxLimits(file_bytes=1024 * 1024),
    )
    assert (tmp_path / "big").stat().st_size == 1024 * 1024
    busy = await run_sandboxed(
        ["/bin/sh", "-c", "while :; do :; done"], workspace=tmp_path, timeout=20, limits=SandboxLimits(cpu_seconds=1)
    )
    assert not busy.timed_out and busy.exit_code is not None and busy.exit_code != 0
    assert result.exit_code == 0
