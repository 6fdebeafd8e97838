"""What the sandbox costs: a sandboxed `true` (bubblewrap, namespaces, limits, cgroup) against a
plain subprocess `true`, and the same with the egress proxy and its forwarder.

    python bench/sandbox.py --runs 20

Prints p50 and max milliseconds of each, on this machine.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
from collections.abc import Awaitable, Callable
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from activities.sandbox import Egress, run_sandboxed  # noqa: E402


async def plain() -> None:
    proc = await asyncio.create_subprocess_exec("true")
    await proc.wait()


async def timed(label: str, runs: int, call: Callable[[], Awaitable[object]]) -> None:
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        await call()
        times.append((time.perf_counter() - started) * 1000)
    print(f"{label:<28} p50 {statistics.median(times):7.1f} ms   max {max(times):7.1f} ms")


async def main(runs: int) -> None:
    with tempfile.TemporaryDirectory() as workspace:
        ws = Path(workspace)
        await timed("plain subprocess true", runs, plain)
        await timed("sandboxed true", runs, lambda: run_sandboxed(["true"], workspace=ws, timeout=30))
        egress = Egress(allow_hosts=["example.com"])
        await timed(
            "sandboxed true + egress", runs, lambda: run_sandboxed(["true"], workspace=ws, timeout=30, egress=egress)
        )


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--runs", type=int, default=20)
    asyncio.run(main(parser.parse_args().runs))
