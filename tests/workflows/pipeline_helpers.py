"""Stand-ins and helpers for the pipeline run tests: a model whose agents answer as scripted
(and may wait for a gate), a store that keeps run records in memory, and workers that run the
real company, task and pipeline workflows."""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator, Callable
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from temporalio import activity
from temporalio.client import Client, WorkflowHandle
from temporalio.worker import Worker

from activities.pipelines import PipelineActivities
from activities.templates import TemplateActivities
from paperclip.constants import llm_queue, pipeline_workflow_id
from paperclip.models import (
    AgentSpec,
    Message,
    ModelTurnInput,
    ModelTurnResult,
    Provider,
    ToolCall,
    Usage,
)
from paperclip.models.pipeline_records import PipelineRunRecord
from paperclip.models.pipelines import PipelineRunInput, PipelineRunState, PipelineSpec, RunStatus
from paperclip.pipeline_runs import named
from paperclip.tools import COMPLETE_TASK
from tests.workflows.helpers import company_id_of
from tests.workflows.stand_ins import STANDING, RecordingStore, end_companies
from workflows.company import CompanyWorkflow
from workflows.pipeline import PipelineWorkflow
from workflows.task import TaskWorkflow


@dataclass
class StepModel:
    """Each agent completes its task with its next scripted result (else `<agent> done`), after
    its gate (if it has one) opens; every call's first message (the assignment) is kept by task."""

    results: dict[str, list[str]] = field(default_factory=dict)
    gates: dict[str, asyncio.Event] = field(default_factory=dict)
    cost_usd: float = 0.001
    assignments: dict[str, str] = field(default_factory=dict)
    """Task identifier → what its agent first read."""
    agents: dict[str, str] = field(default_factory=dict)
    """Task identifier → its agent."""
    answered: dict[str, list[str]] = field(default_factory=dict)
    """Task identifier → the tool answers its later turns were given."""
    spans: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Agent → when its (last) call started and ended (monotonic seconds)."""
    cancelled: list[str] = field(default_factory=list)

    @activity.defn(name="model_turn")
    async def model_turn(self, input: ModelTurnInput) -> ModelTurnResult:
        if input.standing is not None:
            standing = STANDING[input.standing]
            input = input.model_copy(update={"system_prompt": standing.system_prompt, "tools": standing.tools})
        task, agent = input.session.task, input.session.agent
        self.agents[task] = agent
        if input.seq == 1:
            self.assignments[task] = input.new_messages[0].content
        else:
            self.answered.setdefault(task, []).extend(m.content for m in input.new_messages if m.role == "tool")
        started = time.monotonic()
        gate = self.gates.get(agent)
        if gate is not None:
            try:
                while not gate.is_set():
                    activity.heartbeat()
                    await asyncio.sleep(0.05)
            except asyncio.CancelledError:
                self.cancelled.append(task)
                raise
        script = self.results.get(agent)
        result = script.pop(0) if script else f"{agent} done"
        self.spans[agent] = (started, time.monotonic())
        call = ToolCall(id=f"call-{input.seq}", name=COMPLETE_TASK, arguments={"result": result})
        return ModelTurnResult(
            reply=Message(role="assistant", content="", tool_calls=[call], author=agent),
            usage=Usage(input_tokens=100, output_tokens=10),
            cost_usd=self.cost_usd,
            provider=Provider.SIMULATED,
            model="scripted",
            simulated=True,
        )


@dataclass
class MemoryRuns:
    """The store's pipeline runs, in memory (`activities.pipelines.PipelineRunStore`)."""

    records: list[tuple[PipelineRunState, dict[str, Any]]] = field(default_factory=list)
    """Each write: the state, and what else was written with it (digest, inputs, start)."""

    def record_pipeline_run(self, state: PipelineRunState, **pinned: Any) -> None:
        self.records.append((state, pinned))

    def get_pipeline_run(
        self, company_id: str, run_id: str | None = None, *, idempotency_key: str | None = None
    ) -> PipelineRunRecord | None:
        first = next((r for r in self.records if r[0].run_id == run_id), None)
        if first is None:
            return None
        state, pinned = first
        return PipelineRunRecord(
            company_id=company_id, run_id=state.run_id, pipeline=state.pipeline, version=state.version,
            status=state.status, state=state, **pinned,
        )  # fmt: skip


def team(*names: str) -> list[AgentSpec]:
    """A CEO and the named agents reporting to it."""
    return [AgentSpec(name="ceo", role="ceo")] + [AgentSpec(name=n, role="engineer", reports_to="ceo") for n in names]


@asynccontextmanager
async def pipeline_workers(
    client: Client, model: StepModel, runs: MemoryRuns | None = None, *, queue: str | None = None, end: bool = True
) -> AsyncIterator[str]:
    """The real company, task and pipeline workflows with stand-in activities; yields the queue.
    With `end` the companies started on it are ended when the workers stop."""
    queue = queue or f"test-{uuid.uuid4().hex}"
    store = RecordingStore()
    async with (
        Worker(
            client,
            task_queue=queue,
            workflows=[CompanyWorkflow, TaskWorkflow, PipelineWorkflow],
            activities=[
                store.record,
                store.store_standing,
                store.notify,
                TemplateActivities(None).agent_from_template,
                PipelineActivities(runs or MemoryRuns()).record_pipeline_run,
            ],
        ),
        Worker(client, task_queue=llm_queue(queue), activities=[model.model_turn]),
    ):
        try:
            yield queue
        finally:
            if end:
                await end_companies(client, queue)


async def start_run(
    client: Client,
    queue: str,
    company: WorkflowHandle[CompanyWorkflow, Any],
    spec: PipelineSpec,
    inputs: dict[str, Any] | None = None,
    **fields: Any,
) -> WorkflowHandle[PipelineWorkflow, PipelineRunState]:
    company_id = company_id_of(company)
    run_id = uuid.uuid4().hex[:12]
    return await client.start_workflow(
        PipelineWorkflow.run,
        PipelineRunInput(
            company_id=company_id,
            run_id=run_id,
            pipeline=spec.name,
            version=1,
            digest="0" * 64,
            spec=named(spec),
            inputs=inputs or {},
            **fields,
        ),
        id=pipeline_workflow_id(company_id, run_id),
        task_queue=queue,
    )


async def wait_run(
    handle: WorkflowHandle[PipelineWorkflow, PipelineRunState],
    done: Callable[[PipelineRunState], bool],
    *,
    timeout: float = 20,
) -> PipelineRunState:
    """Poll the run's state until `done` holds."""
    deadline = time.monotonic() + timeout
    while True:
        state = await handle.query(PipelineWorkflow.run_state)
        if done(state):
            return state
        if time.monotonic() > deadline:
            raise AssertionError(f"condition not met: {state.model_dump_json(indent=1)}")
        await asyncio.sleep(0.05)


def step(state: PipelineRunState, step_id: str) -> Any:
    return next(s for s in state.steps if s.id == step_id)


def finished(state: PipelineRunState) -> bool:
    return state.status is not RunStatus.RUNNING


def at(value: datetime | None) -> datetime:
    assert value is not None
    return value
