"""Approvals over real HTTP: agents ask (a scripted model stands in for the simulated one, which
never asks), the board lists, reads and decides, and the asking task carries on."""

import asyncio
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.approvals import board_order
from paperclip.models import Approval, ApprovalKind, ApprovalStatus, ToolCall
from paperclip.store import Store
from paperclip.tools import HIRE_AGENT, REQUEST_APPROVAL
from tests.api.conftest import assert_error
from tests.api.helpers import create_company, wait_for_task
from tests.workflows.stand_ins import ScriptedModel
from workers.main import build_workers


@pytest.fixture
def model() -> ScriptedModel:
    """The agents' model: `model.plans[agent]` scripts an agent's next turns."""
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


def ask(title: str, details: str = "$12 a year") -> list[ToolCall]:
    """A turn that asks the board."""
    arguments = {"kind": "board", "title": title, "details": details}
    return [ToolCall(id=f"ask-{title}", name=REQUEST_APPROVAL, arguments=arguments)]


def hire(name: str) -> list[ToolCall]:
    arguments = {"template": "coder", "name": name, "reason": "more hands"}
    return [ToolCall(id=f"hire-{name}", name=HIRE_AGENT, arguments=arguments)]


async def approvals(api: httpx.AsyncClient, company: str, **params: Any) -> list[dict[str, Any]]:
    response = await api.get(f"/api/companies/{company}/approvals", params=params)
    assert response.status_code == 200, response.text
    listed = response.json()
    assert listed["count"] == len(listed["data"])
    data: list[dict[str, Any]] = listed["data"]
    return data


async def wait_for_pending(api: httpx.AsyncClient, company: str, count: int) -> list[dict[str, Any]]:
    """Poll until `count` approvals are pending (an agent asks on its next turn)."""
    for _ in range(300):
        pending = await approvals(api, company, status="pending")
        if len(pending) >= count:
            return pending
        await asyncio.sleep(0.1)
    raise AssertionError(f"never {count} pending approvals: {await approvals(api, company)}")


async def decide(api: httpx.AsyncClient, company: str, approval: str, **body: Any) -> httpx.Response:
    return await api.post(f"/api/companies/{company}/approvals/{approval}/decision", json=body)


async def test_a_board_question_holds_its_task_until_approved(api: httpx.AsyncClient, model: ScriptedModel) -> None:
    company = (await create_company(api))["id"]
    model.plans["cmo"] = [ask("Buy the domain")]
    await api.post(f"/api/companies/{company}/tasks", json={"title": "Launch site", "assignee": "cmo"})

    [pending] = await wait_for_pending(api, company, 1)
    assert {k: pending[k] for k in ("id", "kind", "title", "details", "requested_by", "task", "status")} == {
        "id": "AP-1",
        "kind": "board",
        "title": "Buy the domain",
        "details": "$12 a year",
        "requested_by": "cmo",
        "task": "ACME-1",
        "status": "pending",
    }
    assert pending["escalated"] is False and pending["decided_at"] is None
    assert (await api.get(f"/api/companies/{company}/approvals/AP-1")).json() == pending
    assert (await api.get(f"/api/companies/{company}/tasks/ACME-1")).json()["status"] == "blocked"

    response = await decide(api, company, "AP-1", decision="approved", note="go ahead")
    assert response.status_code == 200, response.text
    decided = response.json()
    assert (decided["status"], decided["note"], decided["decided_by"]) == ("approved", "go ahead", "board")
    assert decided["decided_at"] is not None
    await wait_for_task(api, company, "ACME-1")
    assert await approvals(api, company, status="pending") == []
    assert [a["id"] for a in await approvals(api, company, status="approved")] == ["AP-1"]

    error = assert_error(await decide(api, company, "AP-1", decision="rejected"), 409, "conflict")
    assert error["message"] == "approval 'AP-1' is already approved"


async def test_a_revision_then_a_rejection_and_the_board_order(api: httpx.AsyncClient, model: ScriptedModel) -> None:
    company = (await create_company(api))["id"]
    model.plans["cmo"] = [ask("Print 10k flyers"), ask("Print 1k flyers")]
    model.plans["cto"] = [ask("Buy a test rig")]
    await api.post(f"/api/companies/{company}/tasks", json={"title": "Promote", "assignee": "cmo"})
    await wait_for_pending(api, company, 1)
    await api.post(f"/api/companies/{company}/tasks", json={"title": "Test", "assignee": "cto"})
    assert [a["id"] for a in await wait_for_pending(api, company, 2)] == ["AP-1", "AP-2"]  # oldest first

    revised = await decide(api, company, "AP-1", decision="revision_requested", note="cheaper")
    assert revised.status_code == 200 and revised.json()["status"] == "revision_requested"
    [again] = [a for a in await wait_for_pending(api, company, 2) if a["id"] != "AP-2"]
    assert (again["id"], again["title"], again["task"]) == ("AP-3", "Print 1k flyers", "ACME-1")
    rejected = await decide(api, company, "AP-3", decision="rejected", note="not now")
    assert rejected.status_code == 200 and rejected.json()["status"] == "rejected"
    await wait_for_task(api, company, "ACME-1")

    listed = await approvals(api, company)
    assert [(a["id"], a["status"]) for a in listed] == [
        ("AP-2", "pending"),
        ("AP-3", "rejected"),  # decided last
        ("AP-1", "revision_requested"),
    ]


