"""What a configure reaches while the agent works, over real HTTP with real workers and the fake
model server (OpenAI's wire format): tools, tool rules and budgets reach a running task from its
next call; the system prompt and the model wait for its next task — and a subtask delegated to it
by a manager's task already running is such a next task."""

import asyncio
from collections.abc import AsyncIterator, Callable
from typing import Any

import httpx
import pytest

from tests.api.helpers import bind_fake_key, create_company, wait_for_task
from tests.fakes import FakeModelServer

MARK = "Answer in one line."


@pytest.fixture
async def server(api: httpx.AsyncClient) -> AsyncIterator[FakeModelServer]:
    with FakeModelServer() as fake:
        await bind_fake_key(api, fake.base_url)
        yield fake


def on(server: FakeModelServer) -> dict[str, Any]:
    return {"provider": "openai", "model": "gpt-4o-mini", "base_url": server.base_url_openai, "credential": "fake-key"}


def system(body: dict[str, Any]) -> str:
    return "\n".join(str(m["content"]) for m in body["messages"] if m["role"] == "system")


def tools(body: dict[str, Any]) -> set[str]:
    return {t["function"]["name"] for t in body.get("tools", [])}


async def until(check: Callable[[], Any], what: str, timeout: float = 30) -> Any:
    deadline = asyncio.get_running_loop().time() + timeout
    while not (found := check()):
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError(f"never: {what}")
        await asyncio.sleep(0.05)
    return found


async def agent(api: httpx.AsyncClient, company: str, name: str) -> dict[str, Any]:
    found: dict[str, Any] = (await api.get(f"/api/companies/{company}/agents/{name}")).json()
    return found


async def test_tools_reach_the_running_task_and_the_prompt_waits_for_the_next(
    api: httpx.AsyncClient, server: FakeModelServer
) -> None:
    server.work_turns = 2  # a progress turn, then the brain's move
    agents = [{"name": "ceo", "role": "ceo"}, {"name": "dev", "reports_to": "ceo", "model": on(server)}]
    company = (await create_company(api, agents=agents))["id"]
    server.hang_next(1)
    assert (await api.post(f"/api/companies/{company}/tasks", json={"title": "Fix", "assignee": "dev"})).is_success
    await until(lambda: server.calls == 1, "dev's first call")

    answer = await api.patch(
        f"/api/companies/{company}/agents/dev", json={"tools": ["read_task"], "system_prompt": MARK}
    )
    assert answer.status_code == 200, answer.text
    body = answer.json()
    assert body["reached"] == ["ACME-1"]
    assert {c["field"]: c["live"] for c in body["changes"]} == {"system_prompt": False, "tools": True}
    server.release_hangs()
    await wait_for_task(api, company, "ACME-1", timeout=60)

    first, second = server.requests[0], server.requests[1]
    assert "read_task" not in tools(first) and "read_task" in tools(second)  # at once
    assert MARK not in system(first) and MARK not in system(second)  # not the running task's
    calls = server.calls
    assert (await api.post(f"/api/companies/{company}/tasks", json={"title": "Again", "assignee": "dev"})).is_success
    await wait_for_task(api, company, "ACME-2", timeout=60)
    nxt = server.requests[calls]
    assert MARK in system(nxt) and "read_task" in tools(nxt)  # its next task has both


async def test_a_budget_reaches_the_running_task_and_raising_it_resumes_the_agent(
    api: httpx.AsyncClient, server: FakeModelServer
) -> None:
    server.work_turns = 2
    agents = [{"name": "ceo", "role": "ceo"}, {"name": "dev", "reports_to": "ceo", "model": on(server)}]
    company = (await create_company(api, agents=agents))["id"]
    server.hang_next(1)
    assert (await api.post(f"/api/companies/{company}/tasks", json={"title": "Fix", "assignee": "dev"})).is_success
    await until(lambda: server.calls == 1, "dev's first call")

    tight = await api.patch(f"/api/companies/{company}/agents/dev", json={"budget": {"monthly_tokens": 50}})
    assert tight.status_code == 200 and tight.json()["reached"] == ["ACME-1"], tight.text
    server.release_hangs()
    # The task's next call must be reserved under dev's new budget, which it does not fit: dev stops.
    stopped: dict[str, Any] = {}
    for _ in range(300):
        stopped = await agent(api, company, "dev")
        if stopped["status"] == "paused":
            break
        await asyncio.sleep(0.1)
    assert (stopped["status"], stopped["pause_reason"]) == ("paused", "budget"), stopped
    assert server.calls == 1, "a call was made past the budget"

    roomy = await api.patch(f"/api/companies/{company}/agents/dev", json={"budget": {"monthly_tokens": 1_000_000}})
    assert roomy.status_code == 200, roomy.text
    await wait_for_task(api, company, "ACME-1", timeout=60)
    assert (await agent(api, company, "dev"))["status"] == "idle"
    approvals = (await api.get(f"/api/companies/{company}/approvals")).json()["data"]
    assert [(a["kind"], a["status"]) for a in approvals] == [("budget_override", "approved")]


async def test_a_subtask_delegated_after_a_configure_starts_with_the_new_spec(
    api: httpx.AsyncClient, server: FakeModelServer
) -> None:
    agents = [
        {"name": "ceo", "role": "ceo", "model": on(server)},
        {"name": "cto", "role": "cto", "reports_to": "ceo", "model": on(server)},
    ]
    company = (await create_company(api, agents=agents))["id"]
    server.hang_next(1)
    assert (await api.post(f"/api/companies/{company}/tasks", json={"title": "Plan", "assignee": "ceo"})).is_success
    await until(lambda: server.calls == 1, "the CEO's first call")
    answer = await api.patch(f"/api/companies/{company}/agents/cto", json={"system_prompt": MARK})
    assert answer.status_code == 200 and answer.json()["reached"] == [], answer.text
    server.release_hangs()
    await wait_for_task(api, company, "ACME-1", timeout=60)
    # The CEO's task was running when cto changed; the subtask it gave cto is cto's next task.
    child = [b for b in server.requests if "You are cto" in system(b)]
    assert child and all(MARK in system(b) for b in child)
