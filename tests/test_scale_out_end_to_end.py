"""Scale-out with processes: two API processes and three worker processes, each its own "host"
(its own `PAPERCLIP_HOME`, its own Temporal connection), against one Temporal dev server and one
PostgreSQL, sharing only the mounted secret key (`tests/scale_out_helpers.py`).

Tasks of three kinds are made through both APIs over HTTP: model tasks (the fake model server, a
credential stored through one API and opened by every worker), a tool task (an engineer that
writes, tests, commits and pushes in its workspace) and CLI tasks (a `process` agent). While the
tool task waits for its push to be approved, the worker that holds its workspace is SIGKILLed
with model calls in flight, and a fresh worker (a fresh home) joins. Every task finishes exactly
once: one `task.finished` each, one confirmed ledger row per model call, one CLI run per CLI task;
the tool task's workspace is made again on a live host and its push goes out from there.
"""

import asyncio
import sys
import uuid
from collections import Counter
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from activities.cli.workspace import worktree_path
from paperclip.store import Store
from tests.fakes import FakeModelServer
from tests.scale_out_helpers import Api, Cluster
from tests.test_agents_that_act_end_to_end import ENGINEER_TOOLS, git

AGENT = Path(__file__).parent / "fakes" / "session_agent.py"
KEY_NAME = "SCALE_KEY"

pytestmark = [pytest.mark.long, pytest.mark.timeout(360)]


def repositories(root: Path) -> tuple[Path, Path]:
    """A project with one commit, and the bare remote its tasks push to."""
    project, origin = root / "project", root / "origin.git"
    project.mkdir(parents=True)
    (project / "README.md").write_text("# Project\n")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "Start")
    git(root, "clone", "-q", "--bare", str(project), str(origin))
    return project, origin


def company_body(company: str, server: FakeModelServer, project: Path, origin: Path, log: Path) -> dict[str, Any]:
    model = {
        "provider": "openai",
        "model": "fake-1",
        "base_url": server.base_url_openai,
        "credential": KEY_NAME,
        "heartbeat_timeout_seconds": 5,  # a call lost with its worker is tried again within seconds
    }
    agents = [
        {"name": "writer", "role": "general", "model": model},
        {"name": "engineer", "role": "engineer", "tools": ENGINEER_TOOLS, "model": model},
        {
            "name": "dev",
            "role": "engineer",
            "adapter": "process",
            "cli": {"command": [sys.executable, str(AGENT)], "env": {"SESSION_AGENT_LOG": str(log)}},
        },
    ]
    return {
        "id": company,
        "name": "Acme",
        "prefix": "ACME",
        "goals": ["Ship"],
        "repository": {"source": str(project), "push_url": str(origin)},
        "agents": agents,
    }


class Board:
    """The person at the dashboard, going through whichever API process comes next."""

    def __init__(self, apis: list[Api], company: str) -> None:
        self.clients = [httpx.AsyncClient(base_url=a.url, headers=a.headers, timeout=30) for a in apis]
        self.company = company
        self.turn = 0

    def next(self) -> httpx.AsyncClient:
        self.turn += 1
        return self.clients[self.turn % len(self.clients)]

    async def post(self, path: str, body: dict[str, Any]) -> httpx.Response:
        """POST a change as a careful client does: a 503 (no worker answered in time: the
        workflow's worker died and another has not taken it over yet) is sent again after its
        `Retry-After`, with the same `Idempotency-Key`, so it is applied once."""
        headers = {"Idempotency-Key": uuid.uuid4().hex}
        for _ in range(6):
            answer = await self.next().post(f"/api/companies/{self.company}{path}", json=body, headers=headers)
            if answer.status_code != 503:
                return answer
            await asyncio.sleep(float(answer.headers.get("Retry-After", "2")))
        raise AssertionError(f"POST {path} kept answering 503: {answer.text}")

    async def create(self, title: str, assignee: str) -> str:
        made = await self.post("/tasks", {"title": title, "assignee": assignee})
        assert made.status_code == 201, made.text
        return str(made.json()["identifier"])

    async def task(self, identifier: str) -> dict[str, Any]:
        answer = await self.next().get(f"/api/companies/{self.company}/tasks/{identifier}")
        assert answer.status_code == 200, answer.text
        return dict(answer.json())

    async def approve_until(self, subject: str, *, timeout: float = 120) -> str:
        """Approve tool calls as they wait, until one for `subject` waits: answer its id, undecided."""
        deadline = asyncio.get_running_loop().time() + timeout
        while asyncio.get_running_loop().time() < deadline:
            pending = await self.next().get(f"/api/companies/{self.company}/approvals", params={"status": "pending"})
            for approval in pending.json()["data"]:
                call = approval["tool_call"]
                if f"{call['tool']} {call['subject']}".strip() == subject:
                    return str(approval["id"])
                await self.decide(str(approval["id"]))
            await asyncio.sleep(0.2)
        raise AssertionError(f"no call of {subject!r} waited for approval in {timeout:g} s")

    async def decide(self, approval: str) -> None:
        decided = await self.post(f"/approvals/{approval}/decision", {"decision": "approved"})
        assert decided.status_code == 200, decided.text

    async def all_done(self, identifiers: list[str], *, timeout: float) -> dict[str, dict[str, Any]]:
        deadline = asyncio.get_running_loop().time() + timeout
        records: dict[str, dict[str, Any]] = {}
        while True:
            for identifier in identifiers:
                if records.get(identifier, {}).get("status") != "done":
                    records[identifier] = await self.task(identifier)
            left = {i: r["status"] for i, r in records.items() if r["status"] != "done"}
            if not left:
                return records
            assert not {i: s for i, s in left.items() if s in ("failed", "cancelled")}, left
            assert asyncio.get_running_loop().time() < deadline, f"not done: {left}"
            await asyncio.sleep(0.5)

    async def close(self) -> None:
        for client in self.clients:
            await client.aclose()