async def test_a_hire_by_an_agent_waits_for_the_board(api: httpx.AsyncClient, model: ScriptedModel) -> None:
    ceo = {"name": "ceo", "role": "ceo", "permissions": {"can_hire": True}}
    created = await create_company(api, agents=[ceo], require_hire_approval=True)
    company = created["id"]
    model.plans["ceo"] = [hire("dev1")]
    await api.post(f"/api/companies/{company}/tasks", json={"title": "Grow", "assignee": "ceo"})

    [pending] = await wait_for_pending(api, company, 1)
    assert (pending["kind"], pending["requested_by"]) == ("hire_agent", "ceo")
    assert (pending["agent"]["name"], pending["agent"]["template"]) == ("dev1", "coder")
    agents = {a["spec"]["name"]: a["status"] for a in (await api.get(f"/api/companies/{company}")).json()["agents"]}
    assert agents["dev1"] == "pending_approval"

    error = assert_error(await decide(api, company, "AP-1", decision="revision_requested"), 400, "invalid_input")
    assert error["message"] == "a hire is approved or rejected; reject it and say what to change"
    assert (await decide(api, company, "AP-1", decision="approved")).status_code == 200
    agents = {a["spec"]["name"]: a["status"] for a in (await api.get(f"/api/companies/{company}")).json()["agents"]}
    assert agents["dev1"] in ("active", "idle")


async def test_unknown_approvals_bad_decisions_and_unknown_companies(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    assert await approvals(api, company) == []
    error = assert_error(await api.get(f"/api/companies/{company}/approvals/AP-9"), 404, "not_found")
    assert error["message"] == "approval 'AP-9' not found"
    error = assert_error(await decide(api, company, "AP-9", decision="approved"), 404, "not_found")
    assert error["message"] == "approval 'AP-9' not found"
    for body in ({"decision": "maybe"}, {"decision": "pending"}, {"note": "no decision"}):
        error = assert_error(await decide(api, company, "AP-9", **body), 422, "invalid_input")
        assert error["message"].startswith("decision: ")
    error = assert_error(await api.get(f"/api/companies/{company}/approvals", params={"status": "x"}), 422)
    assert error["message"].startswith("query.status: ")

    for response in (
        await api.get("/api/companies/nope/approvals"),
        await api.get("/api/companies/nope/approvals/AP-1"),
        await decide(api, "nope", "AP-1", decision="approved"),
    ):
        assert assert_error(response, 404, "not_found")["message"] == "company 'nope' not found"


def test_escalated_approvals_come_first_among_pending_ones() -> None:
    start = datetime(2026, 1, 1, tzinfo=UTC)

    def approval(number: int, status: ApprovalStatus = ApprovalStatus.PENDING, **fields: Any) -> Approval:
        return Approval(
            id=f"AP-{number}",
            request_id=f"r{number}",
            kind=ApprovalKind.BOARD,
            title="t",
            requested_by="ceo",
            created_at=start + timedelta(minutes=number),
            status=status,
            **fields,
        )

    decided_early = approval(1, ApprovalStatus.APPROVED, decided_at=start + timedelta(hours=1))
    decided_late = approval(2, ApprovalStatus.REJECTED, decided_at=start + timedelta(hours=2))
    ordered = board_order(
        [
            decided_early,
            decided_late,
            approval(3),
            approval(4, escalated=True),
            approval(5),
            approval(10, escalated=True),
        ]
    )
    assert [a.id for a in ordered] == ["AP-4", "AP-10", "AP-3", "AP-5", "AP-2", "AP-1"]


async def test_approvals_filter_by_kind_and_are_paged(api: httpx.AsyncClient, model: ScriptedModel) -> None:
    ceo = {"name": "ceo", "role": "ceo", "permissions": {"can_hire": True}}
    cmo = {"name": "cmo", "role": "cmo", "reports_to": "ceo"}
    company = (await create_company(api, agents=[ceo, cmo], require_hire_approval=True))["id"]
    model.plans["ceo"] = [hire("dev1")]
    model.plans["cmo"] = [ask("Buy the domain")]
    await api.post(f"/api/companies/{company}/tasks", json={"title": "Grow", "assignee": "ceo"})
    await wait_for_pending(api, company, 1)
    await api.post(f"/api/companies/{company}/tasks", json={"title": "Launch site", "assignee": "cmo"})
    await wait_for_pending(api, company, 2)

    assert [a["id"] for a in await approvals(api, company, kind="hire_agent")] == ["AP-1"]
    assert [a["id"] for a in await approvals(api, company, kind="board", status="pending")] == ["AP-2"]
    assert await approvals(api, company, kind="strategy") == []
    page = (await api.get(f"/api/companies/{company}/approvals", params={"limit": 1, "offset": 1})).json()
    assert [a["id"] for a in page["data"]] == ["AP-2"] and (page["count"], page["total"]) == (1, 2)
    for params in ({"kind": "bribe"}, {"limit": 0}, {"offset": -1}):
        error = assert_error(await api.get(f"/api/companies/{company}/approvals", params=params), 422)
        assert error["message"].startswith(f"query.{next(iter(params))}: ")
