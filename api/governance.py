"""The board's levers, as service functions: each sends one validated update to the company
workflow (`workflows/company_governance.py`) and returns its answer.

A rejected update reaches `api.errors` as 400/404/409. An update sent to a company whose
workflow has ended (archived) is answered 409 here, and one to no company at all 404, rather
than Temporal's bare NOT_FOUND.
"""

from collections.abc import Awaitable
from typing import Annotated, Literal, TypeVar

from pydantic import BaseModel, Field, StringConstraints
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiError
from api.services import _company_handle
from paperclip.models import (
    NOT_BLANK,
    AgentActionInput,
    AgentState,
    CommentInput,
    CompanyActionInput,
    ReassignTaskInput,
    TaskActionInput,
    TaskRecord,
)
from workflows.company import CompanyWorkflow

BOARD = "board"
"""Who acts through the API until there are users."""

T = TypeVar("T")


class ActionBody(BaseModel):
    """Why the board pauses, resumes, terminates, archives or cancels (shown in the activity log)."""

    reason: str = Field(default="", max_length=2_000)


class ReassignBody(BaseModel):
    assignee: str = Field(min_length=1, max_length=63)


class CommentBody(BaseModel):
    body: Annotated[
        str,
        StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000),
        Field(json_schema_extra={"pattern": NOT_BLANK}),
    ]
    author: str = Field(default=BOARD, min_length=1, max_length=63)


class Ok(BaseModel):
    ok: bool = True


async def _update(client: Client, company_id: str, call: Awaitable[T]) -> T:
    """Await an update; a missing or ended company workflow becomes 404 or 409 naming the company."""
    try:
        return await call
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
    try:
        description = await _company_handle(client, company_id).describe()
    except RPCError as err:
        if err.status == RPCStatusCode.NOT_FOUND:
            raise ApiError(404, "not_found", f"company '{company_id}' not found") from None
        raise
    if description.status == WorkflowExecutionStatus.COMPLETED:
        raise ApiError(409, "conflict", f"company '{company_id}' is archived")
    state = description.status.name.lower() if description.status else "closed"
    raise ApiError(409, "conflict", f"company '{company_id}' is not running ({state})")


# ---------------------------------------------------------------------- agents


AgentAction = Literal["pause", "resume", "terminate"]
CompanyAction = Literal["pause", "resume", "archive"]

_AGENT_UPDATES = {
    "pause": CompanyWorkflow.pause_agent,
    "resume": CompanyWorkflow.resume_agent,
    "terminate": CompanyWorkflow.terminate_agent,
}
_COMPANY_UPDATES = {
    "pause": CompanyWorkflow.pause_company,
    "resume": CompanyWorkflow.resume_company,
    "archive": CompanyWorkflow.archive_company,
}


async def agent_action(
    *, client: Client, company_id: str, action: AgentAction, agent: str, reason: str, actor: str = BOARD
) -> AgentState:
    """Pause, resume or terminate an agent (see `CompanyWorkflow` for what each does)."""
    update = AgentActionInput(agent=agent, reason=reason, actor=actor)
    handle = _company_handle(client, company_id)
    return await _update(client, company_id, handle.execute_update(_AGENT_UPDATES[action], update))


# ---------------------------------------------------------------------- the company


async def company_action(
    *, client: Client, company_id: str, action: CompanyAction, reason: str, actor: str = BOARD, brake: bool = False
) -> None:
    """Pause, resume or archive the company (archive is refused while tasks are open); with
    `brake`, as the emergency brake (`api.brake`)."""
    update = CompanyActionInput(reason=reason, actor=actor, brake=brake)
    handle = _company_handle(client, company_id)
    await _update(client, company_id, handle.execute_update(_COMPANY_UPDATES[action], update))


# ---------------------------------------------------------------------- tasks


async def cancel_task(
    *, client: Client, company_id: str, identifier: str, reason: str, actor: str = BOARD
) -> TaskRecord:
    """Cancel a task and its subtree: a queued one at once, a running one at its next step."""
    handle = _company_handle(client, company_id)
    update = TaskActionInput(identifier=identifier, reason=reason, actor=actor)
    return await _update(client, company_id, handle.execute_update(CompanyWorkflow.cancel_task, update))


async def reassign_task(
    *, client: Client, company_id: str, identifier: str, assignee: str, actor: str = BOARD
) -> TaskRecord:
    handle = _company_handle(client, company_id)
    update = ReassignTaskInput(identifier=identifier, assignee=assignee, actor=actor)
    return await _update(client, company_id, handle.execute_update(CompanyWorkflow.reassign_task, update))


async def post_comment(*, client: Client, company_id: str, identifier: str, body: str, author: str) -> list[str]:
    """Comment on a task; returns the identifiers of the tasks it reached."""
    handle = _company_handle(client, company_id)
    update = CommentInput(identifier=identifier, body=body, author=author)
    return await _update(client, company_id, handle.execute_update(CompanyWorkflow.post_comment, update))
