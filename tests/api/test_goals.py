"""Goals over real HTTP: the goals a company is founded with, the tree, changes, tasks serving them."""

import asyncio
from typing import Any

import httpx

from tests.api.conftest import assert_error
from tests.api.helpers import company_body, create_company, wait_for_task


async def goals(api: httpx.AsyncClient, company: str, **params: Any) -> list[dict[str, Any]]:
    response = await api.get(f"/api/companies/{company}/goals", params=params)
    assert response.status_code == 200, response.text
    listed = response.json()
    assert listed["count"] == len(listed["data"])
    data: list[dict[str, Any]] = listed["data"]
    return data


async def goal_log(api: httpx.AsyncClient, company: str, *, want: str) -> list[str]:
    """The summaries of the company's `goal.*` activity, once `want` is among them (the store is
    written a moment after the company changes)."""
    for _ in range(100):
        response = await api.get(f"/api/companies/{company}/activity", params={"kind": "goal.*"})
        summaries = [e["summary"] for e in response.json()["data"]]
        if want in summaries:
            return summaries
        await asyncio.sleep(0.1)
    raise AssertionError(f"{want!r} never logged: {summaries}")


async def add_goal(api: httpx.AsyncClient, company: str, **body: Any) -> dict[str, Any]:
    response = await api.post(f"/api/companies/{company}/goals", json=body)
    assert response.status_code == 201, response.text
    goal: dict[str, Any] = response.json()
    return goal


async def test_a_company_is_founded_with_its_goals_and_approval_policy(api: httpx.AsyncClient) -> None:
    created = await create_company(
        api,
        goals=["  Reach orbit  ", "Stay solvent"],
        require_hire_approval=True,
        require_strategy_approval=True,
        approval_timeout_seconds=3600,
    )
    assert created["goals"] == ["Reach orbit", "Stay solvent"]
    assert (created["require_hire_approval"], created["approval_timeout_seconds"]) == (True, 3600)
    spec = (await api.get(f"/api/companies/{created['id']}")).json()["spec"]
    assert spec["require_hire_approval"] is spec["require_strategy_approval"] is True
    assert spec["approval_timeout_seconds"] == 3600
    founded = await goals(api, created["id"])
    assert [(g["id"], g["title"], g["level"], g["parent"], g["status"]) for g in founded] == [
        ("G1", "Reach orbit", "company", None, "active"),
        ("G2", "Stay solvent", "company", None, "active"),
    ]


async def test_a_company_needs_at_least_one_goal(api: httpx.AsyncClient) -> None:
    for body in (company_body(goals=[]), {k: v for k, v in company_body().items() if k != "goals"}):
        error = assert_error(await api.post("/api/companies", json=body), 400, "invalid_input")
        assert error["message"] == "a company needs at least one goal: give goals or a template"
        assert error["details"] == {"field": "goals"}
        assert_error(await api.get(f"/api/companies/{body['id']}"), 404, "not_found")
    error = assert_error(await api.post("/api/companies", json=company_body(goals=["ok", "  "])), 422)
    assert error["message"].startswith("goals.1: ")
    error = assert_error(await api.post("/api/companies", json=company_body(approval_timeout_seconds=5)), 422)
    assert error["message"].startswith("approval_timeout_seconds: ")


async def test_a_template_gives_its_goals_unless_the_body_does(api: httpx.AsyncClient) -> None:
    templated = await create_company(api, template="research-lab", goals=[], agents=[{"name": "boss"}])
    assert len(templated["goals"]) == 3 and templated["goals"][0].startswith("Answer every research question")
    assert [g["id"] for g in await goals(api, templated["id"])] == ["G1", "G2", "G3"]
    own = await create_company(api, template="research-lab", goals=["Publish one paper"], agents=[{"name": "boss"}])
    assert [g["title"] for g in await goals(api, own["id"])] == ["Publish one paper"]


async def test_the_tree_is_listed_parents_first_and_filtered_by_status(api: httpx.AsyncClient) -> None:
    company = (await create_company(api, goals=["Reach orbit", "Stay solvent"]))["id"]
    engine = await add_goal(api, company, title="Build the engine", level="team", parent="G1", owner="cto")
    assert engine["id"] == "G3" and engine["status"] == "active" and engine["owner"] == "cto"
    await add_goal(api, company, title="Raise money", level="team", parent="G2", owner="ceo", status="planned")
    await add_goal(api, company, title="Test the nozzle", level="agent", parent="G3", owner="cto")
    await add_goal(api, company, title="Sell rides", description="Tourists first")

    tree = await goals(api, company)
    assert [(g["id"], g["parent"]) for g in tree] == [
        ("G1", None),
        ("G3", "G1"),
        ("G5", "G3"),
        ("G2", None),
        ("G4", "G2"),
        ("G6", None),
    ]
    assert tree[-1]["description"] == "Tourists first" and tree[-1]["level"] == "company"
    assert [g["id"] for g in await goals(api, company, status="planned")] == ["G4"]
    assert await goals(api, company, status="achieved") == []
    assert_error(await api.get(f"/api/companies/{company}/goals", params={"status": "done"}), 422, "invalid_input")


