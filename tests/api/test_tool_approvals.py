"""Approvals of kind `tool_call` over real HTTP: approved for the rest of the task with edited
arguments (the company workflow is given both), refused shapes (422), and batches of decisions."""

from datetime import UTC, datetime

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.approvals import check_tool_decision
from api.errors import ApiError
from api.schemas import Decision
from paperclip.models import Approval, ApprovalKind, ToolCallRequest, ToolDecision
from tests.api.conftest import assert_error
from tests.api.helpers import create_company
from tests.api.tool_approvals import ask_tool_call, decisions_given, wait_for_approvals
from tests.api.tool_stand_ins import stand_in_tools  # noqa: F401 — the fixture


async def test_a_tool_call_approved_for_the_task_with_edited_arguments(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment
) -> None:
    company = (await create_company(api))["id"]
    await ask_tool_call(dev_env.client, company, "pytest")
    [approval] = await wait_for_approvals(api, company, 1)
    assert (approval["id"], approval["kind"], approval["status"]) == ("AP-1", "tool_call", "pending")

    body = {"decision": "approved", "note": "quiet", "tool": {"scope": "task", "arguments": {"command": "pytest -q"}}}
    answer = await api.post(f"/api/companies/{company}/approvals/AP-1/decision", json=body)
    assert answer.status_code == 200, answer.text
    assert answer.json()["status"] == "approved"
    [given] = await decisions_given(dev_env.client, company)
    assert given.tool == ToolDecision(scope="task", arguments={"command": "pytest -q"})
    assert (given.id, given.note, given.actor) == ("AP-1", "quiet", "board")


async def test_refused_tool_decisions_are_422s(api: httpx.AsyncClient, dev_env: WorkflowEnvironment) -> None:
    company = (await create_company(api))["id"]
    await ask_tool_call(dev_env.client, company, "make")
    await wait_for_approvals(api, company, 1)
    path = f"/api/companies/{company}/approvals/AP-1/decision"
    rejected_for_task = {"decision": "rejected", "tool": {"scope": "task"}}
    error = assert_error(await api.post(path, json=rejected_for_task), 422, "invalid_input")
    assert error["message"] == "a scope or edited arguments go with an approval, not a rejection"
    assert_error(await api.post(path, json={"decision": "approved", "tool": {"scope": "forever"}}), 422)
    assert_error(await api.post(path, json={"decision": "approved", "tool": {"arguments": "rm -rf /"}}), 422)
    batch = {"ids": ["AP-1"], "decision": "approved", "tool": {"arguments": {"command": "ls"}}}
    error = assert_error(await api.post(f"/api/companies/{company}/approvals/decisions", json=batch), 422)
    assert "edited arguments are for one call" in error["message"]
    twice = {"ids": ["AP-1", "AP-1"], "decision": "approved"}
    assert_error(await api.post(f"/api/companies/{company}/approvals/decisions", json=twice), 422)
    assert await decisions_given(dev_env.client, company) == []


def test_edited_arguments_are_checked_against_the_tools_model(stand_in_tools: list[str]) -> None:  # noqa: F811
    call = ToolCallRequest(call_id="c1", tool="stand_in_run", arguments={"command": "pytest"})
    approval = Approval(
        id="AP-1", request_id="r1", kind=ApprovalKind.TOOL_CALL, title="t", requested_by="cto", task="A-1",
        tool_call=call, created_at=datetime.now(UTC),
    )  # fmt: skip
    good = Decision(decision="approved", tool=ToolDecision(arguments={"command": "pytest -q", "timeout_seconds": 30}))
    check_tool_decision(approval, good)
    for arguments, why in (({"timeout_seconds": 30}, "command: Field required"), ({"command": ""}, "command: ")):
        with pytest.raises(ApiError) as refused:
            check_tool_decision(approval, Decision(decision="approved", tool=ToolDecision(arguments=arguments)))
        assert refused.value.status_code == 422
        assert refused.value.message.startswith("tool.arguments: invalid arguments for stand_in_run: ")
        assert why in refused.value.message
    board = approval.model_copy(update={"kind": ApprovalKind.BOARD, "tool_call": None})
    with pytest.raises(ApiError, match="AP-1 is a board approval: only a tool_call takes `tool`"):
        check_tool_decision(board, good)


async def test_a_batch_decides_each_and_reports_the_ones_it_cannot(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment
) -> None:
    company = (await create_company(api))["id"]
    for command in ("pytest", "ruff check", "mypy"):
        await ask_tool_call(dev_env.client, company, command)
    await wait_for_approvals(api, company, 3)
    one = await api.post(f"/api/companies/{company}/approvals/AP-3/decision", json={"decision": "rejected"})
    assert one.status_code == 200

    batch = {"ids": ["AP-1", "AP-9", "AP-2", "AP-3"], "decision": "approved", "note": "ok", "tool": {"scope": "task"}}
    path = f"/api/companies/{company}/approvals/decisions"
    answer = await api.post(path, json=batch, headers={"Idempotency-Key": "batch-1"})
    assert answer.status_code == 200, answer.text
    body = answer.json()
    again = await api.post(path, json=batch, headers={"Idempotency-Key": "batch-1"})  # a retry: the same answer
    assert again.json() == body
    assert [(a["id"], a["status"], a["note"]) for a in body["decided"]] == [
        ("AP-1", "approved", "ok"),
        ("AP-2", "approved", "ok"),
    ]
    assert body["failed"] == [
        {"id": "AP-9", "code": "not_found", "message": "approval 'AP-9' not found"},
        {"id": "AP-3", "code": "conflict", "message": "approval 'AP-3' is already rejected"},
    ]
    given = await decisions_given(dev_env.client, company)
    assert [(d.id, d.decision, d.tool) for d in given] == [
        ("AP-3", "rejected", None),
        ("AP-1", "approved", ToolDecision(scope="task")),
        ("AP-2", "approved", ToolDecision(scope="task")),
    ]
    gone = await api.post("/api/companies/nowhere/approvals/decisions", json={"ids": ["AP-1"], "decision": "approved"})
    assert gone.status_code == 404
