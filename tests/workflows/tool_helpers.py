"""Helpers of the tool-loop tests: the workers, a company with a repository, calls and decisions."""

from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from typing import Any

from temporalio.client import Client, WorkflowHandle

from paperclip.constants import task_workflow_id
from paperclip.models import (
    AgentSpec,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    CompanySnapshot,
    CompanySpec,
    CreateTaskInput,
    DecideApprovalInput,
    Message,
    RepositoryConfig,
    TaskStatus,
    ToolCall,
)
from tests.workflows.helpers import company_id_of, start_company
from tests.workflows.stand_ins import ScriptedModel, stand_in_workers
from tests.workflows.tool_stand_ins import (
    PROBE_READ,
    PROBE_RUN,
    ToolHost,
    tool_workers,
)
from workflows.company import CompanyWorkflow

REPO = RepositoryConfig(source="/repos/app")
Company = WorkflowHandle[CompanyWorkflow, object]


def read(call_id: str, path: str, **more: Any) -> ToolCall:
    return ToolCall(id=call_id, name=PROBE_READ, arguments={"path": path, **more})


def run(call_id: str, command: str) -> ToolCall:
    return ToolCall(id=call_id, name=PROBE_RUN, arguments={"command": command})


@asynccontextmanager
async def workers(client: Client, model: ScriptedModel, host: ToolHost, queue: str) -> AsyncIterator[str]:
    async with stand_in_workers(client, model, queue=queue, end=False), tool_workers(client, host, queue):
        yield queue


async def company_with(
    client: Client, queue: str, agent: AgentSpec, *, repository: RepositoryConfig | None = REPO, **spec: Any
) -> Company:
    return await start_company(
        client,
        queue,
        [agent],
        spec=CompanySpec(id="x", name="Acme", prefix="ACME", repository=repository, **spec),
    )


async def assign(company: Company, assignee: str = "dev") -> None:
    await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Fix the build", assignee=assignee))


def task_is(status: TaskStatus) -> Callable[[CompanySnapshot], bool]:
    return lambda s: bool(s.tasks) and s.tasks[0].status is status


def pending_tool_calls(snap: CompanySnapshot) -> list[Approval]:
    return [a for a in snap.approvals if a.kind is ApprovalKind.TOOL_CALL and a.status is ApprovalStatus.PENDING]


def tool_answers(model: ScriptedModel, turn: int) -> list[Message]:
    """The tool messages the model was given on `turn` (1-based)."""
    return [m for m in model.calls[turn - 1].new_messages if m.role == "tool"]


async def decide(company: Company, approval: str, decision: ApprovalStatus, **more: Any) -> Approval:
    return await company.execute_update(
        CompanyWorkflow.decide_approval, DecideApprovalInput(id=approval, decision=decision, **more)
    )


async def history_bytes_per_tool_call(client: Client, company: Company, identifier: str) -> int:
    """Bytes of the task's history events of its `run_tool` calls (scheduled, started, completed),
    per call; printed with the whole history's size for the record."""
    history = await client.get_workflow_handle(task_workflow_id(company_id_of(company), identifier)).fetch_history()
    by_activity: dict[int, str] = {}
    sizes: dict[str, int] = {}
    calls = 0
    for event in history.events:
        scheduled = event.activity_task_scheduled_event_attributes
        if event.HasField("activity_task_scheduled_event_attributes"):
            by_activity[event.event_id] = scheduled.activity_type.name
            kind = scheduled.activity_type.name
            calls += kind == "run_tool"
        elif event.HasField("activity_task_started_event_attributes"):
            kind = by_activity[event.activity_task_started_event_attributes.scheduled_event_id]
        elif event.HasField("activity_task_completed_event_attributes"):
            kind = by_activity[event.activity_task_completed_event_attributes.scheduled_event_id]
        else:
            kind = "other"
        sizes[kind] = sizes.get(kind, 0) + event.ByteSize()
    per_call = sizes["run_tool"] // calls
    print(f"\n{identifier}: {sum(sizes.values())} history bytes; by activity {sizes}; {per_call} bytes per tool call")
    return per_call


async def scheduled(client: Client, company: Company, identifier: str) -> list[str]:
    """The activities the task's history scheduled, by name, in order."""
    history = await client.get_workflow_handle(task_workflow_id(company_id_of(company), identifier)).fetch_history()
    return [
        e.activity_task_scheduled_event_attributes.activity_type.name
        for e in history.events
        if e.HasField("activity_task_scheduled_event_attributes")
    ]
