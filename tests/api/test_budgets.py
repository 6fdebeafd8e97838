"""Monthly budgets over real HTTP: set and read them, the company's and an agent's; a scope its
budget stopped shows as paused with a budget_override approval, and raising it resumes it."""

import asyncio
from typing import Any

import httpx

from tests.api.conftest import assert_error
from tests.api.helpers import company_body, create_company, wait_for_task


async def _budgets(api: httpx.AsyncClient, company: str) -> dict[str, Any]:
    response = await api.get(f"/api/companies/{company}/budgets")
    assert response.status_code == 200, response.text
    result: dict[str, Any] = response.json()
    return result


def _line(report: dict[str, Any], scope: str) -> dict[str, Any]:
    return next(line for line in report["data"] if line["scope"] == scope)


async def _put(api: httpx.AsyncClient, company: str, scope: str, usd: float | None, tokens: int | None) -> Any:
    return await api.put(
        f"/api/companies/{company}/budgets/{scope}", json={"monthly_usd": usd, "monthly_tokens": tokens}
    )


async def _until(api: httpx.AsyncClient, company: str, scope: str, status: str) -> dict[str, Any]:
    """Poll the budgets until `scope` has `status` (for 30 s); the report then."""
    for _ in range(300):
        report = await _budgets(api, company)
        if _line(report, scope)["status"] == status:
            return report
        await asyncio.sleep(0.1)
    raise AssertionError(f"{scope} never became {status}: {report}")


async def test_a_company_founded_with_a_budget_lists_it_with_every_agent(api: httpx.AsyncClient) -> None:
    created = await create_company(api, budget_usd=50, budget_tokens=2_000_000)
    assert created["budget"] == {"monthly_usd": 50.0, "monthly_tokens": 2_000_000}
    report = await _budgets(api, created["id"])

    assert [line["scope"] for line in report["data"]] == ["company", "ceo", "cto", "cmo"]
    assert report["count"] == 4 and report["soft_limit"] == 0.8 and report["warnings"] == []
    company = _line(report, "company")
    assert (company["monthly_usd"], company["monthly_tokens"]) == (50.0, 2_000_000)
    assert (company["spent_usd"], company["spent_tokens"], company["share"], company["status"]) == (0.0, 0, 0.0, "ok")
    cto = _line(report, "cto")
    assert (cto["monthly_usd"], cto["monthly_tokens"], cto["share"], cto["status"]) == (None, None, None, "ok")


