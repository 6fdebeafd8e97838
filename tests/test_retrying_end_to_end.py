"""A turn that keeps failing is visible while the task retries it, over real HTTP with real workers:
the task's own retry state (the attempt, when, the last failure naming the endpoint and its URL)
reaches its company and shows in the API's task and org chart, `paperclip task show/list` and
`paperclip org`, the board's card and the dashboard's org chart — for a model endpoint answering
503s (the fake model server) and for an HTTP agent whose URL answers 503 (retried by the task since
`http-turn-retries`, by Temporal unseen before)."""

import asyncio
import re
from collections.abc import AsyncIterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from paperclip.models import CompanySnapshot, TaskRecord
from paperclip.settings import get_settings
from tests.api.helpers import bind_fake_key, wait_for_task
from tests.fakes import FakeModelServer
from tests.test_agent_callbacks_end_to_end import Stack, bearer, company, http_agent, stack  # noqa: F401
from ui.board import card_notes
from ui.rows import RETRYING_COLOUR, org_dot


@pytest.fixture
def cli_home(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The CLI reads the API's home, so it finds the board token."""
    monkeypatch.setenv("PAPERCLIP_HOME", str(tmp_path / "home"))
    get_settings.cache_clear()


@pytest.fixture
async def server() -> AsyncIterator[FakeModelServer]:
    with FakeModelServer() as fake:
        yield fake


async def paperclip(stack: Stack, *args: str) -> str:  # noqa: F811
    argv = [*args, "--api-url", str(stack.api.base_url)]
    result = await asyncio.to_thread(CliRunner().invoke, app, argv, env={"COLUMNS": "250"})
    assert result.exit_code == 0, result.output
    return " ".join(result.output.split())  # rich wraps long cells


async def until_retrying(stack: Stack, company_id: str, attempt: int = 2) -> dict[str, Any]:  # noqa: F811
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        task = (await stack.api.get(f"/api/companies/{company_id}/tasks/ACME-1")).json()
        if task.get("retry") and task["retry"]["attempt"] >= attempt:
            return task
        assert asyncio.get_running_loop().time() < deadline, f"never retrying: {task}"
        await asyncio.sleep(0.05)


async def test_a_model_endpoint_answering_503s_shows_the_task_retrying_everywhere(
    stack: Stack,  # noqa: F811
    server: FakeModelServer,
    cli_home: None,
) -> None:
    await bind_fake_key(stack.api, server.base_url, "local-llm")
    server.fail_next(50, status=503, retry_after=3, message="upstream overloaded")
    model = {
        "provider": "openai",
        "model": "gpt-4o-mini",
        "base_url": server.base_url_openai,
        "credential": "local-llm",
    }
    company_id = await company(stack, [{"name": "ceo", "role": "ceo", "model": model}], "ceo")

    task = await until_retrying(stack, company_id)
    retry = task["retry"]
    assert task["status"] == "running" and retry["of"] == 10 and retry["model"] == "gpt-4o-mini"
    failure = f"openai endpoint 'local-llm' at {server.base_url_openai} is unavailable (503): upstream overloaded"
    assert retry["error"] == failure
    assert retry["since"] is not None and retry["since"] <= retry["at"]
    listed = (await stack.api.get(f"/api/companies/{company_id}/tasks")).json()["data"]
    assert listed[0]["retry"]["error"] == failure
    (ceo,) = (await stack.api.get(f"/api/companies/{company_id}/org")).json()["data"]
    assert ceo["status"] == "running" and ceo["retrying"]["ACME-1"]["error"] == failure

    shown = await paperclip(stack, "task", "show", "ACME-1", "--company", company_id)
    assert "retrying gpt-4o-mini: attempt " in shown and " of 10 at " in shown and "failing since" in shown
    assert failure in shown
    assert "↻ retrying " in await paperclip(stack, "task", "list", "--company", company_id)
    org = await paperclip(stack, "org", "--company", company_id)
    assert "↻ ACME-1 retrying " in org and "/10: openai endpoint 'local-llm' at " in org

    snapshot = CompanySnapshot.model_validate((await stack.api.get(f"/api/companies/{company_id}")).json())
    record = next(t for t in snapshot.tasks if t.identifier == "ACME-1")
    assert re.match(r"↻ retrying \d+/\d+: ", card_notes(record)), card_notes(record)  # the board card's note line
    assert "↻ ACME-1 retrying " in org_dot(snapshot) and RETRYING_COLOUR in org_dot(snapshot)

    server.reset()  # the endpoint is back: the next attempt answers, and the task stops retrying
    done = await wait_for_task(stack.api, company_id, "ACME-1", timeout=60)
    assert done["retry"] is None
    (ceo,) = (await stack.api.get(f"/api/companies/{company_id}/org")).json()["data"]
    assert ceo["retrying"] == {}


async def test_an_http_agent_answering_503s_is_retried_by_the_task_and_shows_so(stack: Stack) -> None:  # noqa: F811
    stack.agent.statuses = {"flaky": [503, 503]}
    company_id = await company(stack, [http_agent(stack, "flaky")], "flaky")

    task = await until_retrying(stack, company_id)
    retry = task["retry"]
    assert (retry["model"], retry["of"]) == ("http", 3)
    assert retry["error"].startswith(f"{stack.agent_url}/agents/flaky answered 503")
    taken = await stack.agent.until("flaky", 3)  # the third POST is taken (202)
    assert len({r.headers["idempotency-key"] for r in stack.agent.of("flaky")}) == 1  # one turn, three tries
    token = taken.json()["callback"]["token"]
    done = await stack.api.post(
        f"/api/companies/{company_id}/tasks/ACME-1/complete", json={"result": "ok"}, headers=bearer(token)
    )
    assert done.status_code == 200, done.text
    record = TaskRecord.model_validate(await wait_for_task(stack.api, company_id, "ACME-1"))
    assert record.retry is None

    trace = (await stack.api.get(f"/api/companies/{company_id}/tasks/ACME-1/trace")).json()["events"]
    errors = [
        (e["attempt"], e["adapter"], e["content"].split(" answered ")[-1][:3]) for e in trace if e["kind"] == "error"
    ]
    assert errors == [(1, "http", "503"), (2, "http", "503")]
