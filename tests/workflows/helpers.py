"""Small helpers shared by the workflow tests."""

import asyncio
import uuid
from collections.abc import Callable
from datetime import timedelta

from temporalio.client import Client, WorkflowHandle
from temporalio.service import RPCError

from paperclip.constants import company_workflow_id, task_workflow_id
from paperclip.models import AgentSpec, CompanyInput, CompanySnapshot, CompanySpec, TaskInput, TaskResult
from tests.workflows.stand_ins import STARTED
from workflows.company import CompanyWorkflow
from workflows.task import TaskWorkflow


def org(*, reports: int = 2) -> list[AgentSpec]:
    """A CEO with `reports` direct reports."""
    return [AgentSpec(name="ceo", role="ceo", title="Chief Executive")] + [
        AgentSpec(name=f"r{i}", role="engineer", reports_to="ceo") for i in range(1, reports + 1)
    ]


async def start_company(
    client: Client,
    queue: str,
    agents: list[AgentSpec],
    *,
    spec: CompanySpec | None = None,
    task_timeout: timedelta | None = None,
    **input_fields: object,
) -> WorkflowHandle[CompanyWorkflow, object]:
    """Start a company (`spec`'s policies, under a fresh id) on `queue`; `task_timeout` is its
    workflow tasks' (its tasks inherit it)."""
    company_id = f"co-{uuid.uuid4().hex[:10]}"
    spec = (spec or CompanySpec(id=company_id, name="Acme", prefix="ACME")).model_copy(update={"id": company_id})
    handle = await client.start_workflow(
        CompanyWorkflow.run,
        CompanyInput(spec=spec, agents=agents, **input_fields),
        id=company_workflow_id(company_id),
        task_queue=queue,
        task_timeout=task_timeout,
    )
    STARTED.setdefault(queue, []).append(handle)
    return handle


def company_id_of(handle: WorkflowHandle[CompanyWorkflow, object]) -> str:
    return handle.id.split(":", 1)[1]


async def start_task(
    client: Client,
    queue: str,
    company: WorkflowHandle[CompanyWorkflow, object],
    *,
    identifier: str,
    agent: AgentSpec,
    title: str = "Plan",
    **input_fields: object,
) -> WorkflowHandle[TaskWorkflow, TaskResult]:
    """Start a task workflow directly (not dispatched by the company), reporting to `company`."""
    company_id = company_id_of(company)
    return await client.start_workflow(
        TaskWorkflow.run,
        TaskInput(company_id=company_id, identifier=identifier, title=title, agent=agent, **input_fields),
        id=task_workflow_id(company_id, identifier),
        task_queue=queue,
    )


async def wait_for(
    handle: WorkflowHandle[CompanyWorkflow, object],
    done: Callable[[CompanySnapshot], bool],
    *,
    timeout: float = 20,
) -> CompanySnapshot:
    """Poll the snapshot until `done` holds; fail with the last snapshot's tasks if it never does."""
    deadline = asyncio.get_running_loop().time() + timeout
    snap: CompanySnapshot | None = None
    while True:
        try:
            snap = await handle.query(CompanyWorkflow.snapshot)
        except RPCError:
            # A query during a worker's failover can fail (it went to the dead worker's sticky
            # queue); the next one reaches the replacement.
            if snap is None and asyncio.get_running_loop().time() > deadline:
                raise
        else:
            if done(snap):
                return snap
        if asyncio.get_running_loop().time() > deadline:
            assert snap is not None
            tasks = [(t.identifier, t.status.value) for t in snap.tasks]
            raise AssertionError(
                f"condition not met; paused={snap.paused} spend={snap.spend} "
                f"approvals={[(a.kind.value, a.status.value) for a in snap.approvals]} tasks={tasks}"
            )
        await asyncio.sleep(0.05)


async def histories_of(client: Client, company_id: str) -> str:
    """Every event of every run of the company's workflows (the company and its tasks), payloads
    as stored (JSON, unless a codec encrypts them): to search for what must never be in history."""
    texts = []
    async for execution in client.list_workflows(
        f"WorkflowId STARTS_WITH 'company:{company_id}' OR WorkflowId STARTS_WITH 'task:{company_id}:'"
    ):
        history = await client.get_workflow_handle(execution.id, run_id=execution.run_id).fetch_history()
        texts += [event.SerializeToString().decode("utf-8", "replace") for event in history.events]
    assert texts, f"no workflows of {company_id}"
    return "\n".join(texts)
