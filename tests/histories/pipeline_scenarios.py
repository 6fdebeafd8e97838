"""Recording scenarios of pipeline runs beyond `scenarios.pipeline` (registered in `SCENARIOS`)."""

import asyncio

from temporalio.client import WorkflowHandle

from paperclip.constants import pipeline_workflow_id
from paperclip.models import AgentSpec, AgentStatus, ApprovalStatus, Role
from paperclip.models.pipeline_steps import PipelineCancel
from paperclip.models.pipelines import (
    PipelineRunInput,
    PipelineRunState,
    PipelineSpec,
    PipelineStep,
    RunStatus,
    StepApproval,
)
from paperclip.pipeline_runs import named
from tests.histories.stage import Company, Stage
from tests.workflows.helpers import wait_for
from workflows.pipeline import PipelineWorkflow

TIMEOUT = 60
"""Seconds a scenario waits for its company or run to reach a state."""


async def pipelinetemplate(stage: Stage) -> Company:
    """Two runs (`pipeline-templates`): the first's `template` step hires a temporary agent from
    the `summarizer` template (on the simulated model: the recording deployment has no OpenAI
    key), which does the step's task and is retired as the run ends; the second is cancelled
    while its step waits at its approval gate, which is cancelled with it."""
    ceo = AgentSpec(name="ceo", role=Role.CEO, model=stage.fake_model())
    company = await stage.start_company("pipelinetemplate", [ceo])

    async def run(run_id: str, spec: PipelineSpec) -> WorkflowHandle[PipelineWorkflow, PipelineRunState]:
        input = PipelineRunInput(
            company_id="pipelinetemplate", run_id=run_id, pipeline=spec.name, version=1, digest="0" * 64,
            spec=named(spec),
        )  # fmt: skip
        workflow_id = pipeline_workflow_id("pipelinetemplate", run_id)
        return await stage.client.start_workflow(PipelineWorkflow.run, input, id=workflow_id, task_queue=stage.queue)

    hired = PipelineSpec(name="digest", steps=[PipelineStep(id="summary", template="summarizer", task="Summarise.")])
    first = await run("r1", hired)
    state = await asyncio.wait_for(first.result(), TIMEOUT)
    assert state.status is RunStatus.DONE, state
    await wait_for(
        company,
        lambda s: any(a.spec.template == "summarizer" and a.status is AgentStatus.TERMINATED for a in s.agents),
        timeout=TIMEOUT,
    )

    gated = PipelineSpec(name="gated", steps=[PipelineStep(id="go", agent="ceo", task="Go.", approval=StepApproval())])
    second = await run("r2", gated)
    await wait_for(company, lambda s: any(a.status is ApprovalStatus.PENDING for a in s.approvals), timeout=TIMEOUT)
    await second.execute_update(PipelineWorkflow.cancel, PipelineCancel(reason="not now"))
    state = await asyncio.wait_for(second.result(), TIMEOUT)
    assert state.status is RunStatus.CANCELLED, state
    await wait_for(company, lambda s: all(a.status is ApprovalStatus.CANCELLED for a in s.approvals), timeout=TIMEOUT)
    return company
