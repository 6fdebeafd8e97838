"""`CompanyCore`: the state of `CompanyWorkflow` and the helpers every part of it shares.

The company workflow is put together from parts, one per concern (`governance`, `goals`,
`approvals`, `heartbeats`, `budgets`, `dispatch`). Each part is a subclass of `CompanyCore` and
calls only the core's helpers and its own methods, so no part stands in for another and the
order of `CompanyWorkflow`'s bases does not matter (no two parts define the same name: a test
checks it). What one part needs of another's knowledge is a plain function of the state.
"""

import asyncio
from collections.abc import Iterable
from typing import Any

from temporalio import workflow
from temporalio.exceptions import ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from paperclip.configure import changes
    from paperclip.constants import SA_COMPANY, task_workflow_id
    from paperclip.models import (
        ActivityEntry,
        Adapter,
        AgentRevision,
        AgentSpec,
        AgentState,
        AgentStatus,
        Approval,
        ApprovalRequest,
        ApprovalStatus,
        CapState,
        CompanyInput,
        CompanyState,
        CreateTaskInput,
        SpecChange,
        TaskRecord,
        TaskStatus,
    )
    from paperclip.models.pipeline_steps import OUTPUT_EXCERPT, StepNews
    from paperclip.models.webhooks import Notification, NotifyInput
    from paperclip.webhooks.outgoing import notification_of
    from workflows.company.review import resolved
    from workflows.company.texts import is_long_approval
    from workflows.company.waiting import to_block
    from workflows.patches import DEPENDENCIES

RECENT_ACTIVITY = 50
"""Activity entries the snapshot keeps in memory; the store keeps them all."""


def reject(message: str, kind: str = "InvalidInput") -> ApplicationError:
    """A validator's answer: the update is refused with this message, and nothing is recorded."""
    return ApplicationError(message, type=kind, non_retryable=True)


def why(reason: str) -> str:
    """A reason as the log appends it (`: over budget`), or nothing."""
    return f": {reason}" if reason else ""


def hire_summary(spec: AgentSpec) -> str:
    """The activity log's line for a hire (`cto hired as CTO, reports to ceo, model openai/gpt-…`;
    a CLI or HTTP agent's `runs on claude`)."""
    runs_on = f"model {spec.runs_on}" if spec.adapter is Adapter.MODEL else f"runs on {spec.runs_on}"
    if spec.is_simulated:
        runs_on += " (simulated, offline)"
    manager = f", reports to {spec.reports_to}" if spec.reports_to else ""
    return f"{spec.name} hired as {spec.role}{manager}, {runs_on}"


