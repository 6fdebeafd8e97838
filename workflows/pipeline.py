"""`PipelineWorkflow`: one run of a pipeline document (`pipeline:{company}:{run}`).

Each step is a task of the company: the run asks for it by the company's `pipeline_step`
signal, so the company numbers, prioritises, dispatches, budgets, approves and traces it like
any task, and the company tells the run by `step_news` what the task spent and how it ended
(`workflows.company.pipelines`). A step starts once every step it needs has ended — steps that
need nothing of each other run together — unless its `when` (JMESPath over the inputs and the
outputs so far) is false (skipped), or after its `approval` gate, an approval of kind `board`,
is decided. Outputs pass by reference: the run keeps of each an excerpt and the task whose
result (in the store) is the whole; a later step's brief carries the excerpt and that reference.

A failed step fails the run unless it may (`continue_on_error`); a run over its budget (what
its steps' tasks spent, with their subtasks: tokens in and out, and USD) starts no more steps;
a cancel stops it. Stopping cancels every open task of the run through the company, and the run
ends once they confirm (or after `CANCEL_WAIT`). Each step costs a handful of events, so history
grows with the steps; a long run continues as new with its state.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from paperclip.constants import PIPELINE_WORKFLOW, Activity, CompanySignal, PipelineSignal
    from paperclip.errors import InvalidInput
    from paperclip.models import ApprovalStatus, Cap, CreateTaskInput, TaskStatus
    from paperclip.models.company import PipelineStepRequest
    from paperclip.models.pipeline_steps import PipelineCancel, PipelineRecordInput, PipelineStepRef, StepNews
    from paperclip.models.pipelines import PipelineRunInput, PipelineRunState, RunStatus, StepState, StepStatus
    from paperclip.pipeline_runs import needs, step_brief, step_ids, when_holds
    from workflows.patches import PIPELINE_TEMPLATES
    from workflows.pipeline_hires import release, temporary_name, with_hire
    from workflows.pipeline_notify import tell_finished
    from workflows.signals import signal_company

CANCEL_WAIT = timedelta(minutes=10)
"""How long a stopping run waits for its steps' tasks to confirm they were cancelled."""
TASK_ENDS = {TaskStatus.DONE: StepStatus.DONE, TaskStatus.FAILED: StepStatus.FAILED}
"""A step's status by how its task ended (any other end: cancelled)."""
TERMINAL = frozenset({StepStatus.DONE, StepStatus.FAILED, StepStatus.SKIPPED, StepStatus.CANCELLED})


