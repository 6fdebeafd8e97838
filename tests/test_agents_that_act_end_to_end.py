"""A company of model-API agents, given "add a function with a test to this repository", leaves a
pushed commit on the task's branch whose test passes; every tool call is in the trace, and the
risky ones (the command, the push) ran only after a person approved them.

Everything is real but the model: the API over HTTP, the workers on a Temporal dev server, git,
bubblewrap for the command; the model is the fake provider server, answering in OpenAI's and
Anthropic's wire formats with the offline brain (`activities.providers.simulated_work`).
"""

import asyncio
import subprocess
import time
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from paperclip import board
from paperclip.settings import Settings
from paperclip.store import Store
from tests.api.conftest import serve
from tests.fakes import FakeModelServer
from tests.test_end_to_end import TEST_KEY
from workers.main import build_workers

ENGINEER_TOOLS = ["read_file", "write_file", "edit_file", "list_files", "search_files", "run_command", "git"]


def git(cwd: Path, *args: str) -> str:
    done = subprocess.run(
        ["git", "-c", "user.name=Owner", "-c", "user.email=owner@example.com", "-C", str(cwd), *args],
        capture_output=True,
        text=True,
        check=True,
    )
    return done.stdout


@pytest.fixture
def model_server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        yield server


@pytest.fixture
def repositories(tmp_path: Path) -> tuple[Path, Path]:
    """The project (a repository with one commit) and the remote its tasks push to (bare), both
    under the deployment's workspace root."""
    root = tmp_path / "repos"
    project, origin = root / "project", root / "origin.git"
    project.mkdir(parents=True)
    (project / "README.md").write_text("# Project\n")
    git(project, "init", "-q", "-b", "main")
    git(project, "add", ".")
    git(project, "commit", "-q", "-m", "Start")
    git(root, "clone", "-q", "--bare", str(project), str(origin))
    return project, origin


@pytest.fixture
async def api(
    dev_env: WorkflowEnvironment,
    tmp_path: Path,
    model_server: FakeModelServer,
    repositories: tuple[Path, Path],
    monkeypatch: pytest.MonkeyPatch,
) -> AsyncIterator[httpx.AsyncClient]:
    monkeypatch.setenv(TEST_KEY, "test-key")
    settings = Settings(
        home=tmp_path / "home",
        temporal_address=dev_env.client.service_client.config.target_host,
        env_credentials=[TEST_KEY],
        credential_urls={TEST_KEY: [model_server.base_url]},
        workspace_roots=[repositories[0].parent],
    )
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    queue = f"act-{uuid.uuid4().hex}"
    app = create_app(settings, client=dev_env.client, store=store, task_queue=queue)
    headers = {"Authorization": f"Bearer {board.ensure_token(settings.home_dir)}"}
    async with AsyncExitStack() as stack:
        for worker in build_workers(dev_env.client, store, task_queue=queue, settings=settings):
            await stack.enter_async_context(worker)
        base_url = await stack.enter_async_context(serve(app))
        yield await stack.enter_async_context(httpx.AsyncClient(base_url=base_url, timeout=30, headers=headers))
    store.dispose()


async def approve_until_done(api: httpx.AsyncClient, company: str, task: str, timeout: float = 120) -> list[str]:
    """Act as the person at the dashboard: approve each tool call as it waits, until the task
    ends. Answers what was approved (`tool subject`)."""
    approved: list[str] = []
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        pending = (await api.get(f"/api/companies/{company}/approvals", params={"status": "pending"})).json()
        for approval in pending["data"]:
            assert approval["kind"] == "tool_call", approval
            call = approval["tool_call"]
            decided = await api.post(
                f"/api/companies/{company}/approvals/{approval['id']}/decision", json={"decision": "approved"}
            )
            assert decided.status_code == 200, decided.text
            approved.append(f"{call['tool']} {call['subject']}".strip())
        record = (await api.get(f"/api/companies/{company}/tasks/{task}")).json()
        if record["status"] in ("done", "failed", "cancelled"):
            assert record["status"] == "done", record
            return approved
        await asyncio.sleep(0.3)
    raise AssertionError(f"{task} did not finish in {timeout:g} s; approved so far: {approved}")


@pytest.mark.parametrize("provider", ["openai", "anthropic"])
async def test_an_engineer_adds_a_function_with_a_test_and_pushes_it_with_the_risky_calls_approved(
    api: httpx.AsyncClient, model_server: FakeModelServer, repositories: tuple[Path, Path], provider: str
) -> None:
    project, origin = repositories
    company = f"act-{uuid.uuid4().hex[:8]}"
    base_url = model_server.base_url_openai if provider == "openai" else model_server.base_url_anthropic
    engineer = {
        "name": "engineer",
        "role": "engineer",
        "tools": ENGINEER_TOOLS,
        "model": {"provider": provider, "model": "fake-1", "base_url": base_url, "credential": TEST_KEY},
    }
    founded = await api.post(
        "/api/companies",
        json={
            "id": company,
            "name": "Acme",
            "prefix": "ACME",
            "goals": ["Keep the project's helpers tested"],
            "repository": {"source": str(project), "push_url": str(origin)},
            "agents": [engineer],
        },
    )
    assert founded.status_code == 201, founded.text
    made = await api.post(
        f"/api/companies/{company}/tasks",
        json={"title": "Add a slugify helper with a test to this repository", "assignee": "engineer"},
    )
    assert made.status_code == 201, made.text
    task = made.json()["identifier"]

    approved = await approve_until_done(api, company, task)
    # The command and the push waited for a person; writing in the workspace did not.
    assert approved == ["run_command python3 -m unittest test_slugify_helper", "git push"]

    # The task's branch is pushed, with a commit whose test passes in a fresh clone.
    branch = f"paperclip/{company}/{task}"
    assert git(origin, "log", "--format=%an %s", branch).splitlines()[0] == "engineer Add slugify_helper with its test"
    clone = origin.parent / "check"
    git(origin.parent, "clone", "-q", "--branch", branch, str(origin), str(clone))
    tested = await asyncio.to_thread(
        subprocess.run,
        ["python3", "-m", "unittest", "test_slugify_helper"],
        cwd=clone,
        capture_output=True,
        text=True,
    )
    assert tested.returncode == 0, tested.stderr
    assert git(project, "status", "--porcelain") == ""  # the project's own checkout is untouched

    # Every call is in the trace, with its result; the approved ones say who approved them.
    trace = (await api.get(f"/api/companies/{company}/tasks/{task}/trace")).json()
    calls: list[dict[str, Any]] = [e for e in trace["events"] if e["kind"] == "tool_call"]
    results = {e["call_id"]: e for e in trace["events"] if e["kind"] == "tool_result"}
    assert [c["tool"] for c in calls] == [
        "write_file",
        "write_file",
        "run_command",
        "git",
        "git",
        "git",
        "complete_task",
    ]
    for call in calls[:-1]:
        result = results[call["call_id"]]
        assert not result.get("failed"), result
        assert result["duration_ms"] is not None
    assert {c["tool"]: c["approved_by"] for c in calls if c["approved_by"]} == {"run_command": "board", "git": "board"}
    assert "OK" in results[calls[2]["call_id"]]["content"]  # unittest's verdict, read by the model
