"""Review before done over real HTTP (docs/review.md), on SQLite and PostgreSQL: the board sends a
task back once with a note its agent reads next turn, then approves it; an agent of a role reviews
in a review task of its own with `review_verdict`; an agent's empty completion under review is
refused; reviews are bounded; a reviewer is never the assignee, and a viewer or another team
cannot decide a review.

Everything is real but the model: the API over HTTP, the workers on a Temporal dev server, the
store; the model is `ScriptedModel`, whose `calls` are what each turn was given.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.models import ToolCall
from paperclip.store import Store
from paperclip.tools import COMPLETE_TASK
from paperclip.tools.review_verdict import REVIEW_VERDICT
from tests.api.conftest import assert_error
from tests.api.helpers import create_company, wait_for_task
from tests.api.test_access import bearer, ok
from tests.workflows.stand_ins import ScriptedModel
from workers.main import build_workers

AGENTS = [
    {"name": "lead", "role": "ceo"},
    {"name": "writer", "role": "engineer", "reports_to": "lead"},
    {"name": "checker", "role": "qa", "reports_to": "lead"},
]
REVIEW_LOG = "task.review"


@pytest.fixture
def model() -> ScriptedModel:
    return ScriptedModel()


@pytest.fixture
async def workers(
    dev_env: WorkflowEnvironment, store: Store, task_queue: str, model: ScriptedModel
) -> AsyncIterator[None]:
    """The real workers, with `model` registered as the `model_turn` activity."""
    async with AsyncExitStack() as stack:
        for worker in build_workers(dev_env.client, store, task_queue=task_queue, model=model):  # type: ignore[arg-type]
            await stack.enter_async_context(worker)
        yield


def complete(result: str, *urls: str) -> list[ToolCall]:
    products = [{"kind": "url", "value": url} for url in urls]
    arguments = {"result": result, "work_products": products}
    return [ToolCall(id=f"done-{result}", name=COMPLETE_TASK, arguments=arguments)]


def verdict(decision: str, notes: str = "") -> list[ToolCall]:
    return [ToolCall(id=f"verdict-{decision}", name=REVIEW_VERDICT, arguments={"decision": decision, "notes": notes})]


def given(model: ScriptedModel, agent: str) -> list[str]:
    """What each of `agent`'s turns was given, one text per turn."""
    return [json.dumps([m.content for m in c.new_messages]) for c in model.calls if c.session.agent == agent]


async def next_review(api: httpx.AsyncClient, company: str, seen: set[str]) -> dict[str, Any]:
    """The pending review approval not seen yet (the board's next one to decide)."""
    for _ in range(300):
        pending = await ok(await api.get(f"/api/companies/{company}/approvals", params={"status": "pending"}))
        fresh = [a for a in pending["data"] if a["id"] not in seen]
        if fresh:
            assert fresh[0]["kind"] == "review", fresh
            seen.add(fresh[0]["id"])
            return dict(fresh[0])
        await asyncio.sleep(0.1)
    raise AssertionError(f"no review approval came in {company}")


async def review_log(api: httpx.AsyncClient, company: str, count: int) -> list[str]:
    for _ in range(100):
        log = await ok(await api.get(f"/api/companies/{company}/activity", params={"kind": REVIEW_LOG}))
        if len(log["data"]) >= count:
            return sorted(e["summary"] for e in log["data"])
        await asyncio.sleep(0.1)
    raise AssertionError(f"fewer than {count} review entries: {log}")


async def decide(api: httpx.AsyncClient, company: str, approval: str, **body: Any) -> None:
    await ok(await api.post(f"/api/companies/{company}/approvals/{approval}/decision", json=body))


async def test_the_board_sends_work_back_once_with_a_note_then_approves_it(
    api: httpx.AsyncClient, model: ScriptedModel
) -> None:
    company = (await create_company(api, agents=AGENTS))["id"]
    model.plans["writer"] = [
        complete("Draft 1", "https://example.com/draft-1"),
        complete("Draft 2", "https://example.com/draft-2"),
    ]
    task = {"title": "Write the launch note", "assignee": "writer", "review": {"reviewer": "board"}}
    made = await ok(await api.post(f"/api/companies/{company}/tasks", json=task), 201)
    assert made["review"] == {"reviewer": "board", "max_cycles": 3}
    seen: set[str] = set()

    first = await next_review(api, company, seen)
    assert first["task"] == "ACME-1" and "Draft 1" in first["details"], first
    assert "url https://example.com/draft-1" in first["details"]
    assert (await wait_for_task(api, company, "ACME-1", "in_review"))["result"] is None
    await decide(api, company, first["id"], decision="revision_requested", note="Cite the sources")

    second = await next_review(api, company, seen)
    assert "Draft 2" in second["details"]
    await decide(api, company, second["id"], decision="approved")
    done = await wait_for_task(api, company, "ACME-1")
    assert done["result"] == "Draft 2"

    turns = given(model, "writer")
    assert len(turns) == 2, turns
    assert "Cite the sources" in turns[1] and "review 1 of at most 3" in turns[1], turns[1]
    assert "Cite the sources" not in turns[0]
    log = await review_log(api, company, 4)
    assert any("sent back by board: Cite the sources" in e for e in log), log
    assert "ACME-1 approved in review" in log


