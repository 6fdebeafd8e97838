"""The board's levers, as service functions: each sends one validated update to the company
workflow (`workflows/company_governance.py`) and returns its answer.

A rejected update reaches `api.errors` as 400/404/409. An update sent to a company whose
workflow has ended (archived) is answered 409 here, and one to no company at all 404, rather
than Temporal's bare NOT_FOUND.
"""

from collections.abc import Awaitable
from typing import Annotated, TypeVar

from pydantic import BaseModel, Field, StringConstraints
from temporalio.client import Client, WorkflowExecutionStatus
from temporalio.service import RPCError, RPCStatusCode

from api.errors import ApiError
from api.services import _company_handle
from paperclip.models import (
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
    body: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=20_000)]
    author: str = Field(default=BOARD, min_length=1, max_length=63)


class CommentPosted(BaseModel):
    """The tasks a comment reached: the one commented on, then those of agents it @-mentioned."""

    reached: list[str]


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


async def pause_agent(*, client: Client, company_id: str, agent: str, reason: str) -> AgentState:
    """The agent's tasks hold before their next turn; nothing new is dispatched to it."""
    handle = _company_handle(client, company_id)
    update = AgentActionInput(agent=agent, reason=reason, actor=BOARD)
    return await _update(client, company_id, handle.execute_update(CompanyWorkflow.pause_agent, update))


async def resume_agent(*, client: Client, company_id: str, agent: str, reason: str) -> AgentState:
    handle = _company_handle(client, company_id)
    update = AgentActionInput(agent=agent, reason=reason, actor=BOARD)
    return await _update(client, company_id, handle.execute_update(CompanyWorkflow.resume_agent, update))


async def terminate_agent(*, client: Client, company_id: str, agent: str, reason: str) -> AgentState:
    """The agent leaves: its tasks are cancelled and its reports move to its manager."""
    handle = _company_handle(client, company_id)
    update = AgentActionInput(agent=agent, reason=reason, actor=BOARD)
    return await _update(client, company_id, handle.execute_update(CompanyWorkflow.terminate_agent, update))


# ---------------------------------------------------------------------- the company


async def pause_company(*, client: Client, company_id: str, reason: str) -> None:
    handle = _company_handle(client, company_id)
    update = CompanyActionInput(reason=reason, actor=BOARD)
    await _update(client, company_id, handle.execute_update(CompanyWorkflow.pause_company, update))


async def resume_company(*, client: Client, company_id: str, reason: str) -> None:
    handle = _company_handle(client, company_id)
    update = CompanyActionInput(reason=reason, actor=BOARD)
    await _update(client, company_id, handle.execute_update(CompanyWorkflow.resume_company, update))


async def archive_company(*, client: Client, company_id: str, reason: str) -> None:
    """End the company's workflow (refused while tasks are open); its records stay readable."""
    handle = _company_handle(client, company_id)
    update = CompanyActionInput(reason=reason, actor=BOARD)
    await _update(client, company_id, handle.execute_update(CompanyWorkflow.archive_company, update))


# ---------------------------------------------------------------------- tasks


async def cancel_task(*, client: Client, company_id: str, identifier: str, reason: str) -> TaskRecord:
    """Cancel a task and its subtree: a queued one at once, a running one at its next step."""
    handle = _company_handle(client, company_id)
    update = TaskActionInput(identifier=identifier, reason=reason, actor=BOARD)
    return await _update(client, company_id, handle.execute_update(CompanyWorkflow.cancel_task, update))


async def reassign_task(*, client: Client, company_id: str, identifier: str, assignee: str) -> TaskRecord:
    handle = _company_handle(client, company_id)
    update = ReassignTaskInput(identifier=identifier, assignee=assignee, actor=BOARD)
    return await _update(client, company_id, handle.execute_update(CompanyWorkflow.reassign_task, update))


async def post_comment(*, client: Client, company_id: str, identifier: str, body: str, author: str) -> list[str]:
    """Comment on a task; returns the identifiers of the tasks it reached."""
    handle = _company_handle(client, company_id)
    update = CommentInput(identifier=identifier, body=body, author=author)
    return await _update(client, company_id, handle.execute_update(CompanyWorkflow.post_comment, update))
