"""Tasks a second with 1 and with 3 worker processes: the scale-out test's setup, timed.

    python bench/scale_out.py [--tasks 60] [--latency 0.5] [--companies 3] [--workers 1,3]

The deployment of `tests/test_scale_out_end_to_end.py`: a Temporal dev server, a throwaway
PostgreSQL (`tests.pg`: `PAPERCLIP_TEST_DATABASE_URL`, or Debian's binaries), two `paperclip api`
processes and K `paperclip worker` processes, each with its own home, sharing the mounted secret
key; the fake provider server in a process of its own. For each K, `--tasks` one-turn model tasks
(each one call of `--latency` seconds) are made through both APIs, round robin over `--companies`
companies, and timed from the first request to the last task done.

Next to them, measured in the same run: the floor, the same number of bare workflows of one
`--latency` activity started by a client on one in-process worker (`bench.turn_overhead`): what
the server itself allows, with no store, no company and no API.

On a small machine every worker process competes for the same cores with the server, the
database, the APIs and the other workers, so the figures measure contention as much as scale.
"""

import argparse
import asyncio
import sys
import tempfile
import time
import uuid
from pathlib import Path
from typing import Any

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

import httpx  # noqa: E402
from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from bench.baseline_workflows import direct_fanout  # noqa: E402
from paperclip.binaries import temporal_cli  # noqa: E402
from paperclip.constants import SEARCH_ATTRIBUTES  # noqa: E402
from paperclip.devserver import dynamic_config_args  # noqa: E402
from paperclip.store import Store  # noqa: E402
from tests.fakes.process import FakeModelServerProcess  # noqa: E402
from tests.pg import fresh_database, postgresql_url  # noqa: E402
from tests.scale_out_helpers import Api, Cluster  # noqa: E402

KEY_NAME = "BENCH_KEY"
IN_FLIGHT = 5
"""Task creations a company is sent at once (it takes 10 changes in flight, then answers 429)."""


async def post(http: httpx.AsyncClient, path: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST as a careful client: a 429 (the company has too many changes in flight) or a 503 is
    sent again after its `Retry-After`, with the same `Idempotency-Key`."""
    headers = {"Idempotency-Key": uuid.uuid4().hex}
    for _ in range(30):
        answer = await http.post(path, json=body, headers=headers)
        if answer.status_code not in (429, 503):
            break
        await asyncio.sleep(float(answer.headers.get("Retry-After", "1")))
    if answer.status_code >= 400:
        raise SystemExit(f"POST {path}: {answer.status_code} {answer.text}")
    return dict(answer.json())


async def run(
    env: WorkflowEnvironment, database: str, server: FakeModelServerProcess, workers: int, args: argparse.Namespace
) -> tuple[float, float]:
    """Seconds until `args.tasks` tasks are all made (answered 201 by the APIs), and until they are
    all done, through a deployment of `workers` worker processes."""
    with tempfile.TemporaryDirectory() as folder:
        cluster = Cluster(Path(folder), env.client, database, f"bench-{uuid.uuid4().hex}")
        clients: list[httpx.AsyncClient] = []
        try:
            apis: list[Api] = list(await asyncio.gather(cluster.start_api("api-1"), cluster.start_api("api-2")))
            await asyncio.gather(*(cluster.start_worker(f"host-{n}") for n in range(1, workers + 1)))
            clients = [httpx.AsyncClient(base_url=a.url, headers=a.headers, timeout=60) for a in apis]
            await post(
                clients[0],
                "/api/credentials",
                {"name": KEY_NAME, "api_key": "test-key", "urls": [f"http://127.0.0.1:{server.port}"]},
            )
            model = {
                "provider": "openai",
                "model": "fake-1",
                "base_url": server.base_url_openai,
                "credential": KEY_NAME,
            }
            companies = [f"bench-{uuid.uuid4().hex[:8]}" for _ in range(args.companies)]
            for n, company in enumerate(companies):
                agent = {"name": "writer", "role": "general", "model": model, "max_concurrent_runs": args.tasks}
                body = {"id": company, "name": "Bench", "prefix": "ACME", "goals": ["Write"], "agents": [agent]}
                await post(clients[n % 2], "/api/companies", body)

            gates = {company: asyncio.Semaphore(IN_FLIGHT) for company in companies}

            async def create(i: int) -> None:
                company = companies[i % len(companies)]
                async with gates[company]:
                    body = {"title": f"Write note {i}", "assignee": "writer"}
                    await post(clients[i % 2], f"/api/companies/{company}/tasks", body)

            start = time.perf_counter()
            await asyncio.gather(*(create(i) for i in range(args.tasks)))
            made = time.perf_counter() - start
            while True:
                done = 0
                for n, company in enumerate(companies):
                    page = await clients[n % 2].get(
                        f"/api/companies/{company}/tasks", params={"status": "done", "limit": 1}
                    )
                    done += int(page.json()["total"])
                if done >= args.tasks:
                    return made, time.perf_counter() - start
                if time.perf_counter() - start > 600:
                    raise SystemExit(f"only {done} of {args.tasks} tasks done in 600 s")
                await asyncio.sleep(0.1)
        finally:
            for client in clients:
                await client.aclose()
            cluster.stop()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--tasks", type=int, default=60)
    parser.add_argument("--latency", type=float, default=0.5, help="seconds per model call")
    parser.add_argument("--companies", type=int, default=3)
    parser.add_argument("--workers", default="1,3", help="worker processes per run, comma-separated")
    args = parser.parse_args()
    counts = [int(n) for n in args.workers.split(",")]

    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=pydantic_data_converter,
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_extra_args=dynamic_config_args(),
    )
    try:
        with postgresql_url() as server_url, FakeModelServerProcess() as server:
            if server_url is None:
                raise SystemExit("no PostgreSQL: set PAPERCLIP_TEST_DATABASE_URL or install Debian's postgresql")
            server.set(latency=args.latency)
            print(f"{args.tasks} one-turn model tasks over {args.companies} companies, {args.latency:.2f} s a call")
            for workers in counts:
                with fresh_database(server_url) as database:
                    Store(database).migrate()
                    made, wall = await run(env, database, server, workers, args)
                print(
                    f"{workers} worker process(es): all made in {made:6.2f} s, all done in {wall:6.2f} s: "
                    f"{args.tasks / wall:6.2f} tasks/s"
                )
            _, floor = await direct_fanout(env.client, args.tasks, args.latency)
            print(
                f"floor: {args.tasks} bare workflows of one {args.latency:.2f} s activity, one in-process worker: "
                f"{floor:6.2f} s wall, {args.tasks / floor:6.2f} tasks/s"
            )
            print("(every process shares this machine's cores: contention is measured as much as scale)")
    finally:
        await env.shutdown()


if __name__ == "__main__":
    asyncio.run(main())
