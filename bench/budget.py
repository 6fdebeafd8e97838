"""Budget overshoot and accounting error with N concurrent looping agents.

    python bench/budget.py --agents 50 --cap 0.50 [--runs 3]

Runs a company of N agents, each looping on the fake provider (real OpenAI SDK, real workers,
dev server, SQLite store) under a company cap in USD, until the cap stops the company. Prints,
per run, the spend against the cap (overshoot: how far past it; target 0), the accounting error
(the ledger's USD against the provider's reported usage at the same price; target 0), the calls
made, and how long it took.
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

from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from paperclip.binaries import temporal_cli  # noqa: E402
from paperclip.constants import company_workflow_id  # noqa: E402
from paperclip.devserver import dynamic_config_args  # noqa: E402
from paperclip.models import (  # noqa: E402
    AgentSpec,
    Budget,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    CreateTasksInput,
    ModelConfig,
    ModelPrice,
    Provider,
)
from paperclip.settings import Settings  # noqa: E402
from paperclip.store import Store  # noqa: E402
from tests.fakes import FakeModelServer  # noqa: E402
from workers.main import build_workers  # noqa: E402
from workflows.company import CompanyWorkflow  # noqa: E402

PRICE = ModelPrice(input=10.0, output=40.0, cached_input=10.0)


KEY = "BENCH_KEY"
"""The agents' credential: an environment variable the workers allow, bound to the fake server."""


def bound_to(server: FakeModelServer) -> Settings:
    return Settings(env_credentials=[KEY], credential_urls={KEY: [server.base_url]})


async def one_run(env: WorkflowEnvironment, server: FakeModelServer, agents: int, cap: float) -> dict[str, float]:
    server.reset()
    server.work_turns = 1_000_000
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{folder}/paperclip.db")
        store.migrate()
        queue = f"bench-{uuid.uuid4().hex}"
        workers = build_workers(env.client, store, task_queue=queue, settings=bound_to(server))
        runs = [asyncio.ensure_future(w.run()) for w in workers]
        model = ModelConfig(
            provider=Provider.OPENAI,
            model="gpt-4o-mini",
            base_url=server.base_url_openai,
            credential=KEY,
            max_tokens=64,
            price=PRICE,
        )
        specs = [AgentSpec(name=f"a{i:03}", model=model, max_turns=10_000) for i in range(agents)]
        company_id = f"bench-{uuid.uuid4().hex[:8]}"
        spec = CompanySpec(id=company_id, name="Bench", prefix="B", budget=Budget(monthly_usd=cap))
        started = time.perf_counter()
        company = await env.client.start_workflow(
            CompanyWorkflow.run,
            CompanyInput(spec=spec, agents=specs),
            id=company_workflow_id(company_id),
            task_queue=queue,
        )
        await company.execute_update(
            CompanyWorkflow.create_tasks,
            CreateTasksInput(tasks=[CreateTaskInput(title="Loop", assignee=a.name) for a in specs]),
        )
        while True:
            snap = await company.query(CompanyWorkflow.snapshot)
            if snap.paused and not snap.spend.reserved_usd:
                break
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
        await asyncio.sleep(1.0)  # the last ledger writes
        ledger = sum(e.cost_usd or 0.0 for e in store.list_cost_events(company_id))
        provider = sum(
            (u.input_tokens * PRICE.input + u.output_tokens * PRICE.output) / 1_000_000 for u in server.usages
        )
        await company.terminate("benchmark over")
        await asyncio.gather(*(w.shutdown() for w in workers))
        await asyncio.gather(*runs, return_exceptions=True)
        store.dispose()
    return {
        "spend": snap.spend.usd,
        "overshoot": max(0.0, snap.spend.usd - cap),
        "ledger_error": abs(ledger - provider),
        "snapshot_error": abs(snap.spend.usd - provider),
        "calls": float(len(server.usages)),
        "seconds": elapsed,
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--cap", type=float, default=0.50, help="company cap in USD")
    parser.add_argument("--runs", type=int, default=1)
    args = parser.parse_args()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=dynamic_config_args(),
    )
    try:
        with FakeModelServer() as server:
            os.environ[KEY] = server.openai_key
            price = f"${PRICE.input}/${PRICE.output} per million tokens in/out"
            print(f"{args.agents} looping agents, company cap ${args.cap:.2f}, {price}")
            for run in range(1, args.runs + 1):
                r = await one_run(env, server, args.agents, args.cap)
                print(
                    f"run {run}: spend ${r['spend']:.6f} of ${args.cap:.2f}  overshoot ${r['overshoot']:.6f}  "
                    f"ledger error ${r['ledger_error']:.9f}  snapshot error ${r['snapshot_error']:.9f}  "
                    f"calls {r['calls']:.0f}  {r['seconds']:.1f} s"
                )
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
