"""How fast a CLI agent's processes die when the board pauses the agent or cancels its task.

    python bench/cli_stop.py --runs 10

Each run starts a company whose one agent runs the fake `claude` (tests/fakes/bin), told to hang
with a child process in its group; once the tool runs, the board pauses the agent (even runs) or
cancels the task (odd runs) over the company's update. Prints, per action, the time from sending
the update to no process of the tool's group left (p50 and max), against the heartbeat timeout.
Dev server, real workers, SQLite store.
"""

import argparse
import asyncio
import json
import os
import statistics
import sys
import tempfile
import time
import uuid
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from temporalio.contrib.pydantic import pydantic_data_converter  # noqa: E402
from temporalio.testing import WorkflowEnvironment  # noqa: E402

from activities.cli.activity import CliActivities  # noqa: E402
from activities.cli.runner import group_alive  # noqa: E402
from paperclip.binaries import temporal_cli  # noqa: E402
from paperclip.constants import company_workflow_id  # noqa: E402
from paperclip.devserver import dynamic_config_args  # noqa: E402
from paperclip.models import (  # noqa: E402
    Adapter,
    AgentActionInput,
    AgentSpec,
    CliConfig,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    CreateTasksInput,
    TaskActionInput,
)
from paperclip.store import Store  # noqa: E402
from workers.main import build_workers  # noqa: E402
from workflows.company import CompanyWorkflow  # noqa: E402

HEARTBEAT_TIMEOUT = 30.0


async def one_run(env: WorkflowEnvironment, folder: Path, queue: str, pause: bool) -> float:
    log, script = folder / f"{uuid.uuid4().hex}.jsonl", folder / "script"
    script.write_text("hang")
    # The fake's variables come from the spec: the worker's environment does not reach the tool.
    env_vars = {"FAKE_CLI_LOG": str(log), "FAKE_CLI_SCRIPT": str(script)}
    cli = CliConfig(heartbeat_timeout_seconds=HEARTBEAT_TIMEOUT, env=env_vars)
    agent = AgentSpec(name="dev", adapter=Adapter.CLAUDE_LOCAL, cli=cli)
    company_id = f"bench-{uuid.uuid4().hex[:8]}"
    company = await env.client.start_workflow(
        CompanyWorkflow.run,
        CompanyInput(spec=CompanySpec(id=company_id, name="Bench", prefix="B"), agents=[agent]),
        id=company_workflow_id(company_id),
        task_queue=queue,
    )
    await company.execute_update(
        CompanyWorkflow.create_tasks, CreateTasksInput(tasks=[CreateTaskInput(title="Work", assignee="dev")])
    )
    while not log.exists() or not group_alive(json.loads(log.read_text().splitlines()[0])["pgid"]):
        await asyncio.sleep(0.05)
    pgid = json.loads(log.read_text().splitlines()[0])["pgid"]
    started = time.perf_counter()
    if pause:
        await company.execute_update(CompanyWorkflow.pause_agent, AgentActionInput(agent="dev"))
    else:
        await company.execute_update(CompanyWorkflow.cancel_task, TaskActionInput(identifier="B-1"))
    while group_alive(pgid):
        await asyncio.sleep(0.005)
    elapsed = time.perf_counter() - started
    await company.terminate("benchmark over")
    return elapsed


async def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--runs", type=int, default=10)
    args = parser.parse_args()
    os.environ["PATH"] = f"{ROOT / 'tests' / 'fakes' / 'bin'}{os.pathsep}{os.environ['PATH']}"
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=dynamic_config_args(),
    )
    times: dict[str, list[float]] = {"pause agent": [], "cancel task": []}
    try:
        with tempfile.TemporaryDirectory() as name:
            folder = Path(name)
            store = Store(f"sqlite:///{folder}/paperclip.db")
            store.migrate()
            queue = f"bench-{uuid.uuid4().hex}"
            workers = build_workers(env.client, store, task_queue=queue, cli=CliActivities(store, home=folder))
            running = [asyncio.ensure_future(w.run()) for w in workers]
            for run in range(args.runs):
                pause = run % 2 == 0
                times["pause agent" if pause else "cancel task"].append(await one_run(env, folder, queue, pause))
            await asyncio.gather(*(w.shutdown() for w in workers))
            await asyncio.gather(*running, return_exceptions=True)
    finally:
        await env.shutdown()
    print(f"{args.runs} runs; heartbeat timeout {HEARTBEAT_TIMEOUT:g} s")
    for action, seconds in times.items():
        if seconds:
            ms = [s * 1000 for s in seconds]
            print(f"{action:>12} → no process left: p50 {statistics.median(ms):.0f} ms, max {max(ms):.0f} ms")


if __name__ == "__main__":
    asyncio.run(main())
