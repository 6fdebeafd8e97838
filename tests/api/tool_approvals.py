"""Approvals of kind `tool_call` opened in a real company workflow, as a task's tool loop asks
(the `approval_requested` signal), and the decisions the company workflow was given (its history)."""

import asyncio
import uuid
from typing import Any

from temporalio.api.enums.v1 import EventType
from temporalio.client import Client

from paperclip.constants import company_workflow_id
from paperclip.models import ApprovalKind, ApprovalRequest, DecideApprovalInput, ToolCallRequest
from workflows.company import CompanyWorkflow


async def ask_tool_call(client: Client, company: str, command: str, *, task: str = "ACME-99") -> None:
    """A task of `company` asks the board whether it may run `command` (`stand_in_run`)."""
    request = ApprovalRequest(
        request_id=str(uuid.uuid4()),
        kind=ApprovalKind.TOOL_CALL,
        title=f"stand_in_run: {command}",
        requested_by="cto",
        task=task,
        tool_call=ToolCallRequest(
            call_id=f"call-{uuid.uuid4().hex[:8]}",
            tool="stand_in_run",
            arguments={"command": command},
            subject=command,
            reason="The tests must pass before I commit.",
            why_asked="stand_in_run asks by default",
        ),
    )
    await client.get_workflow_handle(company_workflow_id(company)).signal(CompanyWorkflow.approval_requested, request)


async def decisions_given(client: Client, company: str) -> list[DecideApprovalInput]:
    """Every `decide_approval` the company workflow accepted, in order, as it was sent."""
    found: list[DecideApprovalInput] = []
    async for event in client.get_workflow_handle(company_workflow_id(company)).fetch_history_events():
        if event.event_type != EventType.EVENT_TYPE_WORKFLOW_EXECUTION_UPDATE_ACCEPTED:
            continue
        request = event.workflow_execution_update_accepted_event_attributes.accepted_request
        if request.input.name != "decide_approval":
            continue
        [decided] = await client.data_converter.decode(request.input.args.payloads, [DecideApprovalInput])
        found.append(decided)
    return found


async def wait_for_approvals(api: Any, company: str, count: int) -> list[dict[str, Any]]:
    """Poll until the company holds `count` approvals."""
    for _ in range(200):
        listed = (await api.get(f"/api/companies/{company}/approvals")).json()["data"]
        if len(listed) >= count:
            return listed
        await asyncio.sleep(0.05)
    raise AssertionError(f"never {count} approvals in {company}")
