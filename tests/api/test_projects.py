"""Projects and labels over real HTTP: add, list, change; tasks in a project and with labels,
filtered; workspaces checked against the roots; other teams see nothing; bad names refused."""

from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.settings import Settings
from tests.api.conftest import assert_error
from tests.api.helpers import company_body, create_company, wait_for_task


@pytest.fixture
def settings(tmp_path: Path, dev_env: WorkflowEnvironment) -> Settings:
    """The API's settings, with one workspace root (`repos/`)."""
    (tmp_path / "repos" / "web").mkdir(parents=True)
    return Settings(
        home=tmp_path / "home",
        temporal_address=dev_env.client.service_client.config.target_host,
        workspace_roots=[tmp_path / "repos"],
    )


async def post(api: httpx.AsyncClient, path: str, body: dict[str, Any], **kw: Any) -> dict[str, Any]:
    response = await api.post(path, json=body, **kw)
    assert response.status_code == 201, response.text
    created: dict[str, Any] = response.json()
    return created


async def listed(api: httpx.AsyncClient, path: str, **params: Any) -> list[str]:
    response = await api.get(path, params=params)
    assert response.status_code == 200, response.text
    body = response.json()
    return [row.get("identifier") or row.get("key") or row["name"] for row in body["data"]]


async def test_a_project_gathers_tasks_with_its_workspace_and_tasks_filter_by_project_and_label(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    company = (await create_company(api))["id"]
    base = f"/api/companies/{company}"
    workspace = {"source": str(settings.workspace_roots[0] / "web")}
    web = await post(
        api,
        f"{base}/projects",
        {
            "key": "WEB",
            "name": "Website",
            "lead": "cto",
            "goals": ["G1"],
            "workspace": workspace,
            "target_date": "2027-01-31",
            "budget": {"usd": 5},
        },
    )
    assert (web["key"], web["lead"], web["goals"], web["status"], web["target_date"]) == (
        "WEB",
        "cto",
        ["G1"],
        "active",
        "2027-01-31",
    )
    await post(api, f"{base}/projects", {"key": "OPS", "name": "Operations", "status": "planned"})
    assert await listed(api, f"{base}/projects") == ["OPS", "WEB"]
    assert await listed(api, f"{base}/projects", status="planned") == ["OPS"]
    caps = (await api.get(f"{base}/budgets")).json()["caps"]
    assert [(c["scope"], c["usd"]) for c in caps] == [("project:WEB", 5.0)]

    await post(api, f"{base}/labels", {"name": "bug", "colour": "#FF0000"})
    await post(api, f"{base}/labels", {"name": "ui"})
    assert [(lb["name"], lb["colour"]) for lb in (await api.get(f"{base}/labels")).json()["data"]] == [
        ("bug", "#ff0000"),
        ("ui", "#888888"),
    ]
    one = await post(
        api, f"{base}/tasks", {"title": "Fix nav", "assignee": "cto", "project": "WEB", "labels": ["bug", "ui"]}
    )
    two = await post(api, f"{base}/tasks", {"title": "Style", "assignee": "cmo", "project": "WEB", "labels": ["ui"]})
    three = await post(api, f"{base}/tasks", {"title": "Payroll", "assignee": "cmo", "labels": ["bug"]})
    assert (one["project"], one["labels"]) == ("WEB", ["bug", "ui"])
    tasks = f"{base}/tasks"
    assert await listed(api, tasks, project="WEB") == [one["identifier"], two["identifier"]]
    assert await listed(api, tasks, label="bug") == [one["identifier"], three["identifier"]]
    assert await listed(api, tasks, label="ui", project="WEB") == [one["identifier"], two["identifier"]]
    assert await listed(api, tasks, project="OPS") == []
    for task in (one, two, three):
        await wait_for_task(api, company, task["identifier"])
    by_project = (await api.get(f"{base}/costs", params={"group_by": "project"})).json()
    calls = {line["key"]: line["calls"] for line in by_project["data"]}
    assert set(calls) == {"WEB", None} and calls["WEB"] >= 2 and calls[None] >= 1, by_project

    changed = await api.patch(f"{base}/projects/WEB", json={"status": "completed", "clear": ["lead"]})
    assert changed.status_code == 200, changed.text
    assert (changed.json()["status"], changed.json()["lead"]) == ("completed", None)
    closed = assert_error(await api.post(tasks, json={"title": "Late", "assignee": "cto", "project": "WEB"}), 400)
    assert "project 'WEB' is completed" in closed["message"]


async def test_bad_projects_labels_and_workspaces_are_refused_with_the_reason(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    base = f"/api/companies/{company}"
    await post(api, f"{base}/projects", {"key": "WEB", "name": "Website"})
    cases: list[tuple[str, dict[str, Any], int, str]] = [
        ("projects", {"key": "web", "name": "x"}, 422, "project key must be 2-10 uppercase"),
        ("projects", {"key": "W" * 11, "name": "x"}, 422, "project key must be 2-10 uppercase"),
        ("projects", {"key": "NEW", "name": "two\nlines"}, 422, "one line of printable text"),
        ("projects", {"key": "NEW", "name": "   "}, 422, "a project needs a name"),
        ("projects", {"key": "WEB", "name": "again"}, 409, "project 'WEB' already exists"),
        ("projects", {"key": "NEW", "name": "x", "lead": "nobody"}, 400, "unknown agent 'nobody'"),
        ("projects", {"key": "NEW", "name": "x", "goals": ["G9"]}, 404, "goal 'G9' not found"),
        (
            "projects",
            {"key": "NEW", "name": "x", "workspace": {"source": "/etc"}},
            422,
            "not an absolute path under the deployment's workspace roots",
        ),
        (
            "projects",
            {"key": "NEW", "name": "x", "workspace": {"source": "https://git.example.com/r.git", "credential": "none"}},
            422,
            "there is no credential 'none'",
        ),
        ("labels", {"name": "Bad Label"}, 422, "label name must be 1-40 lowercase"),
        ("labels", {"name": "x" * 41}, 422, "label name must be 1-40 lowercase"),
        ("labels", {"name": "ok", "colour": "red"}, 422, "colour 'red' must be #rrggbb"),
        ("tasks", {"title": "t", "assignee": "cto", "labels": ["nope"]}, 422, "nope is not a label of company"),
        ("tasks", {"title": "t", "assignee": "cto", "project": "NOPE"}, 400, "project 'NOPE' not found"),
    ]
    for path, body, status, words in cases:
        error = assert_error(await api.post(f"{base}/{path}", json=body), status)
        assert words in error["message"], (body, error)
    await post(api, f"{base}/labels", {"name": "ok"})
    assert_error(await api.post(f"{base}/labels", json={"name": "ok"}), 409, "conflict")
    assert_error(await api.get(f"{base}/projects/NOPE"), 404, "not_found")
    assert_error(await api.patch(f"{base}/projects/NOPE", json={"name": "x"}), 404, "not_found")
    assert_error(await api.patch(f"{base}/projects/WEB", json={}), 422)
    assert (await api.delete(f"{base}/labels/ok")).status_code == 204
    assert_error(await api.delete(f"{base}/labels/ok"), 404, "not_found")


async def test_another_team_sees_no_project_and_a_task_cannot_join_another_companys(api: httpx.AsyncClient) -> None:
    for team in ("red", "blue"):
        assert (await api.post("/api/teams", json={"name": team})).status_code == 201
    keys = {}
    for user, team, role in (("olga", "red", "owner"), ("alice", "red", "operator"), ("bob", "blue", "operator")):
        assert (await api.put(f"/api/teams/{team}/members", json={"user": user, "role": role})).status_code == 200
        token = (await api.post("/api/tokens", json={"user": user, "label": "test"})).json()["token"]
        keys[user] = {"Authorization": f"Bearer {token}"}
    red = (await api.post("/api/companies", json=company_body(team="red"))).json()["id"]
    blue = (await api.post("/api/companies", json=company_body(team="blue"))).json()["id"]
    await post(api, f"/api/companies/{red}/projects", {"key": "WEB", "name": "Website"}, headers=keys["alice"])
    await post(api, f"/api/companies/{red}/labels", {"name": "secret"}, headers=keys["alice"])

    for path in ("projects", "projects/WEB", "labels"):
        assert_error(await api.get(f"/api/companies/{red}/{path}", headers=keys["bob"]), 404, "not_found")
    assert_error(await api.patch(f"/api/companies/{red}/projects/WEB", json={"name": "mine"}, headers=keys["bob"]), 404)
    assert_error(
        await api.put(f"/api/companies/{red}/budgets/projects/WEB", json={"usd": 1}, headers=keys["bob"]),
        404,
    )
    # Bob's own company has no project WEB nor label `secret`: his task cannot join red's.
    task = {"title": "t", "assignee": "cto", "project": "WEB"}
    error = assert_error(await api.post(f"/api/companies/{blue}/tasks", json=task, headers=keys["bob"]), 400)
    assert "project 'WEB' not found" in error["message"]
    task = {"title": "t", "assignee": "cto", "labels": ["secret"]}
    assert_error(await api.post(f"/api/companies/{blue}/tasks", json=task, headers=keys["bob"]), 422)
    # A workspace chooses what agents' commands run on: an operator may not set one.
    body = {"key": "OPS", "name": "Ops", "workspace": {"source": "https://git.example.com/r.git"}}
    error = assert_error(await api.post(f"/api/companies/{red}/projects", json=body, headers=keys["alice"]), 403)
    assert "only the board or an owner" in error["message"]
    assert (await api.post(f"/api/companies/{red}/projects", json=body, headers=keys["olga"])).status_code == 201
