"""The agents resource over real HTTP: the list with its filters and pages, one agent with its
open tasks and this month's spend, and 404s for unknown agents, companies and other teams'."""

from typing import Any

import httpx

from tests.api.conftest import assert_error
from tests.api.helpers import company_body, create_company


async def agents(api: httpx.AsyncClient, company: str, **params: Any) -> dict[str, Any]:
    response = await api.get(f"/api/companies/{company}/agents", params=params)
    assert response.status_code == 200, response.text
    listed: dict[str, Any] = response.json()
    assert listed["count"] == len(listed["data"])
    return listed


def names(listed: dict[str, Any]) -> list[str]:
    return [a["spec"]["name"] for a in listed["data"]]


async def hire(api: httpx.AsyncClient, company: str, name: str, **spec: Any) -> None:
    response = await api.post(f"/api/companies/{company}/agents", json={"name": name, **spec})
    assert response.status_code == 201, response.text


async def test_agents_are_listed_in_hiring_order_filtered_and_paged(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    await hire(api, company, "eng1", role="engineer", reports_to="cto")
    await hire(api, company, "eng2", role="engineer", reports_to="cto")
    paused = await api.post(f"/api/companies/{company}/agents/cmo/pause", json={"reason": "focus"})
    assert paused.status_code == 200, paused.text

    everyone = await agents(api, company)
    assert names(everyone) == ["ceo", "cto", "cmo", "eng1", "eng2"] and everyone["total"] == 5
    assert everyone["data"][0]["spec"]["role"] == "ceo" and "spend" in everyone["data"][0]
    assert names(await agents(api, company, role="engineer")) == ["eng1", "eng2"]
    assert names(await agents(api, company, reports_to="ceo")) == ["cto", "cmo"]
    assert names(await agents(api, company, status="paused")) == ["cmo"]
    assert names(await agents(api, company, role="engineer", reports_to="ceo")) == []

    page = await agents(api, company, limit=2, offset=1)
    assert names(page) == ["cto", "cmo"] and (page["count"], page["total"]) == (2, 5)
    last = await agents(api, company, role="engineer", limit=1, offset=1)
    assert names(last) == ["eng2"] and last["total"] == 2
    beyond = await agents(api, company, offset=10)
    assert (beyond["data"], beyond["count"], beyond["total"]) == ([], 0, 5)


async def test_bad_list_parameters_are_422(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    for params in (
        {"status": "asleep"},
        {"role": "wizard"},
        {"reports_to": "Not A Name"},
        {"limit": 0},
        {"limit": 1001},
        {"offset": -1},
        {"limit": "many"},
    ):
        error = assert_error(await api.get(f"/api/companies/{company}/agents", params=params), 422, "invalid_input")
        assert error["message"].startswith(f"query.{next(iter(params))}: "), error


async def test_one_agent_with_its_open_tasks_and_this_months_spend(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    # A paused agent is dispatched nothing: its task stays queued, so it is open when read.
    await api.post(f"/api/companies/{company}/agents/cmo/pause", json={"reason": "focus"})
    created = await api.post(f"/api/companies/{company}/tasks", json={"title": "Launch site", "assignee": "cmo"})
    assert created.status_code == 201, created.text

    response = await api.get(f"/api/companies/{company}/agents/cmo")
    assert response.status_code == 200, response.text
    cmo = response.json()
    snapshot = (await api.get(f"/api/companies/{company}")).json()
    [held] = [a for a in snapshot["agents"] if a["spec"]["name"] == "cmo"]
    assert cmo["spec"] == held["spec"] and cmo["status"] == "paused" and cmo["pause_reason"] is None
    assert cmo["spend"] == held["spend"] and cmo["month"] == snapshot["month"]
    assert [(t["identifier"], t["status"]) for t in cmo["open_tasks"]] == [("ACME-1", "queued")]
    assert (await api.get(f"/api/companies/{company}/agents/cto")).json()["open_tasks"] == []


async def test_unknown_agents_and_companies_are_404(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    error = assert_error(await api.get(f"/api/companies/{company}/agents/ghost"), 404, "not_found")
    assert error["message"] == "agent 'ghost' not found"
    for path in ("/api/companies/nope/agents", "/api/companies/nope/agents/ceo"):
        assert assert_error(await api.get(path), 404, "not_found")["message"] == "company 'nope' not found"


async def test_another_teams_agents_are_404(api: httpx.AsyncClient) -> None:
    keys = {}
    for user, team in (("alice", "red"), ("bob", "blue")):
        assert (await api.post("/api/teams", json={"name": team})).status_code == 201
        await api.put(f"/api/teams/{team}/members", json={"user": user, "role": "operator"})
        keys[user] = (await api.post("/api/tokens", json={"user": user, "label": "test"})).json()["token"]
    red = (await api.post("/api/companies", json=company_body(team="red"))).json()["id"]
    alice, bob = ({"Authorization": f"Bearer {keys[user]}"} for user in ("alice", "bob"))

    assert names(await agents(api, red)) == ["ceo", "cto", "cmo"]  # the board
    assert (await api.get(f"/api/companies/{red}/agents/ceo", headers=alice)).status_code == 200
    for path in (f"/api/companies/{red}/agents", f"/api/companies/{red}/agents/ceo"):
        error = assert_error(await api.get(path, headers=bob), 404, "not_found")
        assert error["message"] == f"company '{red}' not found"
