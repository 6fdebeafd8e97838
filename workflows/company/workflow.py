"""`CompanyWorkflow`: the long-lived entity that owns a company's agents, tasks and dispatch.

Updates (validated before they enter history) change the company; tasks report to it by
signal; the API reads it by query. The workflow is its parts put together (each a
`CompanyCore`, see `core.py`): the board's levers (`governance`), goals, approvals,
heartbeats, budgets and dispatch. Here are what is left: hiring and configuring agents,
queueing tasks, the tasks' reports, routines, the snapshot, and the loop that dispatches,
admits, records and continues as new.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError

with workflow.unsafe.imports_passed_through():
    from paperclip.configure import FIXED, summary
    from paperclip.holds import shown_agent, shown_task
    from paperclip.models import (
        AgentChanged,
        AgentSpec,
        AgentState,
        AgentStatus,
        CompanyInput,
        CompanyResult,
        CompanySnapshot,
        CompanyState,
        ConfigureAgentInput,
        ConfigureAgentResult,
        CreateTaskInput,
        CreateTasksInput,
        GoalInput,
        HireAgentInput,
        InvalidTransition,
        RoutineFire,
        TaskEvent,
        TaskRecord,
        TaskStatus,
        check_transition,
    )
    from paperclip.org import OrgError, chain_of_command, check_hire, check_turn_budget
    from paperclip.spend import BUDGET, budget_warnings
    from workflows.company.approvals import ApprovalsPart, carried_approvals
    from workflows.company.budgets import BudgetsPart
    from workflows.company.core import hire_summary, reject
    from workflows.company.dependencies import DependenciesPart
    from workflows.company.dispatch import DispatchPart, dispatchable
    from workflows.company.goals import GoalsPart
    from workflows.company.governance import GovernancePart
    from workflows.company.heartbeats import HeartbeatsPart
    from workflows.company.idempotency import remembered_update
    from workflows.company.notify import NotifyPart
    from workflows.company.pipelines import PipelinesPart
    from workflows.company.projects import ProjectsPart
    from workflows.company.texts import leave_details, leave_texts, shown_approvals, shown_texts
    from workflows.patches import RECORDS_AS_ACTIVITY, TEXTS_IN_STORE
    from workflows.task import TaskWorkflow

FINISHED_TASKS_CARRIED = 200
"""Finished tasks carried across continue-as-new for the snapshot; older ones are in the store."""


@workflow.defn
class CompanyWorkflow(
    GovernancePart,
    GoalsPart,
    ProjectsPart,
    ApprovalsPart,
    HeartbeatsPart,
    BudgetsPart,
    DispatchPart,
    PipelinesPart,
    NotifyPart,
    DependenciesPart,
):
    """A company: its parts' signals, updates and queries, and the loop (see the module docstring)."""

    @workflow.init
    def __init__(self, input: CompanyInput) -> None:
        super().__init__(input)
        if input.state is None:
            # Here, not in run(): an update may be handled before run() starts.
            self._log("company.created", actor=input.actor, summary=f"{self.state.spec.name} founded")
            for spec in input.agents:
                self._hire_initial(spec, actor=input.actor)
            for goal in input.goals:
                self._found_goal(goal)

    # ------------------------------------------------------------------ updates

    @remembered_update
    def hire_agent(self, input: HireAgentInput) -> AgentState:
        """Add an agent to the org chart."""
        self._handled += 1
        agent = AgentState(spec=input.agent)
        self.state.agents[input.agent.name] = agent
        self._revise(agent, before=None, actor=input.actor)
        self._log("agent.hired", actor=input.actor, agent=input.agent.name, summary=hire_summary(input.agent))
        return agent

    @hire_agent.validator
    def _validate_hire(self, input: HireAgentInput) -> None:
        self._check_open()
        try:
            check_hire(self.state.agents, input.agent)
            check_turn_budget(input.agent, budgeted=self.state.spec.budget.is_capped)
        except OrgError as err:
            raise reject(str(err), err.rejection) from None

    @remembered_update
    def update_agent(self, input: HireAgentInput) -> AgentState:
        """Replace an agent's spec (model, prompt, manager, …); its running tasks keep theirs. Kept
        for the histories that hold it: agents are changed by `configure_agent`."""
        self._handled += 1
        agent = self.state.agents[input.agent.name]
        agent.spec = input.agent
        self._log("agent.updated", actor=input.actor, agent=input.agent.name, summary=f"{input.agent.name} updated")
        return agent

    @update_agent.validator
    def _validate_update_agent(self, input: HireAgentInput) -> None:
        self._check_open()
        try:
            check_hire(self.state.agents, input.agent, replacing=True)
            check_turn_budget(input.agent, budgeted=self.state.spec.budget.is_capped)
        except OrgError as err:
            raise reject(str(err), err.rejection) from None

    @remembered_update
    async def configure_agent(self, input: ConfigureAgentInput) -> ConfigureAgentResult:
        """Change an agent's configuration (the API checks it as at hire) as a new revision. What
        `paperclip.configure.LIVE` names reaches its running tasks at once, by signal; the rest
        applies from its next task, a subtask delegated to it by a running task included."""
        self._handled += 1
        name = input.agent.name
        agent = self.state.agents[name]
        before, budget_changed = agent.spec, input.agent.budget != agent.spec.budget
        if budget_changed:
            self._roll_month()
        stopped = agent.pause_reason == BUDGET
        agent.spec = input.agent
        found = self._revise(agent, before=before, actor=input.actor, restored_from=input.restored_from)
        what = f"rolled back to revision {input.restored_from}" if input.restored_from else "configured"
        self._log(
            "agent.configured",
            actor=input.actor,
            agent=name,
            summary=f"{name} {what} (revision {agent.revision}): {summary(found)}",
            data={
                "revision": agent.revision,
                "restored_from": input.restored_from,
                "changes": [c.model_dump(mode="json") for c in found],
            },
        )
        if budget_changed:
            await self._budget_set(name, agent.spec.budget, agent.spend, stopped=stopped, actor=input.actor)
        # Its own tasks take the live fields; its managers' tasks delegate to it with the new spec.
        chain = chain_of_command(self.state.agents, name)
        running = [t for t in self._open_tasks() if t.status is not TaskStatus.QUEUED and t.assignee in chain]
        changed = AgentChanged(agent=agent.spec, revision=agent.revision)
        await self._signal_tasks(running, TaskWorkflow.agent_changed, changed)
        reached = [t.identifier for t in running if t.assignee == name]
        return ConfigureAgentResult(agent=agent, revision=agent.revision, changes=found, reached=reached)

    @configure_agent.validator
    def _validate_configure_agent(self, input: ConfigureAgentInput) -> None:
        self._check_open()
        name = input.agent.name
        agent = self.state.agents.get(name)
        if agent is None:
            raise reject(f"agent '{name}' not found", "NotFound")
        if agent.status is AgentStatus.TERMINATED:
            raise reject(f"agent '{name}' is terminated", "Conflict")
        if input.revision != agent.revision:
            raise reject(
                f"agent '{name}' was changed meanwhile (it is at revision {agent.revision}, the change was made"
                f" from revision {input.revision}): look at it again and retry",
                "Conflict",
            )
        fixed = [field for field in FIXED if getattr(input.agent, field) != getattr(agent.spec, field)]
        if fixed:
            raise reject(f"{', '.join(fixed)}: not changed by a configure ({name}'s place in the org chart)")
        if input.agent == agent.spec:
            raise reject(f"nothing to change: {name} is configured so already")
        try:
            check_turn_budget(input.agent, budgeted=self.state.spec.budget.is_capped)
        except OrgError as err:
            raise reject(str(err), err.rejection) from None

    @remembered_update
    def create_task(self, input: CreateTaskInput) -> TaskRecord:
        """Queue a top-level task for an agent; it is dispatched by priority."""
        self._handled += 1
        return self._queue_task(input, actor=input.actor)

    @create_task.validator
    def _validate_create_task(self, input: CreateTaskInput) -> None:
        self._check_open()
        self._check_task(input)
        self._check_blockers([input])

    @remembered_update
    def create_tasks(self, input: CreateTasksInput) -> list[TaskRecord]:
        """Queue several tasks at once; all or none (the validator checks each)."""
        self._handled += 1
        return [self._queue_task(task, actor=task.actor) for task in input.tasks]

    @create_tasks.validator
    def _validate_create_tasks(self, input: CreateTasksInput) -> None:
        self._check_open()
        for i, task in enumerate(input.tasks):
            try:
                self._check_task(task)
            except ApplicationError as err:
                raise reject(f"tasks[{i}]: {err.message}") from None
        self._check_blockers(input.tasks)

    # ------------------------------------------------------------------ signals and queries

    @workflow.signal
    def task_event(self, event: TaskEvent) -> None:
        """A task reports a status change, a turn's usage, or its end (at-least-once: repeats dropped)."""
        if event.seq <= self.state.seen_events.get(event.identifier, 0):
            return
        self.state.seen_events[event.identifier] = event.seq
        self._handled += 1
        record = self.state.tasks.get(event.identifier)
        if record is None:
            if event.record is None:
                return  # a task this company no longer carries
            record = self.state.tasks[event.identifier] = event.record.model_copy()
            above = self.state.tasks.get(record.parent) if record.parent is not None else None
            if above is not None:  # a subtask belongs to its parent's project
                record.project = above.project
            self._log(
                "task.created",
                actor=record.parent or "board",
                task=record.identifier,
                agent=record.assignee,
                summary=f"{record.parent} delegated {record.identifier} '{record.title}' to {record.assignee}",
            )
            self._refresh_agent(record.assignee)
            self._to_admit.append(record.identifier)
        record.updated_at = workflow.now()
        self._dirty.add(record.identifier)
        if event.usage is not None:
            self._take_usage(record, event.usage, event.cost_usd or 0.0, event.turns or 0, event.unconfirmed)
            self._pipeline_task_spent(record)
        record.retry = event.retry
        if event.kind == "retry" and event.retry is not None:
            retry = event.retry
            self._log(
                "task.retrying",
                actor=record.assignee,
                task=record.identifier,
                agent=record.assignee,
                summary=f"{record.identifier} retries its {retry.model} call (attempt {retry.attempt} of {retry.of},"
                f" at {retry.at:%H:%M:%S}): {retry.error}",
            )
        if event.status is not None and event.status != record.status:
            try:
                check_transition(record.status, event.status)
            except InvalidTransition as err:
                workflow.logger.warning("ignored task event %s: %s", event.identifier, err)
                return
            reviewing = TaskStatus.IN_REVIEW in (record.status, event.status)
            record.status = event.status
            if event.kind == "finished":
                if reviewing:
                    said = f"{record.identifier} {'approved' if record.status is TaskStatus.DONE else record.status}"
                    said += " in review"
                    self._log("task.review", actor=record.assignee, task=record.identifier, summary=said)
                self._task_finished(record, event)
            else:
                self._log(
                    "task.review" if reviewing else "task.status",
                    actor=record.assignee,
                    task=record.identifier,
                    agent=record.assignee,
                    summary=f"{record.identifier} is {record.status}" + (f": {event.summary}" if event.summary else ""),
                )

    def _task_finished(self, record: TaskRecord, event: TaskEvent) -> None:
        record.result = event.summary or None
        self._release(record.identifier)
        agent = self.state.agents.get(record.assignee)
        if record.parent is None and agent is not None and agent.running > 0:
            agent.running -= 1
        self._log(
            "task.finished",
            actor=record.assignee,
            task=record.identifier,
            agent=record.assignee,
            summary=f"{record.identifier} {record.status}: {(event.summary or '')[:200]}",
        )
        if record.status is TaskStatus.FAILED and agent is not None and agent.status.is_available:
            # A task that failed for good needs a person: no new work until the agent is resumed.
            agent.status = AgentStatus.ERROR
            self._log(
                "agent.error",
                actor="system",
                agent=agent.spec.name,
                task=record.identifier,
                summary=f"{agent.spec.name} stopped taking work: {record.identifier} failed",
            )
        self._refresh_agent(record.assignee)
        self._pipeline_task_ended(record)
        self._block_dependants(record)

    @workflow.signal
    def routine_fired(self, fire: RoutineFire) -> None:
        """A routine's schedule fired: queue its task, unless its last one is still open."""
        if self.state.routine_fires.get(fire.routine) == fire.fire_id:
            return  # a repeat
        self.state.routine_fires[fire.routine] = fire.fire_id
        self._handled += 1
        still_open = next(
            (t for t in self.state.tasks.values() if t.routine == fire.routine and not t.status.is_terminal), None
        )
        if fire.skip_if_open and still_open is not None:
            self._log(
                "routine.skipped",
                actor="system",
                task=still_open.identifier,
                summary=f"routine {fire.routine}: {still_open.identifier} is still {still_open.status}; skipped",
            )
            return
        try:
            self._check_open()
            self._check_task(fire.task)
        except ApplicationError as err:
            self._log("routine.failed", actor="system", summary=f"routine {fire.routine}: {err.message}")
            return
        record = self._queue_task(fire.task, actor=f"routine:{fire.routine}")
        record.routine = fire.routine

    @workflow.query
    def snapshot(self) -> CompanySnapshot:
        s = self.state
        approvals, stored_approvals = shown_approvals(s, self._written_approvals())
        tasks, stored_texts = shown_texts(s, [shown_task(s, t) for t in s.tasks.values()], self._written_tasks())
        return CompanySnapshot(
            spec=s.spec,
            agents=[shown_agent(s, a) for a in s.agents.values()],
            tasks=tasks,
            queue=list(s.queue),
            recent=list(s.recent),
            usage=s.usage,
            cost_usd=s.cost_usd,
            unconfirmed=s.unconfirmed,
            archived=s.archived,
            paused=s.paused,
            pause_reason=s.pause_reason,
            generation=s.generation,
            goals=list(s.goals.values()),
            approvals=approvals,
            month=s.month,
            spend=s.spend,
            budget_warnings=budget_warnings(s),
            caps=list(s.caps.values()),
            projects=list(s.projects.values()),
            simulated_agents=[a.spec.name for a in s.agents.values() if a.spec.is_simulated],
            stored_texts=stored_texts,
            stored_approvals=stored_approvals,
        )

    # ------------------------------------------------------------------ main loop

    @workflow.run
    async def run(self, input: CompanyInput) -> CompanyResult:
        if self._to_notify:  # carried from the last run (never so in a run from before webhooks)
            self._notify()
        while True:

            def work() -> bool:
                return (
                    bool(dispatchable(self.state) or self._to_admit)
                    or bool(self._budget_settled and self.state.deferred)
                    or self._record_due()
                    or bool(self._pipeline_news)
                    or self._should_continue_as_new()
                    or self.state.archived
                )

            next_wake = min(
                (t for t in (self._until_next_wake(), self._until_month_end()) if t is not None), default=None
            )
            if next_wake is None:
                await workflow.wait_condition(work)
            else:
                if next_wake > timedelta(0):
                    try:
                        await workflow.wait_condition(work, timeout=next_wake)
                    except TimeoutError:
                        pass
                await self._wake_due_agents()
                await self._budget_month()
            await self._grant_deferred()
            await self._dispatch()
            await self._admit()
            await self._send_pipeline_news()
            await self._record()
            self._notify()
            if self.state.archived:
                await self._settle()
                return CompanyResult(company_id=self.state.spec.id, archived=True)
            if self._should_continue_as_new():
                await self._settle()
                workflow.continue_as_new(
                    CompanyInput(state=self._carried_state(), continue_as_new_after_events=self._continue_after)
                )

    async def _settle(self) -> None:
        """Take in every signal and finish the work handlers left, so that the run ends losing nothing.

        Handlers run as tasks: one that came in with the last result has not run when the await
        returns, so the run ends only straight after a wait that saw every handler finish, with
        nothing left to admit or record.
        """
        if not workflow.patched(RECORDS_AS_ACTIVITY):  # how runs ended before
            await workflow.wait_condition(workflow.all_handlers_finished)
            if not self.state.archived:
                await self._admit()
            await self._record()
            return
        while True:
            await workflow.wait_condition(workflow.all_handlers_finished)
            if self._recording is not None and not self._recording.done():
                await self._recording
                continue
            if not (self._to_admit or self._dirty or self._unrecorded or self._approvals_due or self._pipeline_news):
                return
            await self._admit()
            await self._send_pipeline_news()
            await self._record()

    def _should_continue_as_new(self) -> bool:
        if self._continue_after is not None and self._handled >= self._continue_after:
            return True
        return workflow.info().is_continue_as_new_suggested()

    def _carried_state(self) -> CompanyState:
        """The state for the next run: finished tasks beyond the last few leave, and long texts
        of the others and long approval details stay behind (all of them are in the store; see
        `texts.py`)."""
        s = self.state.model_copy()
        finished = [t for t in s.tasks.values() if t.status.is_terminal]
        finished.sort(key=lambda t: t.updated_at)
        dropped = {t.identifier for t in finished[: max(0, len(finished) - FINISHED_TASKS_CARRIED)]}
        s.tasks = {k: v for k, v in s.tasks.items() if k not in dropped}
        s.seen_events = {k: v for k, v in s.seen_events.items() if k in s.tasks}
        s.caps = {k: v for k, v in s.caps.items() if not k.startswith("task:") or k.partition(":")[2] in s.tasks}
        s.approvals = carried_approvals(self.state)
        s.notifications = self._unsent_notifications()
        if workflow.patched(TEXTS_IN_STORE):
            # A record in flight to the store, or changed since, may not be there yet: it keeps its texts.
            in_flight = self._recording is not None and not self._recording.done()
            leave_texts(s, set() if in_flight else set(s.tasks) - self._dirty)
            leave_details(s, self._written_approvals())
        s.generation += 1
        return s

    def _written_tasks(self) -> set[str]:
        """The tasks whose records the store holds as they are now: all but those changed since
        the last write and those of a write in flight."""
        if self._recording is not None and not self._recording.done():
            return set(self.state.tasks) - self._dirty - self._tasks_sent
        return set(self.state.tasks) - self._dirty

    def _written_approvals(self) -> set[str]:
        """The approvals whose details the store holds, as far as long details go: all but those
        not written yet and those of a write in flight (in a history from before approvals were
        written, none of this run's)."""
        if self._recording is not None and not self._recording.done():
            return set(self.state.approvals) - self._unwritten_approvals - self._approvals_sent
        return set(self.state.approvals) - self._unwritten_approvals

    def _found_goal(self, goal: GoalInput) -> None:
        try:
            self._check_goal(goal)
        except ApplicationError as err:
            self._log("goal.rejected", actor="system", summary=f"'{goal.title}': {err.message}")
            return
        self._add_goal(goal)

    def _hire_initial(self, spec: AgentSpec, *, actor: str) -> None:
        try:
            check_hire(self.state.agents, spec)
        except OrgError as err:
            self._log("agent.rejected", actor="system", agent=spec.name, summary=str(err))
            return
        self.state.agents[spec.name] = agent = AgentState(spec=spec)
        self._revise(agent, before=None, actor=actor)
        self._log("agent.hired", actor=actor, agent=spec.name, summary=hire_summary(spec))
