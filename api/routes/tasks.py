"""Tasks: create, list, read, the conversation trace rebuilt from Temporal history, and the
calls an agent working outside the workers makes on its task (with its task token, or the board
for it): complete, subtasks, approval requests, escalate."""

from typing import Literal

from fastapi import APIRouter, Query, Response, status
from temporalio.client import Client

from api import services
from api.auth import Caller, CallerDep
from api.dependencies import add_blocker, with_met_blockers
from api.deps import ClientDep, StoreDep
from api.projects import check_labels
from api.recent import FINISHED, RECENT
from paperclip.models import (
    AgentCall,
    AgentCallAnswer,
    CreateTaskInput,
    TaskDetail,
    TaskList,
    TaskRecord,
    TaskStatus,
    Trace,
)
from paperclip.models.dependencies import AddBlockerInput, NewBlocker
from paperclip.models.projects import LabelName, ProjectKey
from paperclip.tools import (
    CompleteTaskArguments,
    DelegateTaskArguments,
    EscalateArguments,
    RequestApprovalArguments,
    ToolArguments,
)
from paperclip.traces import trace_to_markdown

router = APIRouter(prefix="/companies/{company}/tasks", tags=["tasks"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TaskRecord)
async def create_task(
    company: str, task: CreateTaskInput, client: ClientDep, store: StoreDep, caller: CallerDep
) -> TaskRecord:
    """Queue a task for an agent; 400 when the agent or project is unknown or the title empty, or a
    blocker (`blocked_by`) is unknown, another company's, the task itself or closes a cycle (named);
    422 for a label the company does not have; 409 when a blocker failed or was cancelled. It waits
    queued until its blockers are done. The activity log names the caller as who asked (an `actor`
    in the body is ignored)."""
    await check_labels(store=store, company_id=company, names=task.labels)
    task = await with_met_blockers(client=client, store=store, company_id=company, task=task)
    return await services.create_task(
        client=client, company_id=company, task=task.model_copy(update={"actor": caller.actor})
    )


@router.post("/{identifier}/blockers", response_model=TaskRecord)
async def add_task_blocker(
    company: str, identifier: str, body: NewBlocker, client: ClientDep, store: StoreDep, caller: CallerDep
) -> TaskRecord:
    """Make a queued task also wait for another (and take its result, with `input`); 400 for an
    unknown blocker or one that would close a cycle (the message names it), 409 once it started."""
    request = AddBlockerInput(identifier=identifier, blocked_by=body.blocked_by, input=body.input, actor=caller.actor)
    return await add_blocker(client=client, store=store, company_id=company, request=request)


@router.get("", response_model=TaskList)
async def list_tasks(
    company: str,
    client: ClientDep,
    store: StoreDep,
    status: TaskStatus | None = None,
    assignee: str | None = None,
    parent: str | None = None,
    project: ProjectKey | None = Query(default=None, description="Only tasks of this project (`WEB`)."),
    label: LabelName | None = Query(default=None, description="Only tasks carrying this label."),
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0),
    order: Literal["asc", "desc"] = Query(default="asc", description="`asc`: oldest first; `desc`: newest first."),
) -> TaskList:
    """Running tasks as the company sees them now, finished ones from the store, oldest first
    (newest first with `order=desc`); `?project=` and `?label=` filter."""
    tasks, count = await services.list_tasks(
        client=client,
        store=store,
        company_id=company,
        status=status,
        assignee=assignee,
        parent=parent,
        project=project,
        label=label,
        limit=limit,
        offset=offset,
        newest_first=order == "desc",
    )
    return TaskList(data=tasks, count=len(tasks), total=count)


@router.get("/{identifier}", response_model=TaskDetail)
async def get_task(company: str, identifier: str, client: ClientDep, store: StoreDep) -> TaskDetail:
    return await services.get_task(client=client, store=store, company_id=company, identifier=identifier)


@router.get(
    "/{identifier}/trace",
    response_model=Trace,
    responses={200: {"content": {"text/markdown": {}}, "description": "The trace (JSON or Markdown)"}},
)
async def get_trace(
    company: str,
    identifier: str,
    client: ClientDep,
    format: Literal["json", "md"] = "json",
    children: bool = True,
) -> Response:
    """Who said what to whom, turn by turn, from the task's workflow history; subtasks nested."""
    media = "text/markdown; charset=utf-8" if format == "md" else "application/json"
    key = (company, identifier, children, format, id(client))
    body = FINISHED.get(key)
    if body is None:
        # Readers of one running task share a rebuild per half second (`api.recent`); the trace of
        # a task that ended with all its subtasks never changes again, so it is kept.
        async def encoded() -> tuple[bytes, bool]:
            trace = await services.get_trace(
                client=client, company_id=company, identifier=identifier, include_children=children
            )
            text = trace_to_markdown(trace).encode() if format == "md" else trace.model_dump_json().encode()
            return text, finished(trace)

        body, done = await RECENT.get((company, "trace", *key[1:]), encoded)
        if done:
            FINISHED.put(key, body)
    return Response(content=body, media_type=media)


def finished(trace: Trace) -> bool:
    return trace.status is not None and all(finished(child) for child in trace.children)


async def _call(client: Client, caller: Caller, company: str, identifier: str, body: ToolArguments) -> AgentCallAnswer:
    """The body, already checked against its tool's argument model, as the agent's tool call."""
    agent = caller.scope.agent if caller.scope is not None else None
    call = AgentCall.model_validate({"agent": agent, "tool": body.tool, "arguments": body.model_dump()})
    return await services.agent_call(client=client, company_id=company, identifier=identifier, call=call)


@router.post("/{identifier}/complete", response_model=AgentCallAnswer)
async def complete_task(
    company: str, identifier: str, body: CompleteTaskArguments, client: ClientDep, caller: CallerDep
) -> AgentCallAnswer:
    """Finish the task with this result; 400 while its subtasks are open, 409 once it has finished."""
    return await _call(client, caller, company, identifier, body)


@router.post("/{identifier}/subtasks", status_code=status.HTTP_201_CREATED, response_model=AgentCallAnswer)
async def create_subtask(
    company: str, identifier: str, body: DelegateTaskArguments, client: ClientDep, caller: CallerDep
) -> AgentCallAnswer:
    """Delegate part of the task to someone in the agent's team; its result comes back to the task."""
    return await _call(client, caller, company, identifier, body)


@router.post("/{identifier}/approval-requests", status_code=status.HTTP_201_CREATED, response_model=AgentCallAnswer)
async def request_approval(
    company: str, identifier: str, body: RequestApprovalArguments, client: ClientDep, caller: CallerDep
) -> AgentCallAnswer:
    """Ask the board; the task waits for the decision, which is its next turn's input."""
    return await _call(client, caller, company, identifier, body)


@router.post("/{identifier}/escalate", response_model=AgentCallAnswer)
async def escalate(
    company: str, identifier: str, body: EscalateArguments, client: ClientDep, caller: CallerDep
) -> AgentCallAnswer:
    """Hand the task to the agent's manager, with the reason."""
    return await _call(client, caller, company, identifier, body)
