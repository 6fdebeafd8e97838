"""Pages and filters on the company and goal lists over real HTTP (approvals' are tested with
the scripted model in test_approvals.py, agents' in test_agents.py)."""

from typing import Any

import httpx

from tests.api.conftest import assert_error
from tests.api.helpers import company_body, create_company


async def listed(api: httpx.AsyncClient, path: str, **params: Any) -> dict[str, Any]:
    response = await api.get(path, params=params)
    assert response.status_code == 200, response.text
    body: dict[str, Any] = response.json()
    assert body["count"] == len(body["data"])
    return body


async def test_companies_are_paged_oldest_first_and_whole_without_a_limit(api: httpx.AsyncClient) -> None:
    ids = [(await create_company(api))["id"] for _ in range(3)]
    whole = await listed(api, "/api/companies")
    assert [c["id"] for c in whole["data"]] == ids and whole["total"] == 3
    page = await listed(api, "/api/companies", limit=2, offset=1)
    assert [c["id"] for c in page["data"]] == ids[1:] and (page["count"], page["total"]) == (2, 3)
    assert [c["id"] for c in (await listed(api, "/api/companies", limit=1))["data"]] == ids[:1]
    for params in ({"limit": 0}, {"limit": 1001}, {"offset": -1}):
        assert_error(await api.get("/api/companies", params=params), 422, "invalid_input")


async def test_companies_are_paged_within_the_callers_teams(api: httpx.AsyncClient) -> None:
    assert (await api.post("/api/teams", json={"name": "red"})).status_code == 201
    await api.put("/api/teams/red/members", json={"user": "alice", "role": "operator"})
    key = (await api.post("/api/tokens", json={"user": "alice", "label": "test"})).json()["token"]
    alice = {"Authorization": f"Bearer {key}"}
    await create_company(api)  # the board's
    red = [(await api.post("/api/companies", json=company_body(team="red"))).json()["id"] for _ in range(2)]

    response = await api.get("/api/companies", params={"limit": 1, "offset": 1}, headers=alice)
    assert response.status_code == 200, response.text
    assert [c["id"] for c in response.json()["data"]] == red[1:] and response.json()["total"] == 2


async def test_goals_filter_by_level_and_owner(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    path = f"/api/companies/{company}/goals"
    for goal in (
        {"title": "Build the engine", "level": "team", "parent": "G1", "owner": "cto"},
        {"title": "Tell the world", "level": "team", "parent": "G1", "owner": "cmo"},
        {"title": "Test the nozzle", "level": "agent", "parent": "G2", "owner": "cto", "status": "planned"},
    ):
        assert (await api.post(path, json=goal)).status_code == 201

    def ids(body: dict[str, Any]) -> list[str]:
        return [g["id"] for g in body["data"]]

    assert ids(await listed(api, path)) == ["G1", "G2", "G4", "G3"]  # the tree
    assert ids(await listed(api, path, level="team")) == ["G2", "G3"]
    assert ids(await listed(api, path, owner="cto")) == ["G2", "G4"]
    assert ids(await listed(api, path, owner="cto", level="agent", status="planned")) == ["G4"]
    assert ids(await listed(api, path, owner="ceo")) == []
    for params in ({"level": "galaxy"}, {"owner": "Not A Name"}):
        error = assert_error(await api.get(path, params=params), 422, "invalid_input")
        assert error["message"].startswith(f"query.{next(iter(params))}: ")
    assert_error(await api.get("/api/companies/nope/goals", params={"level": "team"}), 404, "not_found")
