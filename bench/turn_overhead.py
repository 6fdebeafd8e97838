"""What an agent turn costs on top of the model call, and how fast a company fans out, each
beside its floor measured in the same run.

    python bench/turn_overhead.py [--store file|memory|both] [--turns 200] [--chunk 50]
                                  [--fanout 100 [500 ...]] [--latency 1.0] [--rounds 3]

For each store (default both: the file first, then in memory) this starts a Temporal dev server
with the very command line `paperclip up` uses (`paperclip.devserver.dev_server_command`: its
dynamic config, its SQLite file with the product's pragmas; in memory, the same command without
the file and its pragmas), the real workers, a SQLite product store and the fake
OpenAI-compatible server from tests/fakes, and prints:

1. Turn overhead against the bare activity step, interleaved: rounds of one task of `--chunk`
   turns (0 ms provider latency), the same with a budget cap (each call reserved from the
   company first), then one bare workflow of `--chunk` no-op activity steps
   (`bench.baseline_workflows.Steps`), until `--turns` turns of each were measured. A turn's
   cycle is the time between consecutive `model_turn` schedules in the task's history; the very
   requests those turns sent are made again directly with the SDK right after each task, and
   overhead = cycle − direct call, turn by turn. A step is the time between consecutive
   schedules in the bare workflow's history (the same clock). p50 and p95, and overhead ÷ step.
2. Fan-out against its floor, interleaved: for each `--fanout` n, `--rounds` rounds of n
   one-turn tasks created at once on one company (each call `--latency` s), then n bare child
   workflows of one `--latency` s activity (`BareParent`); the median of the rounds, and the ratio;
   then the CPU seconds the workers (this process) and the dev server used in each (medians).

Run-to-run noise on a small shared machine exceeds the margins measured, hence the interleaving
and the medians. Figures go to docs/benchmarks.md.
"""

import argparse
import asyncio
import os
import socket
import statistics
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Awaitable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import openai  # noqa: E402
from openai.types.chat import ChatCompletion, ChatCompletionChunk  # noqa: E402
from temporalio.api.enums.v1 import EventType  # noqa: E402
from temporalio.client import Client  # noqa: E402
from temporalio.service import RPCError, RPCStatusCode  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

from bench.baseline_workflows import BareChild, BareParent, Steps, step, wait  # noqa: E402
from paperclip.constants import Activity, company_workflow_id, task_workflow_id  # noqa: E402
from paperclip.devserver import SQLITE_PRAGMAS, dev_server_command, wait_until_ready  # noqa: E402
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
from paperclip.temporal import connect  # noqa: E402
from tests.fakes.process import FakeModelServerProcess as FakeModelServer  # noqa: E402
from workers.main import build_workers  # noqa: E402
from workflows.company import CompanyWorkflow  # noqa: E402
from workflows.task import TaskWorkflow  # noqa: E402

KEY = "BENCH_KEY"
"""An environment variable the workers allow as a credential, bound to the fake server."""


def pct(values: list[float], q: float) -> float:
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(q * (len(ordered) - 1))))]


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


def in_memory(command: list[str]) -> list[str]:
    """`paperclip up`'s dev-server command without its file and the file's pragmas."""
    dropped = {"--db-filename"} | {f"{key}={value}" for key, value in SQLITE_PRAGMAS.items()}
    out: list[str] = []
    skip = False
    for i, arg in enumerate(command):
        if skip:
            skip = False
            continue
        if arg in dropped or (arg == "--sqlite-pragma" and command[i + 1] in dropped):
            skip = True
            continue
        out.append(arg)
    return out


@asynccontextmanager
async def dev_server(store: str, home: Path) -> AsyncIterator[tuple[Client, int]]:
    """A dev server started as `paperclip up` starts it (`store` "memory": without its file):
    a client of it, and its pid."""
    settings = Settings(home=home, temporal_port=free_port(), temporal_ui_port=free_port())
    command = dev_server_command(settings)
    if store == "memory":
        command = in_memory(command)
    log = (home / "temporal.log").open("w")
    process = await asyncio.create_subprocess_exec(*command, stdout=log, stderr=asyncio.subprocess.STDOUT)
    try:
        await wait_until_ready(settings, timeout=60)
        yield await connect(settings), process.pid
    finally:
        process.terminate()
        try:
            await asyncio.wait_for(process.wait(), 10)
        except TimeoutError:
            process.kill()
            await process.wait()
        log.close()


