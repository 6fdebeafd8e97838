"""What the company sends out on each pass of its loop, part of `CompanyWorkflow`: the queued
tasks that may start now, started as child workflows; the answers to delegated tasks waiting
for their admission; and the store write of what changed.

Top-level tasks are dispatched by priority, then arrival, within each agent's concurrency and
the company's cap on open children. Children are started with `ParentClosePolicy.ABANDON` and
report by signal. Store writes (activity log, task records) are batched into one activity per
pass, one in flight at a time.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from paperclip.constants import MAX_OPEN_CHILDREN, Activity, task_workflow_id
    from paperclip.models import (
        AgentStatus,
        ApprovalRecord,
        CancelTask,
        CompanyState,
        Hold,
        RecordInput,
        RepositoryConfig,
        TaskInput,
        TaskRecord,
        TaskStatus,
        check_transition,
    )
    from paperclip.org import subtree
    from paperclip.spend import caps_over
    from workflows.company.core import CompanyCore
    from workflows.company.goals import goals_for
    from workflows.company.heartbeats import waits_for_wake
    from workflows.company.review import task_review
    from workflows.company.waiting import inputs_of, waiting_on
    from workflows.patches import ADMISSION, APPROVALS_IN_STORE, RECORDS_AS_ACTIVITY
    from workflows.task import TaskWorkflow, task_search_attributes

RECORD_DETAILS_BUDGET = 1_000_000
"""Characters of approval details one record batch carries at most (an activity's input must
stay under Temporal's 2 MB, with the batch's task records and activity entries beside them)."""


def dispatchable(state: CompanyState) -> list[TaskRecord]:
    """Queued tasks that may start now: by priority then arrival, within agent and company caps."""
    if not state.queue or state.paused:
        return []
    open_children = sum(
        1
        for t in state.tasks.values()
        if t.parent is None and not t.status.is_terminal and t.status is not TaskStatus.QUEUED
    )
    room = MAX_OPEN_CHILDREN - open_children
    order = {ident: i for i, ident in enumerate(state.queue)}
    queued = sorted((state.tasks[i] for i in state.queue), key=lambda t: (t.priority.rank, order[t.identifier]))
    running = {name: a.running for name, a in state.agents.items()}
    picked: list[TaskRecord] = []
    for task in queued:
        if len(picked) >= room:
            break
        agent = state.agents[task.assignee]
        if waits_for_wake(state, task) or waiting_on(state, task):
            continue
        if agent.status.is_available and running[task.assignee] < agent.spec.max_concurrent_runs:
            running[task.assignee] += 1
            picked.append(task)
    return picked


class DispatchPart(CompanyCore):
    """Dispatch, admission and the store write of `CompanyWorkflow` (see the module docstring)."""

    async def _dispatch(self) -> None:
        picked = dispatchable(self.state)
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
        if task.identifier in self.state.stored_texts:
            # Carried without its brief (`texts.py`): the task's input needs it, so read it back.
            task.brief = await workflow.execute_activity(
                Activity.TASK_BRIEF,
                args=[self.state.spec.id, task.identifier],
                result_type=str,
                start_to_close_timeout=timedelta(seconds=30),
            )
            self.state.stored_texts.remove(task.identifier)
        link = self.state.pipeline_tasks.get(task.identifier)  # a pipeline run's step: its result has a schema
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
                goals=goals_for(self.state, agent.name, task.goal),
                require_strategy_approval=self.state.spec.require_strategy_approval and agent.reports_to is None,
                company_budgeted=self.state.spec.budget.is_capped or bool(caps_over(self.state, task)),
                approval_timeout_seconds=self.state.spec.approval_timeout_seconds,
                created_at=task.created_at,
                repository=self._workspace_of(task) or agent.repository or self.state.spec.repository,
                company_tool_policy=self.state.spec.tool_policy,
                output_schema=link.output_schema if link is not None else None,
                schema_tries=link.schema_tries if link is not None else 3,
                inputs=inputs_of(self.state, task),
                review=task_review(self.state, task),
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

    def _workspace_of(self, task: TaskRecord) -> RepositoryConfig | None:
        """The workspace of the task's project, when it belongs to one that has one (it wins over
        the agent's and the company's repository)."""
        project = self.state.projects.get(task.project) if task.project is not None else None
        return project.workspace if project is not None else None

    # ------------------------------------------------------------------ the store

    def _record_due(self) -> bool:
        """Something to write, and no write in flight."""
        due = self._unrecorded or self._unrecorded_revisions or self._dirty or self._approvals_due
        return bool(due) and (self._recording is None or self._recording.done())

    def _approvals_to_write(self) -> list[ApprovalRecord]:
        """The next batch's approvals: the unwritten ones, oldest first, up to
        `RECORD_DETAILS_BUDGET` characters of details (one at least); the others wait for the
        next batch, which is then due at once."""
        left = sorted(self._unwritten_approvals, key=lambda i: int(i.rpartition("-")[2]))
        batch: list[ApprovalRecord] = []
        size = 0
        while left and (not batch or size + len(self.state.approvals[left[0]].details) <= RECORD_DETAILS_BUDGET):
            a = self.state.approvals[left.pop(0)]
            size += len(a.details)
            batch.append(
                ApprovalRecord(
                    company_id=self.state.spec.id, id=a.id, request_id=a.request_id, details=a.details, agent=a.agent
                )
            )
        self._unwritten_approvals = set(left)
        self._approvals_due = bool(left)
        self._approvals_sent = {a.id for a in batch}
        return batch

    async def _record(self) -> None:
        """Write what changed since the last write to the store, in one activity; one write is in
        flight at a time (so they land in order) and the loop does not wait for it."""
        if not self._record_due():
            return
        records = [self.state.tasks[i] for i in sorted(self._dirty) if i in self.state.tasks]
        batch = RecordInput(
            activity=self._unrecorded,
            tasks=records,
            texts_kept=[r.identifier for r in records if r.identifier in self.state.stored_texts],
            approvals=self._approvals_to_write() if workflow.patched(APPROVALS_IN_STORE) else [],
            revisions=self._unrecorded_revisions,
        )
        self._unrecorded, self._unrecorded_revisions, self._dirty = [], [], set()
        self._tasks_sent = {r.identifier for r in records}
        if not workflow.patched(RECORDS_AS_ACTIVITY):  # how runs recorded before
            await workflow.execute_local_activity(Activity.RECORD, batch, start_to_close_timeout=timedelta(seconds=30))
            return
        # A regular activity, not a local one: a local activity's result replays at another point
        # than it arrived, so a decision taken after it (ending a run, a patch) could replay
        # differently, and a signal that came in meanwhile could be lost to a continue-as-new.
        self._recording = workflow.start_activity(Activity.RECORD, batch, start_to_close_timeout=timedelta(seconds=30))