async def test_changing_a_goal_and_cancelling_one_with_goals_under_it(api: httpx.AsyncClient) -> None:
    company = (await create_company(api, goals=["Reach orbit", "Stay solvent"]))["id"]
    await add_goal(api, company, title="Build the engine", level="team", parent="G1", owner="cto")
    path = f"/api/companies/{company}/goals"

    response = await api.patch(f"{path}/G3", json={"title": "Build two engines", "description": "Redundancy"})
    assert response.status_code == 200, response.text
    assert (response.json()["title"], response.json()["description"]) == ("Build two engines", "Redundancy")
    response = await api.patch(f"{path}/G2", json={"status": "achieved", "note": "profitable"})
    assert response.status_code == 200 and response.json()["status"] == "achieved"
    response = await api.patch(f"{path}/G1", json={"status": "cancelled", "note": "pivot"})
    assert response.status_code == 200 and response.json()["status"] == "cancelled"

    assert {g["id"]: g["status"] for g in await goals(api, company)} == {
        "G1": "cancelled",
        "G3": "cancelled",  # under G1
        "G2": "achieved",
    }
    summaries = await goal_log(api, company, want="G3 cancelled with G1 above it")
    assert "G1 'Reach orbit' is cancelled: pivot" in summaries
    assert "G3 'Build two engines' updated" in summaries


async def test_bad_goals_and_bad_changes_are_refused(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    path = f"/api/companies/{company}/goals"

    async def refused(body: dict[str, Any], status: int, code: str) -> str:
        error = assert_error(await api.post(path, json=body), status, code)
        message: str = error["message"]
        return message

    assert await refused({"title": "x", "level": "team", "owner": "cto"}, 400, "invalid_input") == (
        "a team goal needs a parent goal"
    )
    assert await refused({"title": "x", "level": "team", "parent": "G9", "owner": "cto"}, 404, "not_found") == (
        "parent goal 'G9' not found"
    )
    assert await refused({"title": "x", "level": "team", "parent": "G1", "owner": "ghost"}, 400, "invalid_input") == (
        "unknown agent 'ghost'"
    )
    assert "needs an owner" in await refused({"title": "x", "level": "agent", "parent": "G1"}, 400, "invalid_input")
    assert await refused({"title": "x", "parent": "G1"}, 400, "invalid_input") == "a company goal has no parent goal"
    assert (
        await refused({"title": "x", "status": "achieved"}, 400, "invalid_input") == "a new goal is planned or active"
    )
    assert (await refused({"title": "   "}, 422, "invalid_input")).startswith("title: ")
    assert (await refused({"title": "x", "level": "galaxy"}, 422, "invalid_input")).startswith("level: ")

    error = assert_error(await api.patch(f"{path}/G1", json={"status": "cancelled"}), 409, "conflict")
    assert error["message"] == "'G1' is the company's last goal: a company keeps at least one"
    error = assert_error(await api.patch(f"{path}/G9", json={"status": "achieved"}), 404, "not_found")
    assert error["message"] == "goal 'G9' not found"
    error = assert_error(await api.patch(f"{path}/G1", json={"note": "just a note"}), 422, "invalid_input")
    assert "nothing to change" in error["message"]
    assert_error(await api.patch(f"{path}/G1", json={"title": " "}), 422, "invalid_input")
    await add_goal(api, company, title="Side quest")
    assert (await api.patch(f"{path}/G2", json={"status": "cancelled"})).status_code == 200
    error = assert_error(await api.patch(f"{path}/G2", json={"status": "active"}), 409, "conflict")
    assert error["message"] == "goal 'G2': goal status cannot go from cancelled to active"
    error = assert_error(
        await api.post(path, json={"title": "x", "level": "team", "parent": "G2", "owner": "cto"}), 409, "conflict"
    )
    assert error["message"] == "parent goal 'G2' is cancelled"

    error = assert_error(await api.get("/api/companies/nope/goals"), 404, "not_found")
    assert error["message"] == "company 'nope' not found"
    assert_error(await api.post("/api/companies/nope/goals", json={"title": "x"}), 404, "not_found")
    assert_error(await api.patch("/api/companies/nope/goals/G1", json={"status": "achieved"}), 404, "not_found")


async def test_a_task_serves_a_goal_and_its_subtasks_serve_it_too(api: httpx.AsyncClient) -> None:
    company = (await create_company(api, goals=["Reach orbit", "Stay solvent"]))["id"]
    path = f"/api/companies/{company}/tasks"
    response = await api.post(path, json={"title": "Launch", "assignee": "ceo", "goal": "G2"})
    assert response.status_code == 201, response.text
    assert response.json()["goal"] == "G2"
    await wait_for_task(api, company, "ACME-1")
    listed = (await api.get(path)).json()["data"]
    assert {t["identifier"]: t["goal"] for t in listed} == {"ACME-1": "G2", "ACME-1.1": "G2", "ACME-1.2": "G2"}

    error = assert_error(await api.post(path, json={"title": "x", "assignee": "cto", "goal": "G9"}), 400)
    assert error["message"] == "goal 'G9' not found"
    await api.patch(f"/api/companies/{company}/goals/G2", json={"status": "cancelled"})
    error = assert_error(await api.post(path, json={"title": "x", "assignee": "cto", "goal": "G2"}), 400)
    assert error["message"] == "goal 'G2' is cancelled"
    untied = await api.post(path, json={"title": "x", "assignee": "cto"})
    assert untied.status_code == 201 and untied.json()["goal"] is None


async def test_an_archived_company_takes_no_new_goal(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    assert (await api.post(f"/api/companies/{company}/archive")).status_code == 200
    error = assert_error(await api.post(f"/api/companies/{company}/goals", json={"title": "x"}), 409, "conflict")
    assert error["message"] == f"company '{company}' is archived"
    assert [g["id"] for g in await goals(api, company)] == ["G1"]