async def direct_calls(server: FakeModelServer, bodies: list[dict]) -> list[float]:
    """The same provider calls made directly: the SDK's client streaming each recorded request again."""
    client = openai.AsyncOpenAI(api_key=server.openai_key, base_url=server.base_url_openai, max_retries=0)
    times = []
    for body in bodies:
        start = time.perf_counter()
        # Posted as the product posts it (`activities.providers.openai_chat`): the JSON body as it
        # is, without the SDK's typed-dict transform, so both sides pay the same client cost.
        stream = await client.post(
            "/chat/completions",
            cast_to=ChatCompletion,
            body=body,
            stream=True,
            stream_cls=openai.AsyncStream[ChatCompletionChunk],
        )
        async for _chunk in stream:
            pass
        times.append(time.perf_counter() - start)
    await client.close()
    return times


def gaps(history_events: Sequence[Any], activity_type: str | None = None) -> list[float]:
    """Seconds between consecutive activity schedules (of `activity_type`, when given)."""
    scheduled = [
        e.event_time.ToDatetime()
        for e in history_events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and (activity_type is None or e.activity_task_scheduled_event_attributes.activity_type.name == activity_type)
    ]
    return [(b - a).total_seconds() for a, b in zip(scheduled, scheduled[1:], strict=False)]


async def turn_cycles(
    client: Client, queue: str, server: FakeModelServer, turns: int, *, budgeted: bool = False
) -> tuple[list[float], list[float]]:
    """Cycle seconds between consecutive model turns of one task of `turns` turns, and the same
    provider calls made directly right after it."""
    model = ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini", base_url=server.base_url_openai, credential=KEY)
    writer = AgentSpec(name="writer", max_turns=turns + 5, model=model)
    company_id = f"bench-{uuid.uuid4().hex[:6]}"
    await client.start_workflow(
        CompanyWorkflow.run,
        CompanyInput(spec=CompanySpec(id=company_id, name="Bench", prefix="B"), agents=[writer]),
        id=company_workflow_id(company_id),
        task_queue=queue,
    )
    server.set(work_turns=turns)
    first_request = len(server.requests())
    handle = await client.start_workflow(
        TaskWorkflow.run,
        TaskInput(company_id=company_id, identifier="B-1", title="Write", agent=writer, company_budgeted=budgeted),
        id=task_workflow_id(company_id, "B-1"),
        task_queue=queue,
    )
    result = await handle.result()
    server.set(work_turns=1)
    assert result.turns == turns, result
    cycles = gaps((await handle.fetch_history()).events, Activity.MODEL_TURN)
    direct = await direct_calls(server, server.requests(first_request)[: len(cycles)])
    return cycles, direct


async def step_gaps(client: Client, queue: str, steps: int) -> list[float]:
    """Seconds between consecutive no-op activity steps of one bare workflow."""
    handle = await client.start_workflow(Steps.run, steps, id=f"{queue}-{uuid.uuid4().hex[:6]}", task_queue=queue)
    await handle.result()
    return gaps((await handle.fetch_history()).events)


async def finished(client: Client, workflow_id: str) -> None:
    """Wait for a task's result; it may not have been dispatched yet."""
    while True:
        try:
            await client.get_workflow_handle(workflow_id).result()
            return
        except RPCError as err:
            if err.status is not RPCStatusCode.NOT_FOUND:
                raise
            await asyncio.sleep(0.05)