@workflow.defn(name=PIPELINE_WORKFLOW)
class PipelineWorkflow:
    """A run of a pipeline (see the module docstring)."""

    @workflow.init
    def __init__(self, input: PipelineRunInput) -> None:
        self.input = input
        spec = input.spec
        self.ids = step_ids(spec)
        self.specs = dict(zip(self.ids, spec.steps, strict=True))
        self.needs = needs(spec)
        self.state = input.state or PipelineRunState(
            company_id=input.company_id,
            run_id=input.run_id,
            pipeline=input.pipeline,
            version=input.version,
            steps=[StepState(id=i) for i in self.ids],
            started_at=input.started_at or workflow.now(),
        )
        self.steps = {s.id: s for s in self.state.steps}
        self._cancel: PipelineCancel | None = None
        self._stopping: str | None = None
        """Why the run stops (a failure, its budget, a cancel): no step starts any more."""
        self._stopped_at = workflow.now()
        self._asked: set[tuple[str, str]] = set()
        """(step, `task` or `gate`) this run asked the company for (asked again after a continue
        as new: the company answers a repeat with what it gave)."""
        self._changed = True
        self._handled = 0

    # ------------------------------------------------------------------ messages

    @workflow.signal(name=PipelineSignal.STEP_NEWS)
    def step_news(self, news: StepNews) -> None:
        """The company's news of a step: its task, its spend, its end, its gate's decision
        (at-least-once: a repeat changes nothing)."""
        step = self.steps.get(news.step)
        if step is None or step.status in TERMINAL:
            return
        self._handled += 1
        self._changed = True
        if news.kind == "task" and step.task is None:
            step.task, step.output_ref = news.identifier, f"task:{news.identifier}"
        elif news.kind == "refused" and step.task is None:
            self._end_step(step, StepStatus.FAILED, f"the company refused its task: {news.note}")
        elif news.kind in ("progress", "finished"):
            step.tokens, step.cost_usd = max(step.tokens, news.tokens), max(step.cost_usd, news.cost_usd)
            if news.kind == "finished":
                step.task, step.output_ref = news.identifier, f"task:{news.identifier}"
                step.excerpt, step.size = news.excerpt, news.size
                status = TASK_ENDS.get(news.status or TaskStatus.CANCELLED, StepStatus.CANCELLED)
                error = (
                    None
                    if status is StepStatus.DONE
                    else f"its task {news.identifier} {news.status}: {news.excerpt[:500]}"
                )
                self._end_step(step, status, error)
        elif news.kind == "approval" and step.status is StepStatus.WAITING_APPROVAL:
            step.approval = news.approval
            if news.decision is ApprovalStatus.APPROVED:
                step.status, step.started_at = StepStatus.RUNNING, workflow.now()
            elif news.decision is not None and news.decision is not ApprovalStatus.PENDING:
                note = f": {news.note}" if news.note else ""
                self._end_step(step, StepStatus.FAILED, f"its approval {news.approval} was {news.decision}{note}")

    @workflow.update
    def cancel(self, cancel: PipelineCancel) -> PipelineRunState:
        """Stop the run: no step starts any more, and every step's task is cancelled."""
        self._cancel = cancel
        self._changed = True
        return self.state

    @cancel.validator
    def _check_cancel(self, cancel: PipelineCancel) -> None:
        if self.state.status is not RunStatus.RUNNING:
            raise ApplicationError(
                f"run {self.input.run_id} is {self.state.status}", type="Conflict", non_retryable=True
            )
        if self._cancel is not None:
            raise ApplicationError(f"run {self.input.run_id} is being cancelled", type="Conflict", non_retryable=True)

    @workflow.query
    def run_state(self) -> PipelineRunState:
        return self.state

    # ------------------------------------------------------------------ the run

    @workflow.run
    async def run(self, input: PipelineRunInput) -> PipelineRunState:
        if input.state is None:
            await self._record(PipelineRecordInput(state=self.state, run=input))
        while True:
            self._changed = False
            self._advance()
            await self._ask()
            if all(s.status in TERMINAL for s in self.state.steps):
                break
            if self._stopping is None and self._cancel is None and self._should_continue_as_new():
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(input.model_copy(update={"state": self.state}))
            if self._stopping is None:
                await workflow.wait_condition(lambda: self._changed)
                continue
            left = self._stopped_at + CANCEL_WAIT - workflow.now()
            try:
                await workflow.wait_condition(lambda: self._changed, timeout=max(left, timedelta(seconds=1)))
            except TimeoutError:
                for step in self.state.steps:
                    if step.status not in TERMINAL:
                        self._end_step(step, StepStatus.CANCELLED, "its task did not confirm it was cancelled")
        self._total()
        self.state.status = (
            RunStatus.CANCELLED if self._cancel is not None else RunStatus.FAILED if self._stopping else RunStatus.DONE
        )
        self.state.error = self._stopping
        self.state.finished_at = workflow.now()
        if workflow.patched(PIPELINE_TEMPLATES):
            await release(input.company_id, input.run_id, self.state.steps, requested_by=self._who)
        await self._record(PipelineRecordInput(state=self.state))
        await tell_finished(self.state)
        return self.state

    def _advance(self) -> None:
        """Decide what changes now: the run stops (a cancel, a failed step, its budget passed) and
        its steps not started are cancelled; or the pending steps whose needs have all ended start,
        wait for their gate, or are skipped (which may make more steps ready)."""
        self._total()
        while self._stopping is None:
            self._stopping = self._why_stop()
            if self._stopping is not None:
                self._stopped_at = workflow.now()
                break
            ready = [
                s
                for s in self.state.steps
                if s.status is StepStatus.PENDING and all(self.steps[n].status in TERMINAL for n in self.needs[s.id])
            ]
            if not ready:
                return
            for step in ready:
                self._begin(step)
        for step in self.state.steps:
            if step.status in (StepStatus.PENDING, StepStatus.WAITING_APPROVAL) or (
                step.status is StepStatus.RUNNING and step.task is None and (step.id, "task") not in self._asked
            ):
                self._end_step(step, StepStatus.CANCELLED, f"not run: {self._stopping}")

    def _begin(self, step: StepState) -> None:
        spec = self.specs[step.id]
        if spec.when is not None:
            try:
                holds = when_holds(spec.when, self.input.inputs, self.steps)
            except InvalidInput as err:
                self._end_step(step, StepStatus.FAILED, err.message)
                return
            if not holds:
                self._end_step(step, StepStatus.SKIPPED, f"its condition is false: {spec.when}")
                return
        if spec.agent is None and not workflow.patched(PIPELINE_TEMPLATES):
            self._end_step(
                step, StepStatus.FAILED, "a step must name an agent (a template's temporary agent is not run yet)"
            )
        elif spec.approval is not None:
            step.status = StepStatus.WAITING_APPROVAL
        else:
            step.status, step.started_at = StepStatus.RUNNING, workflow.now()

    def _why_stop(self) -> str | None:
        if self._cancel is not None:
            reason = f": {self._cancel.reason}" if self._cancel.reason else ""
            return f"cancelled by {self._cancel.actor}{reason}"
        failed = next(
            (s for s in self.state.steps if s.status is StepStatus.FAILED and not self.specs[s.id].continue_on_error),
            None,
        )
        if failed is not None:
            return f"step {failed.id} failed: {failed.error}"
        budget = self.input.spec.budget
        if budget is not None:
            if budget.usd is not None and self.state.cost_usd >= budget.usd:
                return f"its budget is spent: ${self.state.cost_usd:.4f} of ${budget.usd:.4f}"
            if budget.tokens is not None and self.state.tokens >= budget.tokens:
                return f"its budget is spent: {self.state.tokens:,} of {budget.tokens:,} tokens"
        return None

    async def _ask(self) -> None:
        """Ask the company for the tasks and gates of the steps that have none yet (once per run
        of this workflow), or to cancel the run's open tasks when it stops."""
        company = self.input.company_id
        for step in self.state.steps:
            if step.task is not None:
                continue
            request = self._request(step)
            if request is not None and (step.id, request.kind) not in self._asked:
                self._asked.add((step.id, request.kind))
                template = self.specs[step.id].template
                if request.kind == "task" and template is not None:
                    request = await self._hiring(step, request, template)
                if request is not None:
                    await signal_company(company, CompanySignal.PIPELINE_STEP, request)
        if self._stopping is not None and ("", "cancel") not in self._asked:
            self._asked.add(("", "cancel"))
            cancel = PipelineStepRequest(
                run_id=self.input.run_id, kind="cancel", reason=self._stopping, requested_by=self._who
            )
            await signal_company(company, CompanySignal.PIPELINE_STEP, cancel)

    def _request(self, step: StepState) -> PipelineStepRequest | None:
        spec = self.specs[step.id]
        run = self.input.run_id
        if step.status is StepStatus.WAITING_APPROVAL and step.approval is None:
            title = spec.approval.title if spec.approval is not None and spec.approval.title else ""
            return PipelineStepRequest(
                run_id=run,
                step=step.id,
                kind="gate",
                title=title or f"Run step {step.id} of {self.input.pipeline}",
                details=spec.task[:2_000],
                requested_by=self._who,
            )
        if step.status is not StepStatus.RUNNING or self._stopping is not None:
            return None
        budget = self.input.spec.budget
        cap = None
        if budget is not None:  # no step may spend more than the run has left
            cap = Cap(
                usd=None if budget.usd is None else max(0.0, budget.usd - self.state.cost_usd),
                tokens=None if budget.tokens is None else max(0, budget.tokens - self.state.tokens),
            )
        brief = step_brief(
            self.input.spec,
            spec,
            step.id,
            run_id=run,
            company_id=self.input.company_id,
            inputs=self.input.inputs,
            states=self.steps,
        )
        task = CreateTaskInput(
            title=f"{self.input.pipeline}: {step.id}",
            brief=brief[:100_000],
            assignee=spec.agent or temporary_name(step.id, run),
            budget=cap,
            actor=self._who,
            pipeline=PipelineStepRef(run_id=run, step=step.id, budgeted=budget is not None),
            project=self.input.project,
        )
        return PipelineStepRequest(
            run_id=run,
            step=step.id,
            kind="task",
            task=task,
            output_schema=spec.output_schema,
            schema_tries=spec.schema_tries,
            requested_by=self._who,
        )

    async def _hiring(self, step: StepState, request: PipelineStepRequest, template: str) -> PipelineStepRequest | None:
        """A template step's task request with its temporary agent (`workflows.pipeline_hires`);
        None when the agent cannot be made (the step fails) or the run stopped meanwhile."""
        hired = await with_hire(request, template)
        if isinstance(hired, str):
            self._end_step(step, StepStatus.FAILED, hired)
            self._advance()  # what the failure means now (the run may stop), before the loop looks
            return None
        if self._cancel is not None or self._stopping is not None:
            self._asked.discard((step.id, "task"))  # not asked: the run cancels the step
            self._changed = True
            return None
        step.agent = hired.task.assignee if hired.task is not None else None
        return hired

    @property
    def _who(self) -> str:
        return f"pipeline:{self.input.pipeline}"

    def _end_step(self, step: StepState, status: StepStatus, error: str | None) -> None:
        step.status, step.error, step.finished_at = status, error, workflow.now()
        self._changed = True

    def _total(self) -> None:
        self.state.tokens = sum(s.tokens for s in self.state.steps)
        self.state.cost_usd = sum(s.cost_usd for s in self.state.steps)

    def _should_continue_as_new(self) -> bool:
        limit = self.input.continue_as_new_after_events
        if limit is not None and self._handled >= limit:
            return True
        return workflow.info().is_continue_as_new_suggested()

    async def _record(self, record: PipelineRecordInput) -> None:
        await workflow.execute_activity(
            Activity.RECORD_PIPELINE_RUN, record, start_to_close_timeout=timedelta(seconds=30)
        )