async def test_an_agent_of_a_role_reviews_with_its_verdict_tool(api: httpx.AsyncClient, model: ScriptedModel) -> None:
    company = (await create_company(api, agents=AGENTS))["id"]
    model.plans["writer"] = [
        complete("Plan A", "https://example.com/a"),
        complete("Plan B", "https://example.com/b"),
    ]
    model.plans["checker"] = [verdict("request_changes", "Add a rollback step"), verdict("approve", "Good")]
    task = {"title": "Plan the migration", "assignee": "writer", "review": {"reviewer": "role:qa"}}
    made = await ok(await api.post(f"/api/companies/{company}/tasks", json=task), 201)
    assert made["review"]["reviewer"] == "agent:checker"  # the role resolved when it was queued

    done = await wait_for_task(api, company, "ACME-1", timeout=60)
    assert done["result"] == "Plan B"
    reviews = [await wait_for_task(api, company, f"ACME-1.{n}") for n in (1, 2)]
    assert [r["assignee"] for r in reviews] == ["checker", "checker"]
    assert reviews[0]["title"] == "Review: Plan the migration"
    assert reviews[0]["result"] == "ACME-1 changes requested: Add a rollback step"
    assert reviews[1]["result"] == "ACME-1 approved: Good"
    checker = given(model, "checker")
    assert "Plan A" in checker[0] and "url https://example.com/a" in checker[0], checker[0]
    assert any(t.name == REVIEW_VERDICT for c in model.calls if c.session.agent == "checker" for t in c.tools)
    writer = given(model, "writer")
    assert len(writer) == 2 and "Add a rollback step" in writer[1], writer
    assert not any(t.name == REVIEW_VERDICT for c in model.calls if c.session.agent == "writer" for t in c.tools)


async def test_an_empty_completion_under_review_is_refused_and_the_task_keeps_running(
    api: httpx.AsyncClient, model: ScriptedModel
) -> None:
    # The company's policy: its tasks are reviewed by the board.
    company = (await create_company(api, agents=AGENTS, review={"reviewer": "board"}))["id"]
    model.plans["writer"] = [
        verdict("approve", "I approve my own work"),  # not a review task: no such tool for it
        [ToolCall(id="empty", name=COMPLETE_TASK, arguments={"result": "All done, trust me"})],
        complete("The report", "https://example.com/report"),
    ]
    task = {"title": "Write the report", "assignee": "writer"}
    await ok(await api.post(f"/api/companies/{company}/tasks", json=task), 201)
    review = await next_review(api, company, set())
    assert "The report" in review["details"] and "trust me" not in review["details"]
    turns = given(model, "writer")
    assert len(turns) == 3 and f"unknown tool '{REVIEW_VERDICT}'" in turns[1], turns
    assert "delivered nothing to review" in turns[2] and "no document on the task" in turns[2], turns
    await decide(api, company, review["id"], decision="approved")
    assert (await wait_for_task(api, company, "ACME-1"))["result"] == "The report"


