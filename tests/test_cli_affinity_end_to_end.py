"""A CLI agent's turns stay on the worker host that holds its session: two `paperclip worker`
processes as two hosts (their own `PAPERCLIP_HOME` and `PAPERCLIP_WORKER_HOST`, one dev server,
one store, the API over real HTTP), and a `process` agent that keeps its session in its HOME
(`tests/fakes/session_agent.py`) and asks the board between turns. Every turn of its task runs on
the first host, in one session, even while the other host is the only one up for a while."""

import asyncio
import base64
import json
import os
import signal
import subprocess
import sys
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.api.enums.v1 import TaskQueueType
from temporalio.api.taskqueue.v1 import TaskQueue
from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from paperclip.constants import cli_queue
from paperclip.settings import Settings
from paperclip.store import Store
from tests.api.conftest import board_headers, serve
from tests.api.helpers import wait_for_task
from tests.test_end_to_end import worker_process

AGENT = Path(__file__).parent / "fakes" / "session_agent.py"

pytestmark = pytest.mark.long


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        process.wait(timeout=30)


def runs(log: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


async def polled(client: Client, queue: str, *, timeout: float = 60) -> None:
    """Wait until a worker polls `queue` for activities (a worker process takes seconds to start)."""
    request = DescribeTaskQueueRequest(
        namespace=client.namespace,
        task_queue=TaskQueue(name=queue),
        task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_ACTIVITY,
    )
    deadline = asyncio.get_running_loop().time() + timeout
    while not (await client.workflow_service.describe_task_queue(request)).pollers:
        assert asyncio.get_running_loop().time() < deadline, f"no worker polls {queue}"
        await asyncio.sleep(0.2)


async def pending_approval(api: httpx.AsyncClient, company_id: str, *, timeout: float = 60) -> str:
    """The id of the approval the agent asked for, once it is pending."""
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        found = (await api.get(f"/api/companies/{company_id}/approvals", params={"status": "pending"})).json()
        if found["data"]:
            return str(found["data"][0]["id"])
        assert asyncio.get_running_loop().time() < deadline, "the agent never asked the board"
        await asyncio.sleep(0.1)


async def approve(api: httpx.AsyncClient, company_id: str, approval: str) -> None:
    answer = await api.post(f"/api/companies/{company_id}/approvals/{approval}/decision", json={"decision": "approved"})
    assert answer.status_code == 200, answer.text


async def test_every_turn_of_a_cli_agents_task_runs_on_the_host_that_holds_its_session(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    db = tmp_path / "paperclip.db"
    store = Store(f"sqlite:///{db}")
    store.migrate()
    queue = f"affinity-{uuid.uuid4().hex}"
    secret = base64.b64encode(os.urandom(32)).decode()  # one deployment: the API checks the hosts' tokens
    settings = Settings(home=tmp_path / "api", secret_key=secret)
    app = create_app(settings, client=dev_env.client, store=store, task_queue=queue)
    log = tmp_path / "runs.jsonl"
    hosts: dict[str, subprocess.Popen[bytes]] = {}
    async with (
        serve(app) as api_url,
        httpx.AsyncClient(base_url=api_url, timeout=30, headers=board_headers(settings)) as api,
    ):

        async def start(host: str) -> None:
            env = {
                "PAPERCLIP_HOME": str(tmp_path / host),
                "PAPERCLIP_WORKER_HOST": host,
                "PAPERCLIP_API_URL": api_url,
                "PAPERCLIP_SECRET_KEY": secret,
                "PAPERCLIP_CLI_SANDBOX": "false",  # the agent logs outside its workspace
            }
            hosts[host] = worker_process(dev_env, db, queue, tmp_path / f"{host}.log", env)
            await polled(dev_env.client, cli_queue(queue, host))  # the host's own CLI queue

        try:
            await start("host-a")  # the first turn, a new session, runs on the only host there is
            company_id = f"co-{uuid.uuid4().hex[:8]}"
            dev = {
                "name": "dev",
                "role": "engineer",
                "adapter": "process",
                "cli": {
                    "command": [sys.executable, str(AGENT)],
                    "env": {"SESSION_AGENT_LOG": str(log), "SESSION_AGENT_ASKS": "2"},
                },
            }
            body = {"id": company_id, "name": "Acme", "prefix": "ACME", "goals": ["Ship"], "agents": [dev]}
            created = await api.post("/api/companies", json=body)
            assert created.status_code == 201, created.text
            task = {"title": "Fix the login bug", "assignee": "dev"}
            assert (await api.post(f"/api/companies/{company_id}/tasks", json=task)).status_code == 201
            first = await pending_approval(api, company_id)

            # host-b comes up and host-a restarts: while it is down, host-b is the only worker, and
            # the next turn waits for host-a (a turn on host-b would find no session there).
            await start("host-b")
            stop(hosts["host-a"])
            await approve(api, company_id, first)
            await asyncio.sleep(3)
            assert len(runs(log)) == 1, runs(log)
            await start("host-a")
            second = await pending_approval(api, company_id)
            assert second != first

            await approve(api, company_id, second)  # both hosts up: the last turn goes to host-a
            record = await wait_for_task(api, company_id, "ACME-1", timeout=60)
        finally:
            for process in hosts.values():
                stop(process)
    home = str(tmp_path / "host-a" / "homes" / company_id / "dev")
    assert [(r["home"], r["new"], r["turn"]) for r in runs(log)] == [
        (home, True, 1),
        (home, False, 2),
        (home, False, 3),
    ]
    assert len({r["session"] for r in runs(log)}) == 1
    assert record["turns"] == 3 and record["result"] == f"done after turn 3 of session {runs(log)[0]['session']}"
    store.dispose()
