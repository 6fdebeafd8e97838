"""Pipeline documents over real HTTP: add (versions), list, show, validate, and 422s with lines."""

import asyncio
import uuid
from typing import Any

import httpx

from paperclip.pipelines import builtin_text, digest
from paperclip.store import Store
from tests.api.conftest import assert_error
from tests.api.helpers import create_company
from tests.api.test_pipeline_runs import wait_run
from tests.pipelines.test_parse import GUIDE

YAML = {"Content-Type": "application/yaml"}


async def review_company(api: httpx.AsyncClient) -> str:
    """A company from the code-review template: lead, linter, security, reviewer, summarizer."""
    body = {"id": f"rev-{uuid.uuid4().hex[:8]}", "name": "Reviews", "template": "code-review"}
    response = await api.post("/api/companies", json=body)
    assert response.status_code == 201, response.text
    return response.json()["id"]


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json()


async def test_the_guides_pipeline_is_added_listed_and_shown_by_version(api: httpx.AsyncClient) -> None:
    company = await review_company(api)
    path = f"/api/companies/{company}/pipelines"
    added = await ok(await api.post(path, content=GUIDE, headers=YAML), 201)
    assert added["added"] is True
    assert added["version"] | {"created_at": None} == {
        "company_id": company,
        "name": "full-code-review",
        "version": 1,
        "content": GUIDE,
        "digest": digest(GUIDE),
        "created_at": None,
        "created_by": "board",
    }
    assert [s["id"] for s in added["spec"]["steps"]] == [
        "lint_results",
        "security_findings",
        "review_comments",
        "pr_comment",
    ]
    assert added["spec"]["inputs"][0]["name"] == "git_diff"
    # the same text again (as JSON this time) is the same version
    again = await ok(await api.post(path, json={"yaml": GUIDE}))
    assert again["added"] is False and again["version"]["version"] == 1
    changed = GUIDE.replace("Comprehensive code review", "Thorough code review")
    assert (await ok(await api.post(path, content=changed, headers=YAML), 201))["version"]["version"] == 2
    builtin = builtin_text("code-review")
    assert builtin is not None
    await ok(await api.post(path, content=builtin, headers=YAML), 201)

    listed = await ok(await api.get(path))
    assert listed["count"] == 2
    assert [(p["name"], p["version"], p["versions"]) for p in listed["data"]] == [
        ("code-review", 1, 1),
        ("full-code-review", 2, 2),
    ]
    latest = await ok(await api.get(f"{path}/full-code-review"))
    assert latest["version"]["content"] == changed and latest["spec"]["steps"][2]["task"] == "Thorough code review"
    first = await ok(await api.get(f"{path}/full-code-review", params={"version": 1}))
    assert first["version"]["content"] == GUIDE and first["version"]["digest"] == digest(GUIDE)
    error = assert_error(await api.get(f"{path}/full-code-review", params={"version": 7}), 404, "not_found")
    assert error["message"] == f"version 7 of pipeline 'full-code-review' not found in company '{company}'"
    assert_error(await api.get(f"{path}/nope"), 404, "not_found")


async def test_an_invalid_document_is_a_422_listing_each_problem_with_its_line(api: httpx.AsyncClient) -> None:
    company = await review_company(api)
    text = GUIDE.replace("agent: reviewer", "agent: critic").replace('input: "review_comments"', "needs: [nope]")
    error = assert_error(
        await api.post(f"/api/companies/{company}/pipelines", content=text, headers=YAML), 422, "invalid_input"
    )
    assert error["details"] == [
        {
            "line": 12,
            "column": 14,
            "field": "steps[2].agent",
            "message": "unknown agent 'critic' (the company's: lead, linter, reviewer, security, summarizer)",
        },
        {"line": 18, "column": 15, "field": "steps[3].needs[0]", "message": error["details"][1]["message"]},
    ]
    assert error["details"][1]["message"].startswith("no step 'nope'")
    assert error["message"].startswith("invalid pipeline (2 problems): line 12, column 14: steps[2].agent")
    assert (await ok(await api.get(f"/api/companies/{company}/pipelines")))["count"] == 0
    broken = assert_error(
        await api.post(f"/api/companies/{company}/pipelines", content="workflow: [\n", headers=YAML), 422
    )
    assert broken["details"][0]["line"] == 2 and "invalid YAML" in broken["details"][0]["message"]