@pytest.mark.parametrize("database", ["postgresql"], indirect=True)
async def test_two_apis_and_three_workers_finish_every_task_once_through_a_killed_and_a_joining_worker(
    dev_env: WorkflowEnvironment, database: str, tmp_path: Path
) -> None:
    store = Store(database)
    store.migrate()  # the one-shot migration job, before any API process starts
    project, origin = repositories(tmp_path / "repos")
    log = tmp_path / "cli-runs.jsonl"
    company = f"co-{uuid.uuid4().hex[:8]}"
    cluster = Cluster(
        tmp_path / "hosts",
        dev_env.client,
        database,
        f"scale-{uuid.uuid4().hex}",
        env={"PAPERCLIP_WORKSPACE_ROOTS": str(project.parent), "PAPERCLIP_CLI_SANDBOX": "false"},
    )
    with FakeModelServer(latency=0.3) as server:
        board = None
        try:
            apis = list(await asyncio.gather(cluster.start_api("api-1"), cluster.start_api("api-2")))
            cluster.env["PAPERCLIP_API_URL"] = apis[0].url  # where CLI agents call back
            workers = ["host-1", "host-2", "host-3"]
            await asyncio.gather(*(cluster.start_worker(host) for host in workers))
            board = Board(apis, company)

            # A credential sealed by one API process, with the key every host mounts.
            stored = await board.clients[1].post(
                "/api/credentials", json={"name": KEY_NAME, "api_key": "test-key", "urls": [server.base_url]}
            )
            assert stored.status_code == 201, stored.text
            founded = await board.clients[0].post(
                "/api/companies", json=company_body(company, server, project, origin, log)
            )
            assert founded.status_code == 201, founded.text

            tool_task = await board.create("Add a slugify helper with a test to this repository", "engineer")
            first = [await board.create(f"Write note {n}", "writer") for n in range(8)]
            cli_first = [await board.create(f"Fix bug {n}", "dev") for n in range(3)]
            push = await board.approve_until("git push")  # the run_command before it is approved
            await board.all_done(first + cli_first, timeout=90)

            # The workspace's host dies with model calls in flight; a fresh host joins.
            holder = next(h for h in workers if worktree_path(cluster.home(h), company, tool_task).is_dir())
            second = [await board.create(f"Write report {n}", "writer") for n in range(12)]
            await asyncio.sleep(0.5)
            cluster.kill(holder)
            await board.decide(push)  # the push waits on the dead host's queue, then moves
            await cluster.start_worker("host-4")
            third = [await board.create(f"Write summary {n}", "writer") for n in range(6)]
            cli_third = [await board.create(f"Fix issue {n}", "dev") for n in range(3)]

            everything = [tool_task, *first, *second, *third, *cli_first, *cli_third]
            records = await board.all_done(everything, timeout=240)  # the push waits 2 min for its host
        finally:
            if board is not None:
                await board.close()
            cluster.stop()

        # Every task finished once, as the company's activity log says.
        finished = Counter(e.task for _, e in store.list_activity(company, kind="task.finished", limit=1000))
        assert finished == Counter(everything), finished
        assert {r["status"] for r in records.values()} == {"done"}

        # Every request the model server saw has one ledger row, and every model call one confirmed
        # row (no call paid for twice); a call whose answer the killed worker never read stays
        # unconfirmed, and was made again and confirmed by another worker.
        ledger = [e for e in store.list_cost_events(company) if e.agent != "dev"]  # the CLI runs' rows aside
        assert len(ledger) == server.calls
        confirmed = Counter((e.task, e.seq, e.model_index) for e in ledger if e.confirmed)
        assert set(confirmed.values()) == {1}, confirmed
        lost = [e for e in ledger if not e.confirmed]
        assert len(lost) >= server.aborted
        assert all(confirmed[(e.task, e.seq, e.model_index)] == 1 for e in lost), lost
        for identifier in [*first, *second, *third]:
            assert records[identifier]["turns"] == 1 and confirmed[(identifier, 1, 0)] == 1, records[identifier]

        # Each CLI task ran its agent once, with one ledger row.
        runs = log.read_text().splitlines()
        assert len(runs) == len(cli_first) + len(cli_third), runs
        assert all(records[i]["turns"] == 1 for i in cli_first + cli_third)
        cli_rows = Counter(e.task for e in store.list_cost_events(company) if e.agent == "dev")
        assert cli_rows == Counter(cli_first + cli_third), cli_rows

        # The tool task's workspace was made again on a live host, told the agent so, and its push
        # went out from there.
        rebuilt = [h for h in ("host-1", "host-2", "host-3", "host-4") if h != holder]
        assert any(worktree_path(cluster.home(h), company, tool_task).is_dir() for h in rebuilt)
        told = [m.content for m in store.list_messages(company, tool_task) if m.author == "system"]
        assert any(f"workspace on host {holder} is gone" in t for t in told), told
        branch = f"paperclip/{company}/{tool_task}"
        assert git(origin, "branch", "--list", branch).strip() == branch
        assert "committed and pushed" in records[tool_task]["result"]
    store.dispose()
    assert not [p for p in cluster.processes.values() if p.poll() is None]
