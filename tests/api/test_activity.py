"""`GET /api/companies/{company}/activity` over real HTTP: filters done in the store."""

import asyncio
from typing import Any

import httpx

from tests.api.conftest import assert_error
from tests.api.helpers import create_company, wait_for_task


async def activity(api: httpx.AsyncClient, company: str, **params: Any) -> dict[str, Any]:
    response = await api.get(f"/api/companies/{company}/activity", params=params)
    assert response.status_code == 200, response.text
    return response.json()


async def company_with_a_finished_task(api: httpx.AsyncClient) -> str:
    company = (await create_company(api))["id"]
    response = await api.post(f"/api/companies/{company}/tasks", json={"title": "Launch", "assignee": "ceo"})
    assert response.status_code == 201, response.text
    await wait_for_task(api, company, "ACME-1")
    for _ in range(100):  # the store is written a moment after the snapshot changes
        if (await activity(api, company, kind="task.finished"))["count"] == 3:
            return company
        await asyncio.sleep(0.1)
    raise AssertionError("the three task.finished entries never reached the store")


async def test_the_log_lists_every_change_oldest_first_with_its_cursor(api: httpx.AsyncClient) -> None:
    company = await company_with_a_finished_task(api)
    log = await activity(api, company)
    entries = log["data"]
    assert log["count"] == len(entries) > 0
    assert [e["seq"] for e in entries] == sorted(e["seq"] for e in entries)
    assert entries[0]["kind"] == "company.created" and entries[0]["actor"] == "board"
    assert set(entries[0]) == {"seq", "id", "company_id", "at", "kind", "actor", "task", "agent", "summary", "data"}
    hired = [e["agent"] for e in entries if e["kind"] == "agent.hired"]
    assert hired == ["ceo", "cto", "cmo"]


async def test_filters_by_kind_family_actor_agent_and_task(api: httpx.AsyncClient) -> None:
    company = await company_with_a_finished_task(api)
    created = (await activity(api, company, kind="task.created"))["data"]
    # the company logs a delegated task when it first hears from it; siblings may arrive in either order
    assert created[0]["task"] == "ACME-1"
    assert sorted(e["task"] for e in created[1:]) == ["ACME-1.1", "ACME-1.2"]
    family = (await activity(api, company, kind="task.*"))["data"]
    assert {e["kind"] for e in family} >= {"task.created", "task.finished"}
    assert all(e["kind"].startswith("task.") for e in family)
    by_cto = (await activity(api, company, agent="cto"))["data"]
    assert by_cto and all(e["agent"] == "cto" for e in by_cto)
    by_board = (await activity(api, company, actor="board"))["data"]
    assert by_board and all(e["actor"] == "board" for e in by_board)
    one_task = (await activity(api, company, task="ACME-1.1", kind="task.finished"))["data"]
    assert [(e["task"], e["actor"]) for e in one_task] == [("ACME-1.1", "cto")]
    assert await activity(api, company, agent="ghost") == {"data": [], "count": 0}


async def test_newest_first_and_paging_with_before_and_after(api: httpx.AsyncClient) -> None:
    company = await company_with_a_finished_task(api)
    everything = [e["seq"] for e in (await activity(api, company))["data"]]
    newest = [e["seq"] for e in (await activity(api, company, order="desc", limit=3))["data"]]
    assert newest == everything[::-1][:3]
    older = [e["seq"] for e in (await activity(api, company, order="desc", limit=3, before=newest[-1]))["data"]]
    assert older == everything[::-1][3:6]
    after = [e["seq"] for e in (await activity(api, company, after=everything[1], limit=2))["data"]]
    assert after == everything[2:4]


async def test_bad_queries_and_unknown_companies(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    assert_error(await api.get(f"/api/companies/{company}/activity", params={"limit": 0}), 422, "invalid_input")
    assert_error(await api.get(f"/api/companies/{company}/activity", params={"order": "up"}), 422, "invalid_input")
    # A cursor past what the store's 64-bit sequence holds is refused, not a 500 from the database.
    for cursor in ("after", "before"):
        huge = {cursor: str(2**63)}
        assert_error(await api.get(f"/api/companies/{company}/activity", params=huge), 422, "invalid_input")
    assert_error(await api.get(f"/api/companies/{company}/events", params={"after": 2**63}), 422, "invalid_input")
    late = {"last-event-id": str(2**63)}
    assert_error(await api.get(f"/api/companies/{company}/events", headers=late), 400, "invalid_input")
    last = await api.get(f"/api/companies/{company}/activity", params={"after": 2**63 - 1})
    assert last.status_code == 200 and last.json()["data"] == []
    error = assert_error(await api.get("/api/companies/nope/activity"), 404, "not_found")
    assert error["message"] == "company 'nope' not found"
