"""The board's levers over real HTTP: agents, the company, tasks and comments."""

import asyncio
from typing import Any

import httpx

from tests.api.conftest import assert_error
from tests.api.helpers import create_company, wait_for_task


async def _post(api: httpx.AsyncClient, path: str, body: dict[str, Any] | None = None) -> dict[str, Any]:
    response = await api.post(path, json=body)
    assert response.status_code in (200, 201), response.text
    result: dict[str, Any] = response.json()
    return result


async def _queued_task(api: httpx.AsyncClient) -> str:
    """A company whose task ACME-1 stays queued: its assignee, cto, is paused.

    (A task that stays running or blocked cannot be held open here: the simulated model answers
    at once, and subtasks delegated to a paused agent still run.)
    """
    company = (await create_company(api))["id"]
    await _post(api, f"/api/companies/{company}/agents/cto/pause", {"reason": "budget review"})
    await _post(api, f"/api/companies/{company}/tasks", {"title": "Build the engine", "assignee": "cto"})
    return company


async def test_a_paused_agent_gets_no_work_until_resumed(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    paused = await _post(api, f"/api/companies/{company}/agents/cto/pause", {"reason": "budget review"})
    assert paused["spec"]["name"] == "cto" and paused["status"] == "paused"
    await _post(api, f"/api/companies/{company}/tasks", {"title": "Build the engine", "assignee": "cto"})
    await asyncio.sleep(0.5)
    assert (await api.get(f"/api/companies/{company}/tasks/ACME-1")).json()["status"] == "queued"

    resumed = await _post(api, f"/api/companies/{company}/agents/cto/resume")
    assert resumed["status"] in ("active", "idle", "running")
    await wait_for_task(api, company, "ACME-1")


async def test_agent_levers_refuse_unknown_agents_and_wrong_states(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    error = assert_error(await api.post(f"/api/companies/{company}/agents/ghost/pause"), 404, "not_found")
    assert error["message"] == "agent 'ghost' not found"
    error = assert_error(await api.post(f"/api/companies/{company}/agents/cto/resume"), 409, "conflict")
    assert "not paused" in error["message"]
    error = assert_error(await api.post(f"/api/companies/{company}/agents/ceo/terminate"), 400, "invalid_input")
    assert "has reports" in error["message"]
    response = await api.post(f"/api/companies/{company}/agents/cto/pause", json={"reason": "r" * 2_001})
    assert_error(response, 422, "invalid_input")
    error = assert_error(await api.post("/api/companies/no-such-co/agents/cto/pause"), 404, "not_found")
    assert error["message"] == "company 'no-such-co' not found"


async def test_terminating_an_agent_cancels_its_queued_tasks_and_moves_its_reports(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    await _post(api, f"/api/companies/{company}/agents", {"name": "dev", "role": "engineer", "reports_to": "cto"})
    await _post(api, f"/api/companies/{company}/agents/cto/pause")
    await _post(api, f"/api/companies/{company}/tasks", {"title": "Build the engine", "assignee": "cto"})

    terminated = await _post(api, f"/api/companies/{company}/agents/cto/terminate", {"reason": "reorg"})
    assert terminated["status"] == "terminated"
    task = (await api.get(f"/api/companies/{company}/tasks/ACME-1")).json()
    assert task["status"] == "cancelled"
    agents = {a["spec"]["name"]: a for a in (await api.get(f"/api/companies/{company}")).json()["agents"]}
    assert agents["dev"]["spec"]["reports_to"] == "ceo"


async def test_pausing_and_resuming_the_company(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    assert await _post(api, f"/api/companies/{company}/pause", {"reason": "audit"}) == {"ok": True}
    assert (await api.get(f"/api/companies/{company}")).json()["paused"] is True
    await _post(api, f"/api/companies/{company}/tasks", {"title": "Build the engine", "assignee": "cto"})
    await asyncio.sleep(0.5)
    assert (await api.get(f"/api/companies/{company}/tasks/ACME-1")).json()["status"] == "queued"
    error = assert_error(await api.post(f"/api/companies/{company}/pause"), 409, "conflict")
    assert error["message"] == "the company is already paused"

    assert await _post(api, f"/api/companies/{company}/resume") == {"ok": True}
    await wait_for_task(api, company, "ACME-1")
    error = assert_error(await api.post(f"/api/companies/{company}/resume"), 409, "conflict")
    assert error["message"] == "the company is not paused"


async def test_the_company_is_archived_once_no_task_is_open_and_stays_readable(api: httpx.AsyncClient) -> None:
    company = await _queued_task(api)
    error = assert_error(await api.post(f"/api/companies/{company}/archive"), 409, "conflict")
    assert error["message"] == "1 task(s) still open (ACME-1): cancel them first"
    await _post(api, f"/api/companies/{company}/tasks/ACME-1/cancel", {"reason": "scrapped"})

    assert await _post(api, f"/api/companies/{company}/archive", {"reason": "done"}) == {"ok": True}
    # The workflow has completed; the company is still readable, marked archived.
    snapshot = (await api.get(f"/api/companies/{company}")).json()
    assert snapshot["archived"] is True
    assert (await api.get(f"/api/companies/{company}/tasks/ACME-1")).json()["status"] == "cancelled"
    for path in ("pause", "archive", "agents/ceo/pause", "tasks/ACME-1/comments"):
        error = assert_error(await api.post(f"/api/companies/{company}/{path}", json={"body": "x"}), 409, "conflict")
        assert error["message"] == f"company '{company}' is archived"


async def test_cancelling_a_queued_task_and_a_finished_one(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    await _post(api, f"/api/companies/{company}/tasks", {"title": "Quick one", "assignee": "cmo"})
    await wait_for_task(api, company, "ACME-1")
    error = assert_error(await api.post(f"/api/companies/{company}/tasks/ACME-1/cancel"), 409, "conflict")
    assert error["message"] == "task ACME-1 is done"

    await _post(api, f"/api/companies/{company}/agents/cto/pause")
    await _post(api, f"/api/companies/{company}/tasks", {"title": "Build the engine", "assignee": "cto"})
    record = await _post(api, f"/api/companies/{company}/tasks/ACME-2/cancel", {"reason": "scrapped"})
    assert record["status"] == "cancelled" and record["result"] == "cancelled by board: scrapped"
    error = assert_error(await api.post(f"/api/companies/{company}/tasks/ACME-2/cancel"), 409, "conflict")
    assert error["message"] == "task ACME-2 is cancelled"
    error = assert_error(await api.post(f"/api/companies/{company}/tasks/ACME-9/cancel"), 404, "not_found")
    assert error["message"] == "task 'ACME-9' not found"


async def test_reassigning_a_queued_task(api: httpx.AsyncClient) -> None:
    company = await _queued_task(api)
    error = assert_error(
        await api.post(f"/api/companies/{company}/tasks/ACME-1/reassign", json={"assignee": "ghost"}),
        400,
        "invalid_input",
    )
    assert error["message"] == "unknown agent 'ghost'"
    error = assert_error(
        await api.post(f"/api/companies/{company}/tasks/ACME-1/reassign", json={"assignee": "cto"}), 409, "conflict"
    )
    assert error["message"] == "ACME-1 is already assigned to cto"
    assert_error(await api.post(f"/api/companies/{company}/tasks/ACME-1/reassign", json={}), 422, "invalid_input")

    record = await _post(api, f"/api/companies/{company}/tasks/ACME-1/reassign", {"assignee": "cmo"})
    assert record["assignee"] == "cmo"
    task = await wait_for_task(api, company, "ACME-1")
    assert task["assignee"] == "cmo"


async def test_a_comment_on_an_open_task_and_a_mention_that_queues_work(api: httpx.AsyncClient) -> None:
    company = await _queued_task(api)
    path = f"/api/companies/{company}/tasks/ACME-1/comments"
    response = await api.post(path, json={"body": "How is it going?"})
    assert response.status_code == 201, response.text
    assert response.json() == {"reached": ["ACME-1"]}
    # cmo has nothing open on this task's tree, so the mention gives it a task to answer.
    assert await _post(api, path, {"body": "@cmo please weigh in", "author": "ceo"}) == {"reached": ["ACME-1"]}
    answer = await wait_for_task(api, company, "ACME-2")
    assert answer["assignee"] == "cmo" and answer["title"] == "Answer ceo on ACME-1"

    error = assert_error(await api.post(f"/api/companies/{company}/tasks/ACME-9/comments", json={"body": "hi"}), 404)
    assert error["message"] == "task 'ACME-9' not found"
    for body in ({"body": ""}, {"body": "   "}, {}):
        error = assert_error(await api.post(path, json=body), 422, "invalid_input")
        assert error["message"].startswith("body")
