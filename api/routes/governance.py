"""The board's levers: pause, resume and terminate agents; pause, resume and archive the
company; cancel and reassign tasks; comment on them."""

from fastapi import APIRouter, status

from api import governance
from api.auth import CallerDep
from api.deps import ClientDep
from api.governance import ActionBody, CommentBody, Ok, ReassignBody
from paperclip.models import AgentState, CommentPosted, TaskRecord

router = APIRouter(prefix="/companies/{company}", tags=["governance"])


@router.post("/agents/{agent}/pause", response_model=AgentState)
async def pause_agent(
    company: str, agent: str, client: ClientDep, caller: CallerDep, body: ActionBody | None = None
) -> AgentState:
    """Hold the agent's tasks before their next turn; 404 unknown agent, 409 not pausable."""
    reason = body.reason if body else ""
    return await governance.agent_action(
        client=client, actor=caller.actor, company_id=company, action="pause", agent=agent, reason=reason
    )


@router.post("/agents/{agent}/resume", response_model=AgentState)
async def resume_agent(
    company: str, agent: str, client: ClientDep, caller: CallerDep, body: ActionBody | None = None
) -> AgentState:
    """Let a paused (or failed) agent work again; 409 when it is not paused."""
    reason = body.reason if body else ""
    return await governance.agent_action(
        client=client, actor=caller.actor, company_id=company, action="resume", agent=agent, reason=reason
    )


@router.post("/agents/{agent}/terminate", response_model=AgentState)
async def terminate_agent(
    company: str, agent: str, client: ClientDep, caller: CallerDep, body: ActionBody | None = None
) -> AgentState:
    """Cancel the agent's tasks and move its reports to its manager; 400 for a CEO with reports."""
    reason = body.reason if body else ""
    return await governance.agent_action(
        client=client, actor=caller.actor, company_id=company, action="terminate", agent=agent, reason=reason
    )


@router.post("/pause", response_model=Ok)
async def pause_company(company: str, client: ClientDep, caller: CallerDep, body: ActionBody | None = None) -> Ok:
    """Dispatch nothing and hold every task before its next turn; 409 when already paused."""
    await governance.company_action(
        client=client, actor=caller.actor, company_id=company, action="pause", reason=body.reason if body else ""
    )
    return Ok()


@router.post("/resume", response_model=Ok)
async def resume_company(company: str, client: ClientDep, caller: CallerDep, body: ActionBody | None = None) -> Ok:
    await governance.company_action(
        client=client, actor=caller.actor, company_id=company, action="resume", reason=body.reason if body else ""
    )
    return Ok()


@router.post("/archive", response_model=Ok)
async def archive_company(company: str, client: ClientDep, caller: CallerDep, body: ActionBody | None = None) -> Ok:
    """End the company (its workflow completes; GET still shows it, `archived: true`); 409 while
    tasks are open or when already archived."""
    await governance.company_action(
        client=client, actor=caller.actor, company_id=company, action="archive", reason=body.reason if body else ""
    )
    return Ok()


@router.post("/tasks/{identifier}/cancel", response_model=TaskRecord)
async def cancel_task(
    company: str, identifier: str, client: ClientDep, caller: CallerDep, body: ActionBody | None = None
) -> TaskRecord:
    """Cancel a task and its subtree; 409 when it has already finished."""
    reason = body.reason if body else ""
    return await governance.cancel_task(
        client=client, actor=caller.actor, company_id=company, identifier=identifier, reason=reason
    )


@router.post("/tasks/{identifier}/reassign", response_model=TaskRecord)
async def reassign_task(
    company: str, identifier: str, body: ReassignBody, client: ClientDep, caller: CallerDep
) -> TaskRecord:
    """Hand the task to another agent; 400 for an unknown or unavailable agent."""
    return await governance.reassign_task(
        client=client, actor=caller.actor, company_id=company, identifier=identifier, assignee=body.assignee
    )


@router.post("/tasks/{identifier}/comments", status_code=status.HTTP_201_CREATED, response_model=CommentPosted)
async def post_comment(
    company: str, identifier: str, body: CommentBody, client: ClientDep, caller: CallerDep
) -> CommentPosted:
    """Comment on an open task; `@name` wakes that agent too. Returns the tasks it reached. With
    a task token the author is the token's agent."""
    author = body.author if caller.is_board else caller.actor  # a key's user, or a token's agent
    reached = await governance.post_comment(
        client=client, company_id=company, identifier=identifier, body=body.body, author=author
    )
    return CommentPosted(reached=reached)
