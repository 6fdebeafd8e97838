"""Tasks: create, list, read, and the conversation trace rebuilt from Temporal history."""

from typing import Literal

from fastapi import APIRouter, Query, status
from fastapi.responses import PlainTextResponse

from api import services
from api.deps import ClientDep, StoreDep
from api.schemas import TaskDetail, TaskList
from paperclip.models import CreateTaskInput, TaskRecord, TaskStatus
from paperclip.traces import Trace, trace_to_markdown

router = APIRouter(prefix="/companies/{company}/tasks", tags=["tasks"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=TaskRecord)
async def create_task(company: str, task: CreateTaskInput, client: ClientDep) -> TaskRecord:
    """Queue a task for an agent; 400 when the agent is unknown or the title empty."""
    return await services.create_task(client=client, company_id=company, task=task)


@router.get("", response_model=TaskList)
async def list_tasks(
    company: str,
    client: ClientDep,
    store: StoreDep,
    status: TaskStatus | None = None,
    assignee: str | None = None,
    parent: str | None = None,
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0),
) -> TaskList:
    """Running tasks as the company sees them now, finished ones from the store, oldest first."""
    tasks, count = await services.list_tasks(
        client=client,
        store=store,
        company_id=company,
        status=status,
        assignee=assignee,
        parent=parent,
        limit=limit,
        offset=offset,
    )
    return TaskList(data=tasks, count=count)


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
) -> Trace | PlainTextResponse:
    """Who said what to whom, turn by turn, from the task's workflow history; subtasks nested."""
    trace = await services.get_trace(
        client=client, company_id=company, identifier=identifier, include_children=children
    )
    if format == "md":
        return PlainTextResponse(trace_to_markdown(trace), media_type="text/markdown; charset=utf-8")
    return trace