async def fanout(client: Client, queue: str, server: FakeModelServer, n: int, latency: float) -> float:
    """Seconds from creating `n` tasks at once to the last one finished, each call `latency` s."""
    model = ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini", base_url=server.base_url_openai, credential=KEY)
    agent = AgentSpec(name="worker", max_concurrent_runs=n, model=model)
    company_id = f"fan-{uuid.uuid4().hex[:6]}"
    company = await client.start_workflow(
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
    await asyncio.gather(*(finished(client, task_workflow_id(company_id, r.identifier)) for r in records))
    elapsed = time.perf_counter() - start
    server.set(latency=0.0)
    return elapsed


async def bare_fanout(client: Client, queue: str, n: int, latency: float) -> float:
    """The same fan-out with bare child workflows (one activity each): the platform's floor."""
    start = time.perf_counter()
    await client.execute_workflow(
        BareParent.run, args=[n, latency], id=f"{queue}-fan-{uuid.uuid4().hex[:6]}", task_queue=queue
    )
    return time.perf_counter() - start


def cpu_seconds(pid: int) -> float:
    """User and system CPU seconds process `pid` has used (Linux `/proc`)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")


async def with_cpu(measured: Awaitable[float], server: int) -> tuple[float, float, float]:
    """`measured`'s seconds, with the CPU seconds this process (the workers) and the dev server
    (`server`, its pid) used meanwhile: on two cores a fan-out is bounded by both."""
    ours, theirs = time.process_time(), cpu_seconds(server)
    wall = await measured
    return wall, time.process_time() - ours, cpu_seconds(server) - theirs


def line(name: str, values: list[float]) -> str:
    return f"  {name:30} p50 {pct(values, 0.5) * 1000:6.1f} ms   p95 {pct(values, 0.95) * 1000:6.1f} ms"


async def measure(store: str, args: argparse.Namespace, server: FakeModelServer) -> None:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        async with dev_server(store, home) as (client, server_pid):
            products = Store(f"sqlite:///{home}/bench.db")
            products.migrate()
            queue, bare = f"bench-{uuid.uuid4().hex}", f"bare-{uuid.uuid4().hex}"
            bound = Settings(env_credentials=[KEY], credential_urls={KEY: [server.base_url_anthropic]})
            most = max(args.fanout)
            workers = build_workers(client, products, task_queue=queue, max_concurrent_model_calls=most, settings=bound)
            workers += [
                Worker(client, task_queue=bare, workflows=[Steps, BareParent, BareChild], activities=[step]),
                Worker(client, task_queue=bare + "-llm", activities=[wait], max_concurrent_activities=most),
            ]
            runs = [asyncio.ensure_future(w.run()) for w in workers]
            try:
                await turn_cycles(client, queue, server, 10)  # warm-up
                await step_gaps(client, bare, 10)
                cycles: list[float] = []
                direct: list[float] = []
                budgeted_cycles: list[float] = []
                budgeted_direct: list[float] = []
                steps: list[float] = []
                while len(cycles) < args.turns:
                    c, d = await turn_cycles(client, queue, server, args.chunk + 1)
                    cycles += c
                    direct += d
                    c, d = await turn_cycles(client, queue, server, args.chunk + 1, budgeted=True)
                    budgeted_cycles += c
                    budgeted_direct += d
                    steps += await step_gaps(client, bare, args.chunk + 1)
                overhead = [c - d for c, d in zip(cycles, direct, strict=True)]
                budgeted = [c - d for c, d in zip(budgeted_cycles, budgeted_direct, strict=True)]
                label = "file (paperclip up)" if store == "file" else "in memory"
                print(f"\n{label}: {len(cycles)} turns of each, in rounds of {args.chunk}")
                print(line("agent turn (full cycle)", cycles))
                print(line("same call made directly", direct))
                print(line("overhead per turn", overhead))
                print(line("overhead per turn, budget cap", budgeted))
                print(line("floor: bare activity step", steps))
                floor = pct(steps, 0.5)
                print(
                    f"  overhead ÷ step (p50)          {pct(overhead, 0.5) / floor:.2f}×   "
                    f"budget cap: {pct(budgeted, 0.5) / floor:.2f}× "
                    f"(+{(pct(budgeted, 0.5) - pct(overhead, 0.5)) * 1000:.1f} ms)"
                )
                for n in args.fanout:
                    rounds: list[tuple[float, float, float]] = []
                    floors: list[tuple[float, float, float]] = []
                    for _ in range(args.rounds):
                        rounds.append(await with_cpu(fanout(client, queue, server, n, args.latency), server_pid))
                        floors.append(await with_cpu(bare_fanout(client, bare, n, args.latency), server_pid))
                    tasks, children = [r[0] for r in rounds], [f[0] for f in floors]
                    took, floor = statistics.median(tasks), statistics.median(children)
                    print(
                        f"  fan-out {n} one-turn tasks, {args.latency:g} s calls: {took:6.2f} s; "
                        f"floor {n} bare children {floor:6.2f} s; {took / floor:.2f}× "
                        f"(median of {args.rounds}: {', '.join(f'{x:.2f}' for x in tasks)} / "
                        f"{', '.join(f'{x:.2f}' for x in children)})"
                    )
                    for name, measured in (("tasks", rounds), ("floor", floors)):
                        print(
                            f"    {name}: CPU of the workers {statistics.median(r[1] for r in measured):5.1f} s, "
                            f"of the dev server {statistics.median(r[2] for r in measured):5.1f} s (median)"
                        )
            finally:
                await asyncio.gather(*(w.shutdown() for w in workers))
                await asyncio.gather(*runs, return_exceptions=True)
                products.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--store", choices=["file", "memory", "both"], default="both")
    parser.add_argument("--turns", type=int, default=200, help="turns measured of each kind (at least)")
    parser.add_argument("--chunk", type=int, default=50, help="turns of one task (and steps of one bare workflow)")
    parser.add_argument("--fanout", type=int, nargs="+", default=[100])
    parser.add_argument("--latency", type=float, default=1.0)
    parser.add_argument("--rounds", type=int, default=3, help="fan-out rounds; the median is printed")
    args = parser.parse_args()
    os.environ[KEY] = "test-key"
    with FakeModelServer() as server:
        for store in ["file", "memory"] if args.store == "both" else [args.store]:
            await measure(store, args, server)


if __name__ == "__main__":
    asyncio.run(main())
