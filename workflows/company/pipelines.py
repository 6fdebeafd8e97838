"""Pipeline runs' steps as the company's own work, part of `CompanyWorkflow`.

A run (`PipelineWorkflow`) asks by the `pipeline_step` signal: a step's task is queued like any
top-level task (numbered, prioritised, dispatched within the agents' and the company's caps,
budgeted, approved and traced as any; a `template` step's once its temporary agent is hired,
`workflows.company.pipeline_agents`), a step's approval gate is an approval of kind `board`, a
cancel cancels the run's open tasks and pending gates, and a `release` retires the run's
temporary agents. The company answers the run by its `step_news` signal — the task it queued or
why it refused, a budgeted step's spend as it goes, how the task ended, the gate's decision —
sent with the loop's next pass (`_send_pipeline_news`).
Signals are at-least-once: a repeated request is answered again, never done twice.
"""

import asyncio

from temporalio import workflow
from temporalio.exceptions import ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from paperclip.constants import PipelineSignal, pipeline_workflow_id
    from paperclip.models import ApprovalKind, ApprovalRequest, CancelTask
    from paperclip.models.company import PipelineStepRequest
    from paperclip.models.pipeline_steps import PipelineStepRef, PipelineTaskLink, StepNews
    from workflows.company.core import CompanyCore
    from workflows.company.pipeline_agents import hire_temporary, retire_temporaries, withdraw_gate
    from workflows.patches import PIPELINE_STEPS, PIPELINE_TEMPLATES
    from workflows.task import TaskWorkflow


def gate_request_id(run_id: str, step: str) -> str:
    """The request id of a step's approval gate: one gate per step and run."""
    return f"pipeline:{run_id}:{step}"


class PipelinesPart(CompanyCore):
    """The `pipeline_step` signal and the news sent to runs (see the module docstring)."""

    @workflow.signal
    async def pipeline_step(self, request: PipelineStepRequest) -> None:
        """A run asks for a step's task or gate, or cancels its open tasks."""
        if not workflow.patched(PIPELINE_STEPS):
            return
        if request.kind == "task":
            self._pipeline_task(request)
        elif request.kind == "gate":
            self._pipeline_gate(request)
        elif request.kind == "release":
            if workflow.patched(PIPELINE_TEMPLATES):
                await retire_temporaries(self, request.run_id, actor=request.requested_by)
        else:
            await self._pipeline_cancel(request)

    def _pipeline_task(self, request: PipelineStepRequest) -> None:
        step = (request.run_id, request.step)
        known = next((i for i, link in self.state.pipeline_tasks.items() if (link.run_id, link.step) == step), None)
        if known is not None:  # a repeat: answered again
            self._tell_pipeline(request.run_id, StepNews(step=request.step, kind="task", identifier=known))
            return
        if request.task is None or request.task.pipeline is None:
            return
        self._handled += 1
        try:
            self._check_open()
            if request.hire is not None and workflow.patched(PIPELINE_TEMPLATES):
                refused = hire_temporary(
                    self, request.hire, run_id=request.run_id, step=request.step, actor=request.requested_by
                )
                if refused is not None:
                    raise ApplicationError(refused)
            self._check_task(request.task)
        except ApplicationError as err:
            self._log("pipeline.refused", actor=request.requested_by, summary=f"step {request.step}: {err.message}")
            self._tell_pipeline(request.run_id, StepNews(step=request.step, kind="refused", note=err.message))
            return
        record = self._queue_task(request.task, actor=request.requested_by)
        ref = request.task.pipeline
        self.state.pipeline_tasks[record.identifier] = PipelineTaskLink(
            run_id=ref.run_id,
            step=ref.step,
            budgeted=ref.budgeted,
            output_schema=request.output_schema,
            schema_tries=request.schema_tries,
        )
        self._tell_pipeline(request.run_id, StepNews(step=request.step, kind="task", identifier=record.identifier))

    def _pipeline_gate(self, request: PipelineStepRequest) -> None:
        request_id = gate_request_id(request.run_id, request.step)
        known = next((a for a in self.state.approvals.values() if a.request_id == request_id), None)
        if known is None:
            if self.state.archived:
                self._tell_pipeline(
                    request.run_id, StepNews(step=request.step, kind="refused", note="the company is archived")
                )
                return
            self._handled += 1
            known = self._open_approval(
                ApprovalRequest(
                    request_id=request_id,
                    kind=ApprovalKind.BOARD,
                    title=request.title,
                    details=request.details,
                    requested_by=request.requested_by,
                    task="",
                )
            )
            self.state.pipeline_gates[known.id] = PipelineStepRef(run_id=request.run_id, step=request.step)
        news = StepNews(step=request.step, kind="approval", approval=known.id, decision=known.status, note=known.note)
        self._tell_pipeline(request.run_id, news)

    async def _pipeline_cancel(self, request: PipelineStepRequest) -> None:
        """Cancel the run's open tasks (queued ones here, running ones by signal) and its pending
        gates (their approvals stay for the record, `cancelled`: nobody waits for them)."""
        self._handled += 1
        mine = [i for i, link in self.state.pipeline_tasks.items() if link.run_id == request.run_id]
        open_tasks = [self.state.tasks[i] for i in mine if i in self.state.tasks]
        actor = request.requested_by
        self._log("pipeline.cancelled", actor=actor, summary=f"run {request.run_id} cancelled: {request.reason}")
        running = self._cancel_queued_or_list_running(open_tasks, actor, request.reason)
        for approval, ref in list(self.state.pipeline_gates.items()):
            if ref.run_id == request.run_id:
                del self.state.pipeline_gates[approval]
                if workflow.patched(PIPELINE_TEMPLATES):
                    withdraw_gate(self, approval, run_id=request.run_id, reason=request.reason, actor=actor)
        await self._signal_tasks(running, TaskWorkflow.cancel, CancelTask(reason=request.reason, actor=actor))

    async def _send_pipeline_news(self) -> None:
        """Tell the runs what is new of their steps; a run that has ended misses it (logged)."""
        if not self._pipeline_news:
            return
        sending, self._pipeline_news = self._pipeline_news, []
        company = self.state.spec.id
        outcomes = await asyncio.gather(
            *(
                workflow.get_external_workflow_handle(pipeline_workflow_id(company, run_id)).signal(
                    PipelineSignal.STEP_NEWS, news
                )
                for run_id, news in sending
            ),
            return_exceptions=True,
        )
        for (run_id, news), outcome in zip(sending, outcomes, strict=True):
            if isinstance(outcome, FailureError):
                workflow.logger.warning("could not tell run %s of step %s: %s", run_id, news.step, outcome)
            elif isinstance(outcome, BaseException):
                raise outcome