async def test_bodies_that_are_not_a_document(api: httpx.AsyncClient) -> None:
    company = await review_company(api)
    path = f"/api/companies/{company}/pipelines"
    assert "UTF-8" in assert_error(await api.post(path, content=b"\xff\xfe", headers=YAML), 400)["message"]
    assert (
        "not JSON"
        in assert_error(await api.post(path, content=b"{", headers={"Content-Type": "application/json"}), 400)[
            "message"
        ]
    )
    assert '{"yaml"' in assert_error(await api.post(path, json={"text": GUIDE}), 422)["message"]
    assert_error(await api.post("/api/companies/no-such/pipelines", content=GUIDE, headers=YAML), 404, "not_found")


async def test_validate_checks_agents_only_against_a_company_it_is_given(api: httpx.AsyncClient) -> None:
    text = GUIDE.replace("agent: linter", "agent: lint-bot")
    checked = await ok(await api.post("/api/pipelines/validate", content=text, headers=YAML))
    assert checked["agents_checked"] is False and checked["spec"]["steps"][0]["agent"] == "lint-bot"
    company = await review_company(api)
    for request in (
        api.post("/api/pipelines/validate", content=text, headers=YAML, params={"company": company}),
        api.post("/api/pipelines/validate", json={"yaml": text, "company": company}),
    ):
        error = assert_error(await request, 422, "invalid_input")
        assert [(d["line"], d["field"]) for d in error["details"]] == [(5, "steps[0].agent")]
    assert (await ok(await api.post("/api/pipelines/validate", json={"yaml": GUIDE, "company": company})))[
        "agents_checked"
    ] is True
    assert_error(await api.post("/api/pipelines/validate", json={"yaml": GUIDE, "company": "no-such"}), 404)
    assert (await ok(await api.get(f"/api/companies/{company}/pipelines")))["count"] == 0  # nothing stored


async def test_another_teams_company_is_not_found_by_validate_nor_by_its_routes(api: httpx.AsyncClient) -> None:
    company = await review_company(api)  # the board's: no team
    for team in ("red",):
        await ok(await api.post("/api/teams", json={"name": team}), 201)
    await ok(await api.put("/api/teams/red/members", json={"user": "alice", "role": "operator"}))
    token = (await ok(await api.post("/api/tokens", json={"user": "alice", "label": "t"}), 201))["token"]
    alice = {"Authorization": f"Bearer {token}"}
    response = await api.post("/api/pipelines/validate", json={"yaml": GUIDE, "company": company}, headers=alice)
    assert assert_error(response, 404)["message"] == f"company '{company}' not found"
    assert (await ok(await api.post("/api/pipelines/validate", json={"yaml": GUIDE}, headers=alice)))["spec"]
    assert_error(await api.get(f"/api/companies/{company}/pipelines", headers=alice), 404)
    assert_error(await api.post(f"/api/companies/{company}/pipelines", content=GUIDE, headers=alice | YAML), 404)


STORED = """\
workflow:
  name: review
  steps:
    - agent: cto
      task: "Lint the diff: ${git_diff}"
      input: git_diff
      output: lint_results
    - agent: cmo
      task: "Summarise $${not a reference} and ${lint_results}"
      input: lint_results
      output: summary
"""


async def test_a_stored_pipeline_runs_and_its_run_is_kept(api: httpx.AsyncClient, store: Store) -> None:
    company = (await create_company(api))["id"]
    added = await api.post(f"/api/companies/{company}/pipelines", json={"yaml": STORED})
    assert added.status_code == 201, added.text
    started = await api.post(f"/api/companies/{company}/pipelines/review/runs", json={"inputs": {"git_diff": "+y"}})
    assert started.status_code == 201, started.text
    run = started.json()
    assert run["version"] == 1
    done = await wait_run(api, company, run["run_id"], "done")
    assert [s["status"] for s in done["steps"]] == ["done", "done"]
    task = (await api.get(f"/api/companies/{company}/tasks/{done['steps'][1]['task']}")).json()
    assert "Summarise ${not a reference} and " in task["brief"]  # `$${` is a literal, as the parser reads it
    deadline = asyncio.get_running_loop().time() + 30
    while (kept := store.get_pipeline_run(company, run["run_id"])) is None or kept.status != "done":
        assert asyncio.get_running_loop().time() < deadline, kept
        await asyncio.sleep(0.1)
    assert kept.digest == digest(STORED) and kept.inputs == {"git_diff": "+y"} and kept.version == 1
