import httpx

from tests.api.conftest import assert_error
from tests.api.helpers import company_body, create_company


async def test_create_company_then_list_and_snapshot(api: httpx.AsyncClient) -> None:
    created = await create_company(api)
    company = created["id"]
    assert created["workflow_id"] == f"company:{company}"
    assert [a["name"] for a in created["agents"]] == ["ceo", "cto", "cmo"]

    listed = (await api.get("/api/companies")).json()
    assert listed["count"] == len(listed["data"]) >= 1
    assert company in [c["id"] for c in listed["data"]]
    assert {c["id"]: c["status"] for c in listed["data"]}[company] == "active"

    snapshot = (await api.get(f"/api/companies/{company}")).json()
    assert snapshot["spec"] == {
        "id": company,
        "name": "Acme Rockets",
        "mission": "Reach orbit cheaply",
        "prefix": "ACME",
        "require_hire_approval": False,
        "require_strategy_approval": False,
        "approval_timeout_seconds": None,
        "budget": {"monthly_usd": None, "monthly_tokens": None},
        "soft_limit": 0.8,
        "repository": None,
        "tool_policy": [],
        "review": None,
    }
    assert (snapshot["paused"], snapshot["pause_reason"], snapshot["budget_warnings"]) == (False, None, [])
    assert sorted(a["spec"]["name"] for a in snapshot["agents"]) == ["ceo", "cmo", "cto"]
    assert sorted(snapshot["simulated_agents"]) == ["ceo", "cmo", "cto"]


async def test_id_and_prefix_are_derived_from_the_name(api: httpx.AsyncClient) -> None:
    name = f"Globex Corp {__import__('uuid').uuid4().hex[:6]}"
    body = company_body(name=name, agents=[])
    del body["id"], body["prefix"]
    response = await api.post("/api/companies", json=body)
    assert response.status_code == 201, response.text
    created = response.json()
    assert created["id"] == name.lower().replace(" ", "-")
    assert created["prefix"] == "GLOBEX"


async def test_creating_a_company_twice_is_a_conflict(api: httpx.AsyncClient) -> None:
    created = await create_company(api)
    response = await api.post("/api/companies", json=company_body(id=created["id"]))
    assert_error(response, 409, "conflict")
    assert created["id"] in response.json()["error"]["message"]


async def test_hire_agents(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    response = await api.post(
        f"/api/companies/{company}/agents", json={"name": "eng1", "role": "engineer", "reports_to": "cto"}
    )
    assert response.status_code == 201, response.text
    hired = response.json()
    assert hired["spec"]["name"] == "eng1" and hired["status"] == "active"
    snapshot = (await api.get(f"/api/companies/{company}")).json()
    assert "eng1" in [a["spec"]["name"] for a in snapshot["agents"]]


async def test_hiring_under_an_unknown_manager_is_rejected(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    response = await api.post(f"/api/companies/{company}/agents", json={"name": "x", "reports_to": "nobody"})
    error = assert_error(response, 400, "invalid_input")
    assert "nobody" in error["message"]


async def test_hiring_an_agent_twice_is_a_conflict(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    response = await api.post(f"/api/companies/{company}/agents", json={"name": "cto", "reports_to": "ceo"})
    assert_error(response, 409, "conflict")


async def test_an_org_chart_cycle_is_rejected(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    response = await api.post(f"/api/companies/{company}/agents", json={"name": "loop", "reports_to": "loop"})
    error = assert_error(response, 400, "invalid_input")
    assert "cycle" in error["message"]
    # A founding team whose managers form a loop never starts.
    body = company_body(agents=[{"name": "a", "reports_to": "b"}, {"name": "b", "reports_to": "a"}])
    response = await api.post("/api/companies", json=body)
    error = assert_error(response, 400, "invalid_input")
    assert "agents[0]" in error["message"] and "'b'" in error["message"]
    assert (await api.get(f"/api/companies/{body['id']}")).status_code == 404


async def test_unknown_company_is_404(api: httpx.AsyncClient) -> None:
    response = await api.get("/api/companies/no-such-company")
    error = assert_error(response, 404, "not_found")
    assert error["message"] == "company 'no-such-company' not found"
    response = await api.post("/api/companies/no-such-company/agents", json={"name": "x"})
    assert_error(response, 404, "not_found")
    response = await api.post("/api/companies/no-such-company/tasks", json={"title": "t", "assignee": "x"})
    assert_error(response, 404, "not_found")
    assert_error(await api.get("/api/companies/no-such-company/events?follow=false"), 404, "not_found")


async def test_unknown_provider_is_rejected_with_the_field_named(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    response = await api.post(f"/api/companies/{company}/agents", json={"name": "x", "model": {"provider": "skynet"}})
    error = assert_error(response, 422, "invalid_input")
    assert "model.provider" in error["message"]


async def test_invalid_company_bodies_are_rejected(api: httpx.AsyncClient) -> None:
    error = assert_error(await api.post("/api/companies", json={"mission": "m"}), 422, "invalid_input")
    assert "name" in error["message"]
    error = assert_error(await api.post("/api/companies", json={"name": "x", "id": "Bad Id"}), 422, "invalid_input")
    assert "id" in error["message"]
    assert_error(await api.post("/api/companies", json={"name": "x", "prefix": "lower"}), 422, "invalid_input")
    # A trailing newline is not part of a name (a regex's `$` would let it through).
    assert_error(await api.post("/api/companies", json={"name": "x", "id": "acme\n"}), 422, "invalid_input")
    assert_error(await api.post("/api/companies", json={"name": "x", "prefix": "ACME\n"}), 422, "invalid_input")


async def test_the_list_says_which_companies_are_active_paused_or_archived(api: httpx.AsyncClient) -> None:
    active, paused, archived = [(await create_company(api, agents=[]))["id"] for _ in range(3)]
    assert (await api.post(f"/api/companies/{paused}/pause", json={"reason": "audit"})).status_code == 200
    assert (await api.post(f"/api/companies/{archived}/archive")).status_code == 200

    listed = {c["id"]: c for c in (await api.get("/api/companies")).json()["data"]}
    assert (listed[active]["status"], listed[active]["pause_reason"]) == ("active", None)
    assert listed[paused]["status"] == "paused"
    assert listed[archived]["status"] == "archived"


async def test_a_list_without_status_reads_no_workflow(api: httpx.AsyncClient) -> None:
    company = (await create_company(api, agents=[]))["id"]
    listed = (await api.get("/api/companies", params={"with_status": "false"})).json()
    assert {c["id"]: c["status"] for c in listed["data"]}[company] is None
