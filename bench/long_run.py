"""A company that has run long is as quick as a new one: turn overhead, snapshot queries, store
size and continue-as-new count at the start and at the end of many days of work.

    python bench/long_run.py [--agents 50] [--tasks 5000] [--days 30] [--probe 30] [--queries 50]

On a dev server started as `paperclip up` starts it (its SQLite file with the product's pragmas;
`bench.turn_overhead.dev_server`), the real workers, a SQLite product store and the fake
OpenAI-compatible server, it founds one company of `--agents` model agents and a `probe` agent,
then measures, right after founding and again after the last day:

- **turn overhead**: one task of `--probe` turns given to `probe` in that company, each turn's
  cycle (between consecutive `model_turn` schedules in its history) less the same provider call
  made directly; beside it, the floor measured at the same moment: a bare workflow of as many
  no-op activity steps. The ratio of the two p50s is the figure that must stay flat;
- **snapshot queries**: `--queries` snapshot queries of the company, back to back, p50 and p95;
- **continue-as-new count**: the company's generation;
- **files**: the product store's and Temporal's SQLite files (with their WAL).

A day is one `create_tasks` of `--tasks / --days` one-turn tasks spread over the agents, waited
for until every one has ended. The dev server's clock is real, so the days are batches, not
calendar days: what grows with them (histories, continue-as-new, the store's rows) is what the
figures test. The 30-day run with its calendar (approvals escalated overnight, goals, hires) is
a test on the time-skipping server (`tests/workflows/test_long_running.py`), which asserts that
nothing is lost across its continue-as-new cycles. Figures go to docs/benchmarks.md.
"""

import argparse
import asyncio
import os
import sys
import tempfile
import time
import uuid
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from temporalio.client import Client, WorkflowHandle  # noqa: E402
from temporalio.worker import Worker  # noqa: E402

from bench.baseline_workflows import Steps, step  # noqa: E402
from bench.turn_overhead import KEY, dev_server, direct_calls, finished, gaps, line, pct, step_gaps  # noqa: E402
from paperclip.constants import Activity, company_workflow_id, task_workflow_id  # noqa: E402
from paperclip.models import (  # noqa: E402
    AgentSpec,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    CreateTasksInput,
    ModelConfig,
    Provider,
)
from paperclip.settings import Settings  # noqa: E402
from paperclip.store import Store  # noqa: E402
from tests.fakes.process import FakeModelServerProcess as FakeModelServer  # noqa: E402
from workers.main import build_workers  # noqa: E402
from workflows.company import CompanyWorkflow  # noqa: E402

PROBE = "probe"


async def probe_turns(
    client: Client, company: WorkflowHandle, company_id: str, server: FakeModelServer, turns: int
) -> tuple[list[float], list[float]]:
    """Cycles of one task of `turns` turns in the company, and the same calls made directly."""
    server.set(work_turns=turns)
    first_request = len(server.requests())
    [record] = await company.execute_update(
        CompanyWorkflow.create_tasks,
        CreateTasksInput(tasks=[CreateTaskInput(title="Probe the turn", assignee=PROBE)]),
    )
    workflow_id = task_workflow_id(company_id, record.identifier)
    await finished(client, workflow_id)
    server.set(work_turns=1)
    cycles = gaps((await client.get_workflow_handle(workflow_id).fetch_history()).events, Activity.MODEL_TURN)
    direct = await direct_calls(server, server.requests(first_request)[: len(cycles)])
    return cycles, direct


async def queries(company: WorkflowHandle, n: int) -> list[float]:
    times = []
    for _ in range(n):
        start = time.perf_counter()
        await company.query(CompanyWorkflow.snapshot)
        times.append(time.perf_counter() - start)
    return times


def sizes(home: Path) -> dict[str, int]:
    """Bytes of each SQLite database under `home`, its WAL and shared memory counted in."""
    found: dict[str, int] = {}
    for path in home.rglob("*.db"):
        found[path.name] = sum(p.stat().st_size for p in path.parent.glob(path.name + "*"))
    return found