class CompanyCore:
    """The company's carried state, what this run has still to write or answer, and the helpers
    every part uses: the activity log, the open tasks, signalling tasks, an agent's idle/running
    status, and queueing a task."""

    def __init__(self, input: CompanyInput) -> None:
        """Take the state carried from the last run, or a new company's spec.

        Raises:
            ApplicationError: the input has neither (non-retryable: the company cannot start).
        """
        if input.state is not None:
            self.state = input.state
        elif input.spec is not None:
            self.state = CompanyState(spec=input.spec)
        else:
            raise ApplicationError("CompanyInput needs a spec or a state", non_retryable=True)
        self._continue_after = input.continue_as_new_after_events
        self._handled = 0
        """Events and updates handled in this run (to continue as new after a number of them)."""
        self._unrecorded: list[ActivityEntry] = []
        """Activity entries not yet written to the store."""
        self._dirty: set[str] = set()
        """Tasks whose records changed since the last store write."""
        self._unwritten_approvals: set[str] = {
            a.id
            for a in self.state.approvals.values()
            if is_long_approval(a) and a.id not in self.state.stored_approvals
        }
        """Approvals whose details the store may not have yet: new ones, and long ones carried
        whole (the last run ended with their write in flight, or before approvals were written)."""
        self._tasks_sent: set[str] = set()
        """The tasks of the last store write (in flight until `_recording` is done)."""
        self._approvals_sent: set[str] = set()
        """The approvals of the last store write (in flight until `_recording` is done)."""
        self._approvals_due = False
        """The last store write left approvals for the next one: it is due at once."""
        self._to_admit: list[str] = []
        """Delegated tasks that introduced themselves and wait for their admission."""
        self._budget_settled = bool(self.state.deferred)  # decide them again in a new run
        """A reservation was released (or a scope stopped) since deferred requests were last decided."""
        self._unrecorded_revisions: list[AgentRevision] = []
        """Agents' revisions not yet written to the store (each came with a log entry, so the
        write it goes with is due)."""
        self._recording: workflow.ActivityHandle[None] | None = None
        """The store write in flight, if any."""
        self._has_search_attributes = workflow.info().typed_search_attributes.get(SA_COMPANY) is not None
        self._to_notify: list[Notification] = list(self.state.notifications)
        """Events for the webhook subscriptions not handed to `notify` yet (`notify.py`); the
        last run's unsent ones first."""
        self.state.notifications = []
        self._notifying: list[tuple[workflow.ActivityHandle[Any], NotifyInput]] = []
        """`notify` activities started in this run, with what each sends."""
        self._pipeline_news: list[tuple[str, StepNews]] = []
        """What pipeline runs are still to be told (run id, news), sent with the loop's next pass."""

    # ------------------------------------------------------------------ the activity log

    def _log(
        self,
        kind: str,
        *,
        actor: str,
        summary: str,
        task: str | None = None,
        agent: str | None = None,
        data: dict[str, Any] | None = None,
    ) -> None:
        """Add an entry to the activity log (the snapshot's recent ring, and the next store write)."""
        entry = ActivityEntry(
            id=str(workflow.uuid4()),
            company_id=self.state.spec.id,
            at=workflow.now(),
            kind=kind,
            actor=actor,
            task=task,
            agent=agent,
            summary=summary,
            data=data or {},
        )
        self.state.recent.append(entry)
        del self.state.recent[:-RECENT_ACTIVITY]
        self._unrecorded.append(entry)
        record = self.state.tasks.get(task) if task is not None else None
        notification = notification_of(entry, record.status if record is not None else None)
        if notification is not None:
            self._to_notify.append(notification)

    def _revise(
        self, agent: AgentState, *, before: AgentSpec | None, actor: str, restored_from: int | None = None
    ) -> list[SpecChange]:
        """Count a new revision of `agent`'s spec as it is now — its first when `before` is None (a
        hire), else the one after `before` — and send it to the store with the next write (the
        caller logs the change). Returns what changed from `before`.

        An agent hired before revisions were kept (revision 0) gets `before` as its revision 1 first.
        """
        company = self.state.spec.id
        found = [] if before is None else changes(before, agent.spec)
        if before is not None and agent.revision == 0:
            agent.revision = 1
            self._unrecorded_revisions.append(
                AgentRevision(company_id=company, agent=agent.spec.name, revision=1, spec=before)
            )
        agent.revision += 1
        self._unrecorded_revisions.append(
            AgentRevision(
                company_id=company,
                agent=agent.spec.name,
                revision=agent.revision,
                at=workflow.now(),
                actor=actor,
                spec=agent.spec,
                changes=found,
                restored_from=restored_from,
            )
        )
        return found

    # ------------------------------------------------------------------ checks for validators

    def _check_open(self) -> None:
        """Refuse an update of an archived company."""
        if self.state.archived:
            raise reject(f"company '{self.state.spec.id}' is archived", "Conflict")

    def _open_task(self, identifier: str) -> TaskRecord:
        """The open task an update is about; refused when the company is archived, or the task
        is unknown or finished."""
        self._check_open()
        record = self.state.tasks.get(identifier)
        if record is None:
            raise reject(f"task '{identifier}' not found", "NotFound")
        if record.status.is_terminal:
            raise reject(f"task {identifier} is {record.status}", "Conflict")
        return record

    # ------------------------------------------------------------------ tasks and agents

    def _open_tasks(self, *, agent: str | None = None) -> list[TaskRecord]:
        """The tasks not finished (queued ones too), of one agent when given."""
        return [
            t for t in self.state.tasks.values() if not t.status.is_terminal and (agent is None or t.assignee == agent)
        ]

    async def _signal_tasks(self, records: Iterable[TaskRecord], signal: Any, arg: Any) -> None:
        """Signal each task's workflow; one that has just ended (its news not here yet) is skipped."""
        company = self.state.spec.id
        identifiers = [r.identifier for r in records]
        outcomes = await asyncio.gather(
            *(
                workflow.get_external_workflow_handle(task_workflow_id(company, identifier)).signal(signal, arg)
                for identifier in identifiers
            ),
            return_exceptions=True,
        )
        for identifier, outcome in zip(identifiers, outcomes, strict=True):
            if isinstance(outcome, FailureError):
                workflow.logger.warning("could not signal %s: %s", identifier, outcome)
            elif isinstance(outcome, BaseException):
                raise outcome

    def _refresh_agent(self, name: str) -> None:
        """An available agent is `running` while a task of its runs or waits, else `idle`."""
        agent = self.state.agents.get(name)
        if agent is None or not agent.status.is_available:
            return
        busy = any(
            t.assignee == name and t.status in (TaskStatus.RUNNING, TaskStatus.BLOCKED) and t.blocked_reason is None
            for t in self.state.tasks.values()
        )
        agent.status = AgentStatus.RUNNING if busy else AgentStatus.IDLE

    def _queue_task(self, input: CreateTaskInput, *, actor: str = "board") -> TaskRecord:
        """Number a new top-level task and queue it (with its lifetime cap, when it has one);
        dispatch starts it by priority."""
        self.state.counter += 1
        now = workflow.now()
        record = TaskRecord(
            company_id=self.state.spec.id,
            identifier=f"{self.state.spec.prefix}-{self.state.counter}",
            title=input.title.strip(),
            brief=input.brief,
            assignee=input.assignee,
            priority=input.priority,
            goal=input.goal,
            project=input.project,
            labels=list(dict.fromkeys(input.labels)),
            created_at=now,
            updated_at=now,
        )
        record.review, unreviewed = resolved(self.state, input)
        if input.blocked_by and workflow.patched(DEPENDENCIES):
            record.blocked_by = list(dict.fromkeys(input.blocked_by))
            record.inputs = list(dict.fromkeys(input.inputs))
        self.state.tasks[record.identifier] = record
        self.state.queue.append(record.identifier)
        if input.budget is not None and input.budget.is_capped:
            scope = f"task:{record.identifier}"
            self.state.caps[scope] = CapState(scope=scope, cap=input.budget)
        self._dirty.add(record.identifier)
        self._log(
            "task.created",
            actor=actor,
            task=record.identifier,
            agent=record.assignee,
            summary=f"{record.identifier} '{record.title}' assigned to {record.assignee} ({record.priority})",
        )
        if unreviewed is not None:  # a routine's or a pipeline's task: queued, without its review
            self._log("task.review", actor="system", task=record.identifier, summary=f"not reviewed: {unreviewed}")
        return record

    def _check_task(self, input: CreateTaskInput) -> None:
        """Refuse a task without a title, for an unknown or terminated agent, or for a goal or
        project that is unknown or closed."""
        if not input.title.strip():
            raise reject("a task needs a title")
        agent = self.state.agents.get(input.assignee)
        if agent is None:
            raise reject(f"unknown agent '{input.assignee}'")
        if agent.status is AgentStatus.TERMINATED:
            raise reject(f"agent '{input.assignee}' is terminated")
        if input.goal is not None:
            goal = self.state.goals.get(input.goal)
            if goal is None:
                raise reject(f"goal '{input.goal}' not found")
            if not goal.status.is_open:
                raise reject(f"goal '{input.goal}' is {goal.status}")
        if input.project is not None:
            project = self.state.projects.get(input.project)
            if project is None:
                raise reject(f"project '{input.project}' not found")
            if not project.status.is_open:
                raise reject(f"project '{input.project}' is {project.status}: it takes no new tasks")
        if (unreviewed := resolved(self.state, input)[1]) is not None:
            raise reject(unreviewed)

    def _cancel_queued_or_list_running(
        self, records: Iterable[TaskRecord], actor: str, reason: str
    ) -> list[TaskRecord]:
        """Cancel the queued ones here (they have no workflow yet, nor has one blocked before it
        started); return the running ones."""
        running = []
        for record in records:
            if record.status is not TaskStatus.QUEUED and record.blocked_reason is None:
                running.append(record)
                continue
            if record.identifier in self.state.queue:
                self.state.queue.remove(record.identifier)
            record.status = TaskStatus.CANCELLED
            record.result = f"cancelled by {actor}{why(reason)}"
            record.updated_at = workflow.now()
            self._dirty.add(record.identifier)
            self._log(
                "task.finished",
                actor=actor,
                task=record.identifier,
                agent=record.assignee,
                summary=f"{record.identifier} cancelled before it started",
            )
            self._pipeline_task_ended(record)
            self._block_dependants(record)
        return running

    def _block_dependants(self, ended: TaskRecord) -> None:
        """`ended` failed or was cancelled: the queued tasks waiting for it are blocked, with the
        reason, and their assignees are told (the activity log names them; `dependencies.py`)."""
        dependants = to_block(self.state, ended)
        if not dependants or not workflow.patched(DEPENDENCIES):
            return
        outcome = f"{ended.identifier} {ended.status}" + (f": {ended.result[:200]}" if ended.result else "")
        for task in dependants:
            self.state.queue.remove(task.identifier)
            task.status = TaskStatus.BLOCKED
            task.blocked_reason = f"its blocker {outcome}"
            task.updated_at = workflow.now()
            self._dirty.add(task.identifier)
            self._refresh_agent(task.assignee)  # not at work on it: it never started
            self._log(
                "task.blocked",
                actor="system",
                task=task.identifier,
                agent=task.assignee,
                summary=f"{task.identifier} is blocked, {task.assignee}: its blocker {outcome}",
            )

    # ------------------------------------------------------------------ approvals

    def _open_approval(self, request: ApprovalRequest) -> Approval:
        """Open an approval for the board (its task, if the request names one, is woken by the
        decision)."""
        self.state.approval_counter += 1
        approval = Approval(
            id=f"AP-{self.state.approval_counter}",
            request_id=request.request_id,
            kind=request.kind,
            title=request.title,
            details=request.details,
            requested_by=request.requested_by,
            task=request.task or None,
            agent=request.agent,
            tool_call=request.tool_call,
            created_at=workflow.now(),
        )
        self.state.approvals[approval.id] = approval
        self._unwritten_approvals.add(approval.id)
        self._log(
            "approval.requested",
            actor=request.requested_by,
            task=request.task or None,
            agent=request.agent.name if request.agent else None,
            summary=f"{approval.id} ({approval.kind}) asked by {approval.requested_by}: {approval.title}",
        )
        return approval

    # ------------------------------------------------------------------ pipeline runs

    def _tell_pipeline(self, run_id: str, news: StepNews) -> None:
        """Send `news` to a run with the loop's next pass; a newer `progress` of a step replaces
        one not sent yet (it is cumulative)."""
        if news.kind == "progress":
            older = (run_id, "progress", news.step)
            self._pipeline_news = [(r, n) for r, n in self._pipeline_news if (r, n.kind, n.step) != older]
        self._pipeline_news.append((run_id, news))

    def _pipeline_task_ended(self, record: TaskRecord) -> None:
        """A task that is a step of a pipeline run ended: its run hears how, with the start of
        its result (the store holds the whole, under the task)."""
        link = self.state.pipeline_tasks.pop(record.identifier, None)
        if link is None:
            return
        result = record.result or ""
        tokens, usd = self._step_spend(record.identifier)
        self._tell_pipeline(
            link.run_id,
            StepNews(
                step=link.step,
                kind="finished",
                identifier=record.identifier,
                status=record.status,
                excerpt=result[:OUTPUT_EXCERPT],
                size=len(result),
                tokens=tokens,
                cost_usd=usd,
            ),
        )

    def _pipeline_task_spent(self, record: TaskRecord) -> None:
        """A task (or a subtask of one) that is a step of a budgeted run spent more: the run hears
        what the step has spent so far."""
        root = record.identifier.partition(".")[0]
        link = self.state.pipeline_tasks.get(root)
        if link is None or not link.budgeted:
            return
        tokens, usd = self._step_spend(root)
        news = StepNews(step=link.step, kind="progress", identifier=root, tokens=tokens, cost_usd=usd)
        self._tell_pipeline(link.run_id, news)

    def _step_spend(self, identifier: str) -> tuple[int, float]:
        """What a top-level task has spent with its subtasks (its lifetime cap's count, when it has
        one), else by itself: tokens (input and output) and USD."""
        cap = self.state.caps.get(f"task:{identifier}")
        if cap is not None:
            return cap.spend.tokens, cap.spend.usd
        record = self.state.tasks[identifier]
        return record.usage.input_tokens + record.usage.output_tokens, record.cost_usd

    def _pipeline_gate_decided(self, approval: Approval) -> None:
        """The board decided an approval that gates a pipeline run's step: the run hears it."""
        if approval.status is ApprovalStatus.PENDING:
            return
        ref = self.state.pipeline_gates.pop(approval.id, None)
        if ref is None:
            return
        news = StepNews(
            step=ref.step, kind="approval", approval=approval.id, decision=approval.status, note=approval.note
        )
        self._tell_pipeline(ref.run_id, news)
