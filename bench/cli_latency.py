"""How long the `paperclip` command takes to answer, beside what Python alone takes.

    python bench/cli_latency.py --runs 30 [--compare /path/to/another/checkout]

Starts the dev server, the workers and the API (uvicorn in a process of its own, as `paperclip
up` runs it) on free ports, founds one company, then, round after round, runs each of these in a
fresh process and times it to its exit:

- `python -c pass` and `python -c "import typer, rich"`: the floors (an interpreter; the CLI's
  two libraries);
- `python -m cli --help`, `python -m cli task list --help`: no API involved;
- `python -m cli company list`: a resource command, a round trip to the idle API.

The CLI runs as `python -m cli` from this checkout (the `paperclip` script would import whichever
checkout the environment installed); `--compare DIR` times DIR's CLI too, in the same rounds, so
the two are compared under the same load. Prints p50 and p95 of each, with the load average.
"""

import argparse
import asyncio
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import httpx

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from bench.api_load import free_port, until_up  # noqa: E402
from cli.stack import api_command  # noqa: E402
from paperclip import board  # noqa: E402
from paperclip.binaries import temporal_cli  # noqa: E402
from paperclip.constants import SEARCH_ATTRIBUTES  # noqa: E402
from paperclip.devserver import dynamic_config_args  # noqa: E402
from paperclip.settings import Settings  # noqa: E402
from paperclip.store import Store  # noqa: E402
from workers.main import build_workers  # noqa: E402

FLOORS = {"python -c pass": ["-c", "pass"], "import typer, rich": ["-c", "import typer, rich"]}
COMMANDS = {
    "--help": ["--help"],
    "task list --help": ["task", "list", "--help"],
    "company list": ["company", "list"],
}


def timed(argv: list[str], cwd: Path, env: dict[str, str]) -> float:
    """Seconds from start to exit of one process; it must succeed."""
    started = time.perf_counter()
    done = subprocess.run(argv, cwd=cwd, env=env, stdout=subprocess.DEVNULL, stderr=subprocess.PIPE, check=False)
    took = time.perf_counter() - started
    if done.returncode != 0:
        raise SystemExit(f"{' '.join(argv)} in {cwd}: exit {done.returncode}: {done.stderr.decode()[-500:]}")
    return took


def cases(checkouts: dict[str, Path]) -> list[tuple[str, list[str], Path]]:
    """(label, argv, cwd) of every process a round runs."""
    found = [(label, [sys.executable, *argv], ROOT) for label, argv in FLOORS.items()]
    for name, checkout in checkouts.items():
        for label, argv in COMMANDS.items():
            found.append((f"{name}: paperclip {label}", [sys.executable, "-m", "cli", *argv], checkout))
    return found


async def found_company(url: str, home: Path) -> None:
    """Once the API answers, one company for `company list` to list."""
    async with httpx.AsyncClient(base_url=url, timeout=60) as http:
        await until_up(http)
        http.headers["Authorization"] = f"Bearer {board.read_token(home)}"  # the API made it at startup
        agents = [{"name": "ceo", "role": "ceo"}]
        body = {"id": "bench", "name": "Bench", "prefix": "BEN", "goals": ["Answer"], "agents": agents}
        (await http.post("/api/companies", json=body)).raise_for_status()


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=30, help="rounds; each runs every case once")
    parser.add_argument("--compare", type=Path, help="another checkout whose CLI to time in the same rounds")
    args = parser.parse_args()
    checkouts = {"this": ROOT} | ({"compare": args.compare.resolve()} if args.compare else {})
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
            url = f"http://127.0.0.1:{port}"
            environment = os.environ | {
                "PAPERCLIP_HOME": home,
                "TEMPORAL_ADDRESS": env.client.service_client.config.target_host,
                "PAPERCLIP_API_PORT": str(port),
            }
            store = Store(f"sqlite:///{home}/paperclip.db")
            store.migrate()
            workers = build_workers(env.client, store)
            running = [asyncio.ensure_future(w.run()) for w in workers]
            api = await asyncio.create_subprocess_exec(
                *api_command(Settings(host="127.0.0.1", api_port=port)),
                env=environment,
                cwd=ROOT,
                stdout=asyncio.subprocess.DEVNULL,
                stderr=asyncio.subprocess.DEVNULL,
            )
            await found_company(url, Path(home))
            cli_env = environment | {"PAPERCLIP_API_URL": url}
            runs = cases(checkouts)
            times: dict[str, list[float]] = {label: [] for label, _, _ in runs}
            for i in range(args.runs + 1):  # the first round warms the disk cache, and is dropped
                for label, argv, cwd in runs[i % len(runs) :] + runs[: i % len(runs)]:  # interleaved, rotated
                    took = await asyncio.to_thread(timed, argv, cwd, cli_env)
                    if i:
                        times[label].append(took)
            await asyncio.gather(*(w.shutdown() for w in workers))
            await asyncio.gather(*running, return_exceptions=True)
    finally:
        if api is not None:
            api.terminate()
            await asyncio.wait_for(api.wait(), 10)
        await env.shutdown()
    print(f"{args.runs} rounds; load average {' '.join(f'{x:.2f}' for x in os.getloadavg())}; {os.cpu_count()} CPUs")
    for checkout_name, checkout in checkouts.items():
        print(f"{checkout_name}: {checkout}")
    for label, seconds in times.items():
        ms = sorted(s * 1000 for s in seconds)
        p95 = statistics.quantiles(ms, n=20, method="inclusive")[18]
        print(f"{label:>38}: p50 {statistics.median(ms):6.0f} ms, p95 {p95:6.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
