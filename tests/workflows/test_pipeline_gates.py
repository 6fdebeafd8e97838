"""A pipeline run that stops while a step waits at its approval gate withdraws the gate: the
approval is cancelled with a note naming the run, so the board's inbox keeps nothing pending
that nobody waits for; deciding it afterwards is refused."""

import asyncio

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from paperclip.models import ApprovalStatus, DecideApprovalInput
from paperclip.models.pipeline_steps import PipelineCancel
from paperclip.models.pipelines import PipelineSpec, PipelineStep, RunStatus, StepApproval, StepStatus
from tests.workflows.helpers import start_company, wait_for
from tests.workflows.pipeline_helpers import StepModel, pipeline_workers, start_run, step, team, wait_run
from workflows.company import CompanyWorkflow
from workflows.pipeline import PipelineWorkflow


async def test_a_cancelled_run_cancels_the_gate_its_step_waits_at(dev_env: WorkflowEnvironment) -> None:
    spec = PipelineSpec(
        name="careful", steps=[PipelineStep(id="publish", agent="a", task="go", approval=StepApproval(title="Go?"))]
    )
    async with pipeline_workers(dev_env.client, StepModel()) as queue:
        company = await start_company(dev_env.client, queue, team("a"))
        run = await start_run(dev_env.client, queue, company, spec)
        state = await wait_run(run, lambda s: step(s, "publish").approval is not None)
        gate = step(state, "publish").approval
        await run.execute_update(PipelineWorkflow.cancel, PipelineCancel(reason="changed my mind", actor="ana"))
        state = await run.result()
        snap = await wait_for(company, lambda s: all(a.status is not ApprovalStatus.PENDING for a in s.approvals))
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await company.execute_update(
                CompanyWorkflow.decide_approval, DecideApprovalInput(id=gate, decision=ApprovalStatus.APPROVED)
            )
    assert state.status is RunStatus.CANCELLED and step(state, "publish").status is StepStatus.CANCELLED
    [approval] = snap.approvals
    assert approval.id == gate and approval.status is ApprovalStatus.CANCELLED
    assert approval.note == f"pipeline run {state.run_id} stopped: cancelled by ana: changed my mind"
    assert approval.decided_by == "pipeline:careful" and approval.decided_at is not None
    assert any(e.kind == "approval.cancelled" and gate in e.summary for e in snap.recent)
    assert f"already {ApprovalStatus.CANCELLED}" in str(refused.value.cause)
    assert snap.tasks == []  # the gated step never got a task


async def test_a_run_failing_elsewhere_cancels_a_waiting_gate(dev_env: WorkflowEnvironment) -> None:
    hold = asyncio.Event()
    spec = PipelineSpec(
        name="split",
        steps=[
            PipelineStep(id="gated", agent="a", task="go", approval=StepApproval()),
            PipelineStep(id="slow", agent="a", task="wait"),
            PipelineStep(id="bad", agent="ghost", task="nobody can do this", needs=["slow"]),
        ],
    )
    async with pipeline_workers(dev_env.client, StepModel(gates={"a": hold})) as queue:
        company = await start_company(dev_env.client, queue, team("a"))
        run = await start_run(dev_env.client, queue, company, spec)
        await wait_run(run, lambda s: step(s, "gated").approval is not None and step(s, "slow").task is not None)
        hold.set()  # `slow` ends, `bad` is refused (no agent 'ghost'), the run fails
        state = await run.result()
        snap = await wait_for(company, lambda s: all(a.status is not ApprovalStatus.PENDING for a in s.approvals))
    assert state.status is RunStatus.FAILED and step(state, "gated").status is StepStatus.CANCELLED
    [approval] = snap.approvals
    assert approval.status is ApprovalStatus.CANCELLED
    assert approval.note.startswith(f"pipeline run {state.run_id} stopped: step bad failed")
