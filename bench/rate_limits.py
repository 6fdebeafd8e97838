"""What shared rate limits spare a provider key: N agents on one key, served by W workers.

    python bench/rate_limits.py --agents 50 --turns 2 --workers 2 --rps 5 --tpm 12000

The fake provider enforces the key's limits as OpenAI does (requests a second, tokens a minute;
429 with `retry-after` beyond them). The same company runs twice on the dev server with real
workers and SDKs: without `PAPERCLIP_RATE_LIMITS`, then with the key's limits configured
(requests at 60 % of the provider's, tokens at its limit). Prints, for each, the requests the
provider refused (by limit), the calls answered, the wall time, and the rate reached.
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

from temporalio.client import Client  # noqa: E402
from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from paperclip.binaries import temporal_cli  # noqa: E402
from paperclip.constants import company_workflow_id  # noqa: E402
from paperclip.devserver import dynamic_config_args  # noqa: E402
from paperclip.models import (  # noqa: E402
    AgentSpec,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    CreateTasksInput,
    ModelConfig,
    Provider,
    RateLimit,
)
from paperclip.settings import Settings  # noqa: E402
from paperclip.store import Store  # noqa: E402
from tests.fakes import FakeModelServer  # noqa: E402
from workers.main import build_workers  # noqa: E402
from workflows.company import CompanyWorkflow  # noqa: E402

KEY = "BENCH_KEY"
"""The agents' credential: an environment variable the workers allow, bound to the fake server."""


async def one_run(
    env: WorkflowEnvironment, server: FakeModelServer, args: argparse.Namespace, limits: dict[str, RateLimit] | None
) -> dict[str, float]:
    server.reset()
    server.work_turns = args.turns
    server.limit(requests_per_second=args.rps, tokens_per_minute=args.tpm)
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{folder}/paperclip.db")
        store.migrate()
        queue = f"bench-{uuid.uuid4().hex}"
        target = env.client.service_client.config.target_host
        settings = Settings(env_credentials=[KEY], credential_urls={KEY: [server.base_url]})
        clients = [env.client] + [
            await Client.connect(target, data_converter=pydantic_data_converter) for _ in range(args.workers - 1)
        ]
        workers = [
            w for c in clients for w in build_workers(c, store, task_queue=queue, rate_limits=limits, settings=settings)
        ]
        runs = [asyncio.ensure_future(w.run()) for w in workers]
        model = ModelConfig(
            provider=Provider.OPENAI,
            model="gpt-4o-mini",
            base_url=server.base_url_openai,
            credential=KEY,
            max_tokens=64,
        )
        specs = [AgentSpec(name=f"a{i:03}", model=model) for i in range(args.agents)]
        company_id = f"bench-{uuid.uuid4().hex[:8]}"
        started = time.perf_counter()
        company = await env.client.start_workflow(
            CompanyWorkflow.run,
            CompanyInput(spec=CompanySpec(id=company_id, name="Bench", prefix="B"), agents=specs),
            id=company_workflow_id(company_id),
            task_queue=queue,
        )
        await company.execute_update(
            CompanyWorkflow.create_tasks,
            CreateTasksInput(tasks=[CreateTaskInput(title="Write it up", assignee=a.name) for a in specs]),
        )
        while True:
            snap = await company.query(CompanyWorkflow.snapshot)
            if snap.tasks and all(t.status.is_terminal for t in snap.tasks):
                break
            await asyncio.sleep(0.2)
        elapsed = time.perf_counter() - started
        failed = sum(t.status.value != "done" for t in snap.tasks)
        await company.terminate("benchmark over")
        await asyncio.gather(*(w.shutdown() for w in workers))
        await asyncio.gather(*runs, return_exceptions=True)
        store.dispose()
    answered = len(server.usages)
    return {
        "refused_requests": server.refused["requests"],
        "refused_tokens": server.refused["tokens"],
        "answered": answered,
        "failed": failed,
        "seconds": elapsed,
        "per_second": answered / elapsed,
        "tokens": sum(u.input_tokens + u.output_tokens for u in server.usages),
    }


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--agents", type=int, default=50)
    parser.add_argument("--turns", type=int, default=2, help="model calls per agent")
    parser.add_argument("--workers", type=int, default=2, help="worker processes (each its own connection)")
    parser.add_argument("--rps", type=float, default=5, help="requests a second the provider allows the key")
    parser.add_argument("--tpm", type=int, default=12_000, help="tokens a minute the provider allows the key")
    args = parser.parse_args()
    limits = {KEY: RateLimit(requests_per_minute=args.rps * 60 * 0.6, tokens_per_minute=args.tpm)}
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=dynamic_config_args(),
    )
    try:
        with FakeModelServer() as server:
            os.environ[KEY] = server.openai_key
            print(
                f"{args.agents} agents x {args.turns} calls on one key, {args.workers} workers; "
                f"the provider allows {args.rps:g} requests/s and {args.tpm} tokens/min"
            )
            for label, configured in (("no limits configured", None), ("limits configured", limits)):
                r = await one_run(env, server, args, configured)
                print(
                    f"{label:>21}: refused {r['refused_requests']} for requests, {r['refused_tokens']} for tokens;"
                    f"  {r['answered']} calls answered ({r['tokens']} tokens), {r['failed']} tasks failed;"
                    f"  {r['seconds']:.1f} s, {r['per_second']:.2f} calls/s"
                )
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