async def test_reviews_are_bounded_and_a_reviewer_is_never_the_assignee(
    api: httpx.AsyncClient, model: ScriptedModel
) -> None:
    company = (await create_company(api, agents=AGENTS))["id"]
    tasks = f"/api/companies/{company}/tasks"
    own = await api.post(tasks, json={"title": "x", "assignee": "writer", "review": {"reviewer": "agent:writer"}})
    assert "writer cannot review its own task" in assert_error(own, 400)["message"]
    lonely = await api.post(tasks, json={"title": "x", "assignee": "checker", "review": {"reviewer": "role:qa"}})
    assert "asks for a qa, and no agent but the assignee is one" in assert_error(lonely, 400)["message"]
    unknown = await api.post(tasks, json={"title": "x", "assignee": "writer", "review": {"reviewer": "agent:ghost"}})
    assert "unknown agent 'ghost'" in assert_error(unknown, 400)["message"]
    bad = await api.post(tasks, json={"title": "x", "assignee": "writer", "review": {"reviewer": "anyone"}})
    assert "is not board, agent:<name> or role:<role>" in assert_error(bad, 422)["message"]
    many = await api.post(
        tasks, json={"title": "x", "assignee": "writer", "review": {"reviewer": "board", "max_cycles": 0}}
    )
    assert_error(many, 422)

    # A project's policy applies to its tasks; one review at most: sent back once, the task fails.
    project = {"key": "WEB", "name": "Website", "review": {"reviewer": "board", "max_cycles": 1}}
    await ok(await api.post(f"/api/companies/{company}/projects", json=project), 201)
    model.plans["writer"] = [complete("Homepage", "https://example.com/home")]
    made = await ok(await api.post(tasks, json={"title": "Homepage", "assignee": "writer", "project": "WEB"}), 201)
    review = await next_review(api, company, set())
    await decide(api, company, review["id"], decision="rejected", note="Wrong colours")
    failed = await wait_for_task(api, company, made["identifier"], "failed")
    assert failed["result"] == "sent back by board in review 1 of at most 1: Wrong colours"


async def test_a_viewer_or_another_team_cannot_decide_a_review(api: httpx.AsyncClient, model: ScriptedModel) -> None:
    for team in ("red", "blue"):
        await ok(await api.post("/api/teams", json={"name": team}), 201)
    keys = {}
    for user, (team, role) in {"vic": ("red", "viewer"), "bob": ("blue", "operator")}.items():
        await ok(await api.put(f"/api/teams/{team}/members", json={"user": user, "role": role}))
        keys[user] = (await ok(await api.post("/api/tokens", json={"user": user, "label": "test"}), 201))["token"]
    company = (await create_company(api, agents=AGENTS, team="red"))["id"]
    model.plans["writer"] = [complete("Logo", "https://example.com/logo")]
    task = {"title": "Draw the logo", "assignee": "writer", "review": {"reviewer": "board"}}
    await ok(await api.post(f"/api/companies/{company}/tasks", json=task), 201)
    review = await next_review(api, company, set())
    decision = f"/api/companies/{company}/approvals/{review['id']}/decision"
    assert_error(await api.post(decision, json={"decision": "approved"}, headers=bearer(keys["vic"])), 403)
    assert_error(await api.post(decision, json={"decision": "approved"}, headers=bearer(keys["bob"])), 404)
    assert (await wait_for_task(api, company, "ACME-1", "in_review"))["status"] == "in_review"
    await decide(api, company, review["id"], decision="approved")
    assert (await wait_for_task(api, company, "ACME-1"))["result"] == "Logo"


async def test_cancelling_a_task_in_review_cancels_its_review_task(
    api: httpx.AsyncClient, model: ScriptedModel
) -> None:
    company = (await create_company(api, agents=AGENTS))["id"]
    model.plans["writer"] = [complete("Specs", "https://example.com/specs")]
    model.gated = {"checker"}  # the review task's turn holds until cancelled
    task = {"title": "Write the specs", "assignee": "writer", "review": {"reviewer": "agent:checker"}}
    await ok(await api.post(f"/api/companies/{company}/tasks", json=task), 201)
    await wait_for_task(api, company, "ACME-1.1", "running")
    assert (await wait_for_task(api, company, "ACME-1", "in_review"))["assignee"] == "writer"
    await ok(await api.post(f"/api/companies/{company}/tasks/ACME-1/cancel", json={"reason": "not needed"}))
    await wait_for_task(api, company, "ACME-1", "cancelled")
    await wait_for_task(api, company, "ACME-1.1", "cancelled")


async def test_a_review_of_a_cancelled_task_cannot_be_decided(api: httpx.AsyncClient, model: ScriptedModel) -> None:
    company = (await create_company(api, agents=AGENTS))["id"]
    model.plans["writer"] = [complete("Specs", "https://example.com/specs")]
    task = {"title": "Write the specs", "assignee": "writer", "review": {"reviewer": "board"}}
    await ok(await api.post(f"/api/companies/{company}/tasks", json=task), 201)
    review = await next_review(api, company, set())
    await ok(await api.post(f"/api/companies/{company}/tasks/ACME-1/cancel", json={"reason": "not needed"}))
    await wait_for_task(api, company, "ACME-1", "cancelled")
    late = await api.post(f"/api/companies/{company}/approvals/{review['id']}/decision", json={"decision": "approved"})
    error = assert_error(late, 409)
    assert error["message"] == f"approval '{review['id']}' was asked for ACME-1, which is cancelled", error
    assert (await wait_for_task(api, company, "ACME-1", "cancelled"))["result"] != "Specs"
