"""How fast the API answers readers of a busy company.

    python bench/api_load.py --tasks 1000 --clients 20 --seconds 20

Starts the dev server, workers and the API (uvicorn in a process of its own, as `paperclip up`
runs it), founds a company, gives its CEO `--tasks` tasks on the simulated model and waits until
they are done. Then `--clients` concurrent clients read, round robin, for `--seconds`: the
company snapshot (`GET /api/companies/{id}`), a page of its task list (`GET …/tasks?limit=100`)
and one task's trace (`GET …/tasks/ACME-1/trace`). Prints, per request, p50 / p99 and requests
a second.
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
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from cli.stack import api_command  # noqa: E402
from paperclip import board  # noqa: E402
from paperclip.binaries import temporal_cli  # noqa: E402
from paperclip.constants import SEARCH_ATTRIBUTES  # noqa: E402
from paperclip.devserver import dynamic_config_args  # noqa: E402
from paperclip.settings import Settings  # noqa: E402
from paperclip.store import Store  # noqa: E402
from workers.main import build_workers  # noqa: E402


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def until_up(http: httpx.AsyncClient) -> None:
    deadline = time.monotonic() + 30
    while True:
        try:
            if (await http.get("/api/health")).status_code == 200:
                return
        except httpx.TransportError:
            pass
        if time.monotonic() > deadline:
            raise SystemExit("the API did not start")
        await asyncio.sleep(0.2)


async def found(http: httpx.AsyncClient, tasks: int) -> str:
    company = f"load-{uuid.uuid4().hex[:6]}"
    body = {
        "id": company,
        "name": "Load",
        "prefix": "ACME",
        "goals": ["Serve readers"],
        "agents": [{"name": "ceo", "role": "ceo", "max_concurrent_runs": 100}],
    }
    (await http.post("/api/companies", json=body)).raise_for_status()
    for i in range(tasks):
        task = {"title": f"Task {i}", "assignee": "ceo"}
        (await http.post(f"/api/companies/{company}/tasks", json=task)).raise_for_status()
    while True:
        page = (await http.get(f"/api/companies/{company}/tasks", params={"status": "done", "limit": 1})).json()
        if page["total"] >= tasks:
            return company
        await asyncio.sleep(1)


async def reader(http: httpx.AsyncClient, paths: list[str], until: float, times: dict[str, list[float]]) -> None:
    i = 0
    while time.monotonic() < until:
        path = paths[i % len(paths)]
        started = time.perf_counter()
        response = await http.get(path)
        elapsed = time.perf_counter() - started
        if response.status_code != 200:
            raise SystemExit(f"{path}: {response.status_code} {response.text[:200]}")
        times[path].append(elapsed)
        i += 1


def quantile(values: list[float], q: float) -> float:
    return statistics.quantiles(values, n=100, method="inclusive")[int(q * 100) - 1]


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--tasks", type=int, default=1000)
    parser.add_argument("--clients", type=int, default=20)
    parser.add_argument("--seconds", type=float, default=20)
    parser.add_argument("--api-workers", type=int, default=1, help="API processes (PAPERCLIP_API_WORKERS)")
    args = parser.parse_args()
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=pydantic_data_converter,
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_extra_args=dynamic_config_args(),
    )
    api: asyncio.subprocess.Process | None = None
    try:
        with tempfile.TemporaryDirectory() as home:
            port = free_port()
            environment = os.environ | {
                "PAPERCLIP_HOME": home,
                "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
                "PAPERCLIP_API_PORT": str(port),
                "PAPERCLIP_API_WORKERS": str(args.api_workers),
            }
            store = Store(f"sqlite:///{home}/paperclip.db")
            store.migrate()
            workers = build_workers(env.client, store)
            running = [asyncio.ensure_future(w.run()) for w in workers]
            api = await asyncio.create_subprocess_exec(
                *api_command(Settings(host="127.0.0.1", api_port=port, api_workers=args.api_workers)),
                env=environment,
                cwd=ROOT,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            limits = httpx.Limits(max_connections=args.clients)
            async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=60, limits=limits) as http:
                await until_up(http)
                token = board.read_token(Path(home))  # the API made it at startup: the board's credential
                http.headers["Authorization"] = f"Bearer {token}"
                started = time.monotonic()
                company = await found(http, args.tasks)
                print(f"{args.tasks} tasks done in {time.monotonic() - started:.1f} s")
                paths = [
                    f"/api/companies/{company}",
                    f"/api/companies/{company}/tasks?limit=100",
                    f"/api/companies/{company}/tasks/ACME-1/trace",
                ]
                for path in paths:  # warm
                    (await http.get(path)).raise_for_status()
                times: dict[str, list[float]] = {p: [] for p in paths}
                began, cpu = time.monotonic(), time.process_time()
                until = began + args.seconds
                await asyncio.gather(*(reader(http, paths, until, times) for _ in range(args.clients)))
                took, cpu = time.monotonic() - began, time.process_time() - cpu
            await asyncio.gather(*(w.shutdown() for w in workers))
            await asyncio.gather(*running, return_exceptions=True)
    finally:
        if api is not None:
            api.terminate()
            await asyncio.wait_for(api.wait(), 10)
        await env.shutdown()
    total = sum(len(v) for v in times.values())
    print(f"{args.clients} clients, {took:.1f} s: {total} requests, {total / took:.0f} requests/s")
    print(f"the clients' own process used {cpu:.1f} s of CPU ({cpu / took:.0%} of a core) meanwhile")
    names = {paths[0]: "snapshot", paths[1]: "task list (100)", paths[2]: "trace"}
    for path, seconds in times.items():
        ms = [s * 1000 for s in seconds]
        print(
            f"{names[path]:>16}: {len(ms):5d} requests, p50 {statistics.median(ms):6.1f} ms, "
            f"p99 {quantile(ms, 0.99):6.1f} ms"
        )


if __name__ == "__main__":
    asyncio.run(main())