async def moment(
    label: str, client: Client, company: WorkflowHandle, company_id: str, server: FakeModelServer, bare: str, args, home
) -> dict[str, float]:
    cycles, direct = await probe_turns(client, company, company_id, server, args.probe + 1)
    steps = await step_gaps(client, bare, args.probe + 1)
    overhead = [c - d for c, d in zip(cycles, direct, strict=True)]
    asked = await queries(company, args.queries)
    snap = await company.query(CompanyWorkflow.snapshot)
    print(f"\n{label}: {len(snap.tasks)} tasks in the company's state (the rest in the store)")
    print(line("overhead per turn", overhead))
    print(line("floor: bare activity step", steps))
    ratio = pct(overhead, 0.5) / pct(steps, 0.5)
    print(f"  overhead ÷ step (p50)          {ratio:.2f}×")
    print(line("snapshot query", asked))
    print(f"  continue-as-new so far         {snap.generation}")
    for name, size in sorted(sizes(home).items()):
        print(f"  {name:30} {size / 1e6:8.1f} MB")
    return {"ratio": ratio, "query": pct(asked, 0.5), "generation": snap.generation}


async def run(args: argparse.Namespace, server: FakeModelServer) -> None:
    with tempfile.TemporaryDirectory() as folder:
        home = Path(folder)
        async with dev_server("file", home) as (client, _):
            products = Store(f"sqlite:///{home}/paperclip.db")
            products.migrate()
            queue, bare = f"long-{uuid.uuid4().hex}", f"bare-{uuid.uuid4().hex}"
            bound = Settings(env_credentials=[KEY], credential_urls={KEY: [server.base_url_anthropic]})
            workers = build_workers(client, products, task_queue=queue, settings=bound)
            workers.append(Worker(client, task_queue=bare, workflows=[Steps], activities=[step]))
            runs = [asyncio.ensure_future(w.run()) for w in workers]
            try:
                model = ModelConfig(
                    provider=Provider.OPENAI, model="gpt-4o-mini", base_url=server.base_url_openai, credential=KEY
                )
                agents = [AgentSpec(name=f"a{i:02}", model=model) for i in range(args.agents)]
                agents.append(AgentSpec(name=PROBE, max_turns=args.probe + 5, model=model))
                company_id = f"long-{uuid.uuid4().hex[:6]}"
                company = await client.start_workflow(
                    CompanyWorkflow.run,
                    CompanyInput(spec=CompanySpec(id=company_id, name="Long", prefix="L"), agents=agents),
                    id=company_workflow_id(company_id),
                    task_queue=queue,
                )
                await step_gaps(client, bare, 10)  # warm-up
                start = await moment("start", client, company, company_id, server, bare, args, home)
                per_day = args.tasks // args.days
                began = time.perf_counter()
                for day in range(args.days):
                    tasks = [
                        CreateTaskInput(title=f"day {day + 1} job {i}", assignee=f"a{i % args.agents:02}")
                        for i in range(per_day)
                    ]
                    records = await company.execute_update(CompanyWorkflow.create_tasks, CreateTasksInput(tasks=tasks))
                    await asyncio.gather(
                        *(finished(client, task_workflow_id(company_id, r.identifier)) for r in records)
                    )
                    print(
                        f"  day {day + 1:2}: {per_day} tasks, {time.perf_counter() - began:6.1f} s so far", flush=True
                    )
                end = await moment("end", client, company, company_id, server, bare, args, home)
                print(
                    f"\nend ÷ start: overhead ratio {end['ratio'] / start['ratio']:.2f}, "
                    f"snapshot query p50 {end['query'] / start['query']:.2f}, "
                    f"{end['generation'] - start['generation']:.0f} continue-as-new between"
                )
            finally:
                await asyncio.gather(*(w.shutdown() for w in workers))
                await asyncio.gather(*runs, return_exceptions=True)
                products.dispose()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--tasks", type=int, default=5000)
    parser.add_argument("--days", type=int, default=30)
    parser.add_argument("--probe", type=int, default=30, help="turns of the probe task (and steps of its floor)")
    parser.add_argument("--queries", type=int, default=50)
    args = parser.parse_args()
    os.environ[KEY] = "test-key"
    with FakeModelServer() as server:
        await run(args, server)


if __name__ == "__main__":
    asyncio.run(main())
