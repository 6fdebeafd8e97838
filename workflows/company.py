"""`CompanyWorkflow`: the long-lived entity that owns a company's agents, tasks and dispatch.

Updates (validated before they enter history) change the company; tasks report to it by
signal; the API reads it by query. Top-level tasks are dispatched as child workflows by
priority, within each agent's concurrency and the company's cap on open children. Store
writes (activity log, task records) are batched into one activity per loop.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ApplicationError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from paperclip.constants import MAX_OPEN_CHILDREN, SA_COMPANY, task_workflow_id
    from paperclip.models import (
        ActivityEntry,
        AgentSpec,
        AgentState,
        AgentStatus,
        CancelTask,
        CapState,
        CompanyInput,
        CompanyResult,
        CompanySnapshot,
        CompanyState,
        CreateTaskInput,
        CreateTasksInput,
        GoalInput,
        HireAgentInput,
        Hold,
        InvalidTransition,
        RecordInput,
        RoutineFire,
        TaskEvent,
        TaskInput,
        TaskRecord,
        TaskStatus,
        Unconfirmed,
        Usage,
        check_transition,
    )
    from paperclip.org import OrgError, check_hire, check_turn_budget, subtree
    from workflows.company_approvals import ApprovalsMixin
    from workflows.company_budgets import BudgetsMixin
    from workflows.company_goals import GoalsMixin
    from workflows.company_governance import GovernanceMixin, reject
    from workflows.company_heartbeats import HeartbeatsMixin
    from workflows.company_idempotency import remembered_update
    from workflows.company_views import shown_agent, shown_task
    from workflows.patches import ADMISSION, RECORDS_AS_ACTIVITY
    from workflows.task import TaskWorkflow, task_search_attributes

RECENT_ACTIVITY = 50
"""Activity entries the snapshot keeps in memory; the store keeps them all."""
FINISHED_TASKS_CARRIED = 200
"""Finished tasks carried across continue-as-new for the snapshot; older ones are in the store."""


@workflow.defn
class CompanyWorkflow(GovernanceMixin, GoalsMixin, ApprovalsMixin, HeartbeatsMixin, BudgetsMixin):
    @workflow.init
    def __init__(self, input: CompanyInput) -> None:
        if input.state is not None:
            self.state = input.state
        elif input.spec is not None:
            self.state = CompanyState(spec=input.spec)
        else:
            raise ApplicationError("CompanyInput needs a spec or a state", non_retryable=True)
        self._continue_after = input.continue_as_new_after_events
        self._handled = 0
        self._unrecorded: list[ActivityEntry] = []
        self._dirty: set[str] = set()
        self._to_admit: list[str] = []
        self._budget_settled = bool(self.state.deferred)  # decide them again in a new run
        self._recording: workflow.ActivityHandle[None] | None = None
        """The store write in flight, if any."""
        """Delegated tasks that introduced themselves and wait for their admission."""
        self._has_search_attributes = workflow.info().typed_search_attributes.get(SA_COMPANY) is not None
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
        self._log("agent.hired", actor=input.actor, agent=input.agent.name, summary=self._hire_summary(input.agent))
        return agent

    @hire_agent.validator
    def _validate_hire(self, input: HireAgentInput) -> None:
        self._check_open()
        try:
            check_hire(self.state.agents, input.agent)
            check_turn_budget(input.agent, budgeted=self.state.spec.budget.is_capped)
        except OrgError as err:
            raise reject(str(err), err.kind) from None

    @remembered_update
    def update_agent(self, input: HireAgentInput) -> AgentState:
        """Replace an agent's spec (model, prompt, manager, …); its running tasks keep theirs."""
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
            raise reject(str(err), err.kind) from None

    @remembered_update
    def create_task(self, input: CreateTaskInput) -> TaskRecord:
        """Queue a top-level task for an agent; it is dispatched by priority."""
        self._handled += 1
        return self._queue_task(input, actor=input.actor)

    @create_task.validator
    def _validate_create_task(self, input: CreateTaskInput) -> None:
        self._check_open()
        self._check_task(input)

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

    def _check_task(self, input: CreateTaskInput) -> None:
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

    def _queue_task(self, input: CreateTaskInput, *, actor: str = "board") -> TaskRecord:
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
            created_at=now,
            updated_at=now,
        )
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
        return record

    def _check_open(self) -> None:
        if self.state.archived:
            raise reject(f"company '{self.state.spec.id}' is archived", "Conflict")

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
            record.status = event.status
            if event.kind == "finished":
                self._task_finished(record, event)
            else:
                self._log(
                    "task.status",
                    actor=record.assignee,
                    task=record.identifier,
                    agent=record.assignee,
                    summary=f"{record.identifier} is {record.status}",
                )

    def _take_usage(
        self, record: TaskRecord, usage: Usage, cost_usd: float, turns: int, unconfirmed: Unconfirmed | None = None
    ) -> None:
        """Take a task's cumulative usage (after `turns` turns); what is new since the last report
        goes to the totals and this month's spend, and settles the reservation of a finished call.
        Its unconfirmed attempts (lost with their worker) count as spent at their worst case."""
        if turns >= record.turns and usage.input_tokens >= record.usage.input_tokens and cost_usd >= record.cost_usd:
            if unconfirmed is not None and unconfirmed != record.unconfirmed:
                self._take_unconfirmed(record, unconfirmed)
            new, cost = usage - record.usage, cost_usd - record.cost_usd
            record.usage, record.cost_usd, record.turns = usage, cost_usd, turns
            self.state.usage = self.state.usage + new
            self.state.cost_usd += cost
            agent = self.state.agents.get(record.assignee)
            if agent is not None:
                agent.usage = agent.usage + new
                agent.cost_usd += cost
            self._spend_usage(agent, record, new, cost)
        self._release(record.identifier, upto_turn=turns)

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

    def _refresh_agent(self, name: str) -> None:
        """An available agent is `running` while a task of its runs or waits, else `idle`."""
        agent = self.state.agents.get(name)
        if agent is None or not agent.status.is_available:
            return
        busy = any(
            t.assignee == name and t.status in (TaskStatus.RUNNING, TaskStatus.BLOCKED)
            for t in self.state.tasks.values()
        )
        agent.status = AgentStatus.RUNNING if busy else AgentStatus.IDLE

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
        return CompanySnapshot(
            spec=s.spec,
            agents=[shown_agent(s, a) for a in s.agents.values()],
            tasks=[shown_task(s, t) for t in s.tasks.values()],
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
            approvals=list(s.approvals.values()),
            month=s.month,
            spend=s.spend,
            budget_warnings=self._budget_warnings(),
            caps=list(s.caps.values()),
            simulated_agents=[a.spec.name for a in s.agents.values() if a.spec.model.is_simulated],
        )

    # ------------------------------------------------------------------ main loop

    @workflow.run
    async def run(self, input: CompanyInput) -> CompanyResult:
        while True:

            def work() -> bool:
                return (
                    bool(self._dispatchable() or self._to_admit)
                    or bool(self._budget_settled and self.state.deferred)
                    or self._record_due()
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
            await self._record()
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
            if not (self._to_admit or self._dirty or self._unrecorded):
                return
            await self._admit()
            await self._record()

    def _should_continue_as_new(self) -> bool:
        if self._continue_after is not None and self._handled >= self._continue_after:
            return True
        return workflow.info().is_continue_as_new_suggested()

    def _carried_state(self) -> CompanyState:
        """The state for the next run: finished tasks beyond the last few leave (they are in the store)."""
        s = self.state.model_copy()
        finished = [t for t in s.tasks.values() if t.status.is_terminal]
        finished.sort(key=lambda t: t.updated_at)
        dropped = {t.identifier for t in finished[: max(0, len(finished) - FINISHED_TASKS_CARRIED)]}
        s.tasks = {k: v for k, v in s.tasks.items() if k not in dropped}
        s.seen_events = {k: v for k, v in s.seen_events.items() if k in s.tasks}
        s.caps = {k: v for k, v in s.caps.items() if not k.startswith("task:") or k.partition(":")[2] in s.tasks}
        s.approvals = self._carried_approvals()
        s.generation += 1
        return s

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
        self.state.agents[spec.name] = AgentState(spec=spec)
        self._log("agent.hired", actor=actor, agent=spec.name, summary=self._hire_summary(spec))

    @staticmethod
    def _hire_summary(spec: AgentSpec) -> str:
        model = f"{spec.model.provider}/{spec.model.model}"
        if spec.model.is_simulated:
            model += " (simulated, offline)"
        manager = f", reports to {spec.reports_to}" if spec.reports_to else ""
        return f"{spec.name} hired as {spec.role}{manager}, model {model}"

    # ------------------------------------------------------------------ dispatch

    def _dispatchable(self) -> list[TaskRecord]:
        """Queued tasks that may start now: by priority then arrival, within agent and company caps."""
        if not self.state.queue or self.state.paused:
            return []
        open_children = sum(
            1
            for t in self.state.tasks.values()
            if t.parent is None and not t.status.is_terminal and t.status is not TaskStatus.QUEUED
        )
        room = MAX_OPEN_CHILDREN - open_children
        order = {ident: i for i, ident in enumerate(self.state.queue)}
        queued = sorted(
            (self.state.tasks[i] for i in self.state.queue),
            key=lambda t: (t.priority.rank, order[t.identifier]),
        )
        running = {name: a.running for name, a in self.state.agents.items()}
        picked: list[TaskRecord] = []
        for task in queued:
            if len(picked) >= room:
                break
            agent = self.state.agents[task.assignee]
            if self._waits_for_wake(task):
                continue
            if agent.status.is_available and running[task.assignee] < agent.spec.max_concurrent_runs:
                running[task.assignee] += 1
                picked.append(task)
        return picked

    async def _dispatch(self) -> None:
        picked = self._dispatchable()
        if not picked:
            return
        for task in picked:
            self.state.queue.remove(task.identifier)
            self.state.agents[task.assignee].running += 1
            check_transition(task.status, TaskStatus.RUNNING)
            task.status = TaskStatus.RUNNING
            task.updated_at = workflow.now()
            self._dirty.add(task.identifier)
            self._refresh_agent(task.assignee)
        for agent in self.state.agents.values():
            if agent.awake and not any(self.state.tasks[i].assignee == agent.spec.name for i in self.state.queue):
                agent.awake = False  # its waiting work has started
        await asyncio.gather(*(self._start(task) for task in picked))

    async def _start(self, task: TaskRecord) -> None:
        specs = [a.spec for a in self.state.agents.values() if a.status is not AgentStatus.TERMINATED]
        agent = self.state.agents[task.assignee].spec
        if task.identifier in self.state.woken:
            self.state.woken.remove(task.identifier)
            if agent.wake_model is not None:
                agent = agent.model_copy(update={"model": agent.wake_model})
        await workflow.start_child_workflow(
            TaskWorkflow.run,
            TaskInput(
                company_id=self.state.spec.id,
                company_name=self.state.spec.name,
                mission=self.state.spec.mission,
                identifier=task.identifier,
                title=task.title,
                brief=task.brief,
                priority=task.priority,
                agent=agent,
                team=subtree(specs, agent.name),
                goal=task.goal,
                goals=self._goals_for(agent.name, task.goal),
                require_strategy_approval=self.state.spec.require_strategy_approval and agent.reports_to is None,
                company_budgeted=self.state.spec.budget.is_capped or bool(self._caps_over(task)),
                approval_timeout_seconds=self.state.spec.approval_timeout_seconds,
                created_at=task.created_at,
            ),
            id=task_workflow_id(self.state.spec.id, task.identifier),
            parent_close_policy=ParentClosePolicy.ABANDON,
            search_attributes=(
                task_search_attributes(self.state.spec.id, agent.name, TaskStatus.RUNNING)
                if self._has_search_attributes
                else None
            ),
        )

    async def _admit(self) -> None:
        """Answer delegated tasks that introduced themselves: go on, hold (the company or their
        agent is paused), or stop (their agent has left)."""
        if not self._to_admit or not workflow.patched(ADMISSION):
            self._to_admit = []
            return
        admitted, self._to_admit = self._to_admit, []
        go, held, stop = [], [], []
        for identifier in admitted:
            record = self.state.tasks.get(identifier)
            if record is None or record.status.is_terminal:
                continue
            agent = self.state.agents.get(record.assignee)
            if agent is None or agent.status is AgentStatus.TERMINATED:
                stop.append(record)
            elif self.state.paused or agent.status in (AgentStatus.PAUSED, AgentStatus.PENDING_APPROVAL):
                held.append(record)
            else:
                go.append(record)
        await asyncio.gather(
            self._signal_tasks(go, TaskWorkflow.hold, Hold(held=False)),
            self._signal_tasks(held, TaskWorkflow.hold, Hold(held=True)),
            self._signal_tasks(stop, TaskWorkflow.cancel, CancelTask(reason="its agent has left", actor="system")),
        )

    # ------------------------------------------------------------------ activity log and store

    def _log(self, kind: str, *, actor: str, summary: str, task: str | None = None, agent: str | None = None) -> None:
        entry = ActivityEntry(
            id=str(workflow.uuid4()),
            company_id=self.state.spec.id,
            at=workflow.now(),
            kind=kind,
            actor=actor,
            task=task,
            agent=agent,
            summary=summary,
        )
        self.state.recent.append(entry)
        del self.state.recent[:-RECENT_ACTIVITY]
        self._unrecorded.append(entry)

    def _record_due(self) -> bool:
        """Something to write, and no write in flight."""
        return bool(self._unrecorded or self._dirty) and (self._recording is None or self._recording.done())

    async def _record(self) -> None:
        """Write what changed since the last write to the store, in one activity; one write is in
        flight at a time (so they land in order) and the loop does not wait for it."""
        if not self._record_due():
            return
        batch = RecordInput(
            activity=self._unrecorded,
            tasks=[self.state.tasks[i] for i in sorted(self._dirty) if i in self.state.tasks],
        )
        self._unrecorded, self._dirty = [], set()
        if not workflow.patched(RECORDS_AS_ACTIVITY):  # how runs recorded before
            await workflow.execute_local_activity("record", batch, start_to_close_timeout=timedelta(seconds=30))
            return
        # A regular activity, not a local one: a local activity's result replays at another point
        # than it arrived, so a decision taken after it (ending a run, a patch) could replay
        # differently, and a signal that came in meanwhile could be lost to a continue-as-new.
        self._recording = workflow.start_activity("record", batch, start_to_close_timeout=timedelta(seconds=30))