async def test_setting_an_agent_budget_answers_its_line_and_shows_in_the_snapshot(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    response = await _put(api, company, "cto", 5, 100_000)
    assert response.status_code == 200, response.text
    line = response.json()
    assert (line["scope"], line["monthly_usd"], line["monthly_tokens"]) == ("cto", 5.0, 100_000)
    assert (line["share"], line["status"]) == (0.0, "ok") and line["month"]

    cleared = (await _put(api, company, "cto", None, 100_000)).json()
    assert (cleared["monthly_usd"], cleared["monthly_tokens"]) == (None, 100_000)
    company_line = (await _put(api, company, "company", 20.5, None)).json()
    assert (company_line["scope"], company_line["monthly_usd"]) == ("company", 20.5)

    snapshot = (await api.get(f"/api/companies/{company}")).json()
    assert snapshot["spec"]["budget"] == {"monthly_usd": 20.5, "monthly_tokens": None}
    agents = {a["spec"]["name"]: a for a in snapshot["agents"]}
    assert agents["cto"]["spec"]["budget"] == {"monthly_usd": None, "monthly_tokens": 100_000}
    assert agents["cmo"]["spec"]["budget"] == {"monthly_usd": None, "monthly_tokens": None}
    activity = (await api.get(f"/api/companies/{company}/activity")).json()["data"]
    assert any(e["kind"] == "budget.set" and e["actor"] == "board" for e in activity)


async def test_an_agent_its_budget_stopped_is_paused_until_the_board_raises_it(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    await _put(api, company, "cto", None, 10)  # less than any call's worst case
    response = await api.post(f"/api/companies/{company}/tasks", json={"title": "Build it", "assignee": "cto"})
    assert response.status_code == 201, response.text

    report = await _until(api, company, "cto", "paused")
    assert "cto is paused: its monthly budget is spent" in report["warnings"]
    assert _line(report, "company")["status"] == "ok" and _line(report, "cto")["spent_tokens"] == 0
    approvals = (await api.get(f"/api/companies/{company}/approvals", params={"status": "pending"})).json()["data"]
    assert [a["kind"] for a in approvals] == ["budget_override"]

    raised = (await _put(api, company, "cto", None, 1_000_000)).json()
    assert raised["status"] == "ok"
    await wait_for_task(api, company, "ACME-1")
    report = await _budgets(api, company)
    cto = _line(report, "cto")
    assert cto["spent_tokens"] > 0 and cto["spent_tokens"] == _line(report, "company")["spent_tokens"]
    assert 0 < cto["share"] < 1 and report["warnings"] == []
    approval = (await api.get(f"/api/companies/{company}/approvals/{approvals[0]['id']}")).json()
    assert approval["status"] == "approved"


async def test_a_company_its_budget_stopped_is_paused_until_the_board_raises_it(api: httpx.AsyncClient) -> None:
    company = (await create_company(api, budget_tokens=10))["id"]
    await api.post(f"/api/companies/{company}/tasks", json={"title": "Build it", "assignee": "cto"})

    report = await _until(api, company, "company", "paused")
    assert "the company is paused: its monthly budget is spent" in report["warnings"]
    assert (await api.get(f"/api/companies/{company}")).json()["paused"] is True

    await _put(api, company, "company", None, None)  # no cap at all
    await wait_for_task(api, company, "ACME-1")
    line = _line(await _budgets(api, company), "company")
    assert (line["share"], line["status"]) == (None, "ok") and line["spent_tokens"] > 0


async def test_a_budget_lowered_past_the_soft_limit_is_a_warning(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    await api.post(f"/api/companies/{company}/tasks", json={"title": "Build it", "assignee": "cto"})
    await wait_for_task(api, company, "ACME-1")
    spent = _line(await _budgets(api, company), "cto")["spent_tokens"]

    line = (await _put(api, company, "cto", None, int(spent / 0.9))).json()
    assert line["status"] == "warning" and 0.8 <= line["share"] < 1


async def test_bad_budgets_unknown_scopes_and_closed_companies_are_refused(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    error = assert_error(await _put(api, company, "cto", -1, None), 422, "invalid_input")
    assert error["message"].startswith("monthly_usd: ")
    assert_error(await _put(api, company, "cto", None, -5), 422, "invalid_input")
    response = await api.put(f"/api/companies/{company}/budgets/cto", json={"monthly_usd": 5})
    assert "monthly_tokens: Field required" in assert_error(response, 422, "invalid_input")["message"]
    assert_error(await api.post("/api/companies", json={"name": "X", "goals": ["g"], "budget_usd": -1}), 422)

    error = assert_error(await _put(api, company, "ghost", 5, None), 404, "not_found")
    assert error["message"] == "agent 'ghost' not found"
    error = assert_error(await _put(api, "no-such-co", "company", 5, None), 404, "not_found")
    assert error["message"] == "company 'no-such-co' not found"
    assert_error(await api.get("/api/companies/no-such-co/budgets"), 404, "not_found")

    assert (await api.post(f"/api/companies/{company}/agents/cmo/terminate")).status_code == 200
    error = assert_error(await _put(api, company, "cmo", 5, None), 409, "conflict")
    assert error["message"] == "agent 'cmo' is terminated"
    assert "cmo" not in [line["scope"] for line in (await _budgets(api, company))["data"]]

    assert (await api.post(f"/api/companies/{company}/archive")).status_code == 200
    error = assert_error(await _put(api, company, "company", 5, None), 409, "conflict")
    assert error["message"] == f"company '{company}' is archived"


async def test_a_task_created_with_a_lifetime_cap_holds_at_it_until_the_board_raises_it(
    api: httpx.AsyncClient,
) -> None:
    company = (await create_company(api))["id"]
    body = {"title": "Build it", "assignee": "cto", "budget": {"usd": None, "tokens": 10}}
    response = await api.post(f"/api/companies/{company}/tasks", json=body)
    assert response.status_code == 201, response.text

    for _ in range(300):
        report = await _budgets(api, company)
        if report["caps"] and report["caps"][0]["status"] == "paused":
            break
        await asyncio.sleep(0.1)
    [cap] = report["caps"]
    assert (cap["scope"], cap["tokens"], cap["spent_tokens"]) == ("task:ACME-1", 10, 0)
    assert "task:ACME-1 is held: its budget is spent" in report["warnings"]
    assert _line(report, "cto")["status"] == "ok"  # the agent is not paused, only its task holds

    url = f"/api/companies/{company}/budgets/tasks/ACME-1"
    raised = await api.put(url, json={"usd": 5, "tokens": None})
    assert raised.status_code == 200, raised.text
    assert (raised.json()["usd"], raised.json()["status"]) == (5.0, "ok")
    await wait_for_task(api, company, "ACME-1")
    [cap] = (await _budgets(api, company))["caps"]
    assert cap["spent_tokens"] > 0 and cap["spent_tokens"] == _line(await _budgets(api, company), "cto")["spent_tokens"]

    assert (await api.put(url, json={"usd": None, "tokens": None})).status_code == 204
    assert (await _budgets(api, company))["caps"] == []
    error = assert_error(await api.put(url, json={"usd": 1, "tokens": None}), 409, "conflict")
    assert error["message"] == "task 'ACME-1' is done: it spends nothing more"
    missing = assert_error(
        await api.put(f"/api/companies/{company}/budgets/goals/G9", json={"usd": 1, "tokens": None}), 404
    )
    assert missing["message"] == "goal 'G9' not found"
    assert_error(await api.put(f"/api/companies/{company}/budgets/tasks/ACME-1", json={"usd": -1, "tokens": None}), 422)
    assert_error(await api.put(f"/api/companies/{company}/budgets/agents/x", json={"usd": 1, "tokens": None}), 422)


PROCESS = {"name": "ops", "role": "engineer", "reports_to": "ceo", "adapter": "process", "cli": {"command": ["true"]}}


async def test_a_cli_agent_works_under_a_budget_only_with_a_per_turn_budget(api: httpx.AsyncClient) -> None:
    # Founded under a budget, hired under one, or a budget set over it: refused while the most
    # one of its turns may cost is unknown (no per-turn budget), accepted with one.
    response = await api.post(
        "/api/companies", json=company_body(budget_usd=5.0, agents=[*company_body()["agents"], PROCESS])
    )
    error = assert_error(response, 400, "invalid_input")
    assert "agents[3]" in error["message"] and "per-turn budget" in error["message"]

    budgeted = (await create_company(api, budget_usd=5.0))["id"]
    error = assert_error(await api.post(f"/api/companies/{budgeted}/agents", json=PROCESS), 400, "invalid_input")
    assert "agent 'ops' (process) works under a budget" in error["message"]
    capped = PROCESS | {"cli": {"command": ["true"], "turn_budget_usd": 0.5}}
    assert (await api.post(f"/api/companies/{budgeted}/agents", json=capped)).status_code == 201

    free = (await create_company(api))["id"]
    assert (await api.post(f"/api/companies/{free}/agents", json=PROCESS)).status_code == 201
    error = assert_error(await _put(api, free, "company", 5.0, None), 409, "conflict")
    assert error["message"].startswith("ops run a CLI tool with no per-turn budget")
    error = assert_error(await _put(api, free, "ops", None, 10_000), 409, "conflict")
    assert (await _put(api, free, "cto", 1.0, None)).status_code == 200  # ops is not under cto's budget
