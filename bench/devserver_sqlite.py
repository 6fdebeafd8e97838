"""What the embedded dev server's SQLite settings cost: the platform's floor on a file store.

    python bench/devserver_sqlite.py [--steps 200] [--children 200] [--rounds 3]

`paperclip up` runs the dev server on a SQLite file (`$PAPERCLIP_HOME/temporal.db`); the other
benchmarks run it in memory. For each configuration — the file with SQLite's defaults, each
pragma alone, the two together (what `paperclip up` uses), and in memory — this starts a dev
server with the product's dynamic config and measures, with bare workflows (none of the
product's work):

1. a sequential activity step: one workflow running `--steps` no-op activities one after
   another, ms a step (p50 of the steps, from the activities' start times);
2. fan-out: `--children` bare child workflows of one no-op activity, seconds until all are done.

Configurations run round-robin, `--rounds` times, and the median of the rounds is printed, since
run-to-run noise on a small machine exceeds the differences measured.
"""

import argparse
import asyncio
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from temporalio.testing import WorkflowEnvironment  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

from bench.baseline_workflows import BareChild, BareParent, Steps, step, wait  # noqa: E402
from paperclip.binaries import temporal_cli  # noqa: E402
from paperclip.devserver import SQLITE_PRAGMAS, dynamic_config_args  # noqa: E402

CONFIGS: dict[str, list[str] | None] = {
    "file, SQLite defaults": [],
    "file, journal_mode=wal": ["journal_mode=wal"],
    "file, synchronous=normal": ["synchronous=normal"],
    "file, both (paperclip up)": [f"{key}={value}" for key, value in SQLITE_PRAGMAS.items()],
    "in memory": None,
}


async def measure(pragmas: list[str] | None, steps: int, children: int) -> tuple[float, float]:
    """(ms a sequential step p50, seconds for the fan-out) on a fresh dev server."""
    with tempfile.TemporaryDirectory() as folder:
        extra = dynamic_config_args()
        if pragmas is not None:
            extra += ["--db-filename", f"{folder}/temporal.db"]
            for pragma in pragmas:
                extra += ["--sqlite-pragma", pragma]
        env = await WorkflowEnvironment.start_local(
            dev_server_existing_path=temporal_cli(), dev_server_extra_args=extra
        )
        try:
            queue = f"sqlite-{uuid.uuid4().hex}"
            async with (
                Worker(env.client, task_queue=queue, workflows=[Steps, BareParent, BareChild], activities=[step]),
                Worker(env.client, task_queue=queue + "-llm", activities=[wait], max_concurrent_activities=children),
            ):
                await env.client.execute_workflow(Steps.run, 10, id=f"{queue}-warm", task_queue=queue)
                stamps = await env.client.execute_workflow(Steps.run, steps, id=f"{queue}-steps", task_queue=queue)
                gaps = [b - a for a, b in zip(stamps, stamps[1:], strict=False)]
                start = time.perf_counter()
                await env.client.execute_workflow(BareParent.run, args=[children, 0.0], id=queue, task_queue=queue)
                fanout = time.perf_counter() - start
            return statistics.median(gaps) * 1000, fanout
        finally:
            await env.shutdown()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=200)
    parser.add_argument("--children", type=int, default=200)
    parser.add_argument("--rounds", type=int, default=3)
    args = parser.parse_args()
    results: dict[str, list[tuple[float, float]]] = {name: [] for name in CONFIGS}
    for _ in range(args.rounds):
        for name, pragmas in CONFIGS.items():
            results[name].append(await measure(pragmas, args.steps, args.children))
    floor = statistics.median(fanout for _, fanout in results["in memory"])
    print(f"{'configuration':28} {'step p50':>10} {f'{args.children} children':>14}  (median of {args.rounds} rounds)")
    for name, rounds in results.items():
        step_ms = statistics.median(s for s, _ in rounds)
        fanout = statistics.median(f for _, f in rounds)
        print(f"{name:28} {step_ms:8.1f} ms {fanout:12.2f} s   {fanout / floor:4.1f}× in memory")


if __name__ == "__main__":
    asyncio.run(main())
