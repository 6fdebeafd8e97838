"""The board's levers on a company, as validated updates of `CompanyWorkflow`: pause, resume and
terminate agents; pause, resume and archive the company; cancel and reassign tasks; comment.

Each validator rejects bad input before anything enters history; each handler writes an
activity-log entry and tells the affected task workflows by signal.
"""

import re

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from paperclip.holds import BRAKE
    from paperclip.models import (
        AgentActionInput,
        AgentState,
        AgentStatus,
        CancelTask,
        Comment,
        CommentInput,
        CompanyActionInput,
        CreateTaskInput,
        Escalation,
        Hold,
        InvalidTransition,
        Reassign,
        ReassignTaskInput,
        SetToolingInput,
        TaskActionInput,
        TaskRecord,
        TaskStatus,
        check_agent_transition,
    )
    from paperclip.org import subtree
    from workflows.company.core import CompanyCore, reject, why
    from workflows.company.idempotency import remembered_update
    from workflows.patches import EMERGENCY_BRAKE
    from workflows.task import TaskWorkflow

MENTION = re.compile(r"(?<![\w@])@([a-z0-9][a-z0-9_-]{0,62})")


class GovernancePart(CompanyCore):
    """Updates of `CompanyWorkflow` that steer agents and tasks (see the module docstring)."""

    # ------------------------------------------------------------------ agents

    @remembered_update
    async def pause_agent(self, input: AgentActionInput) -> AgentState:
        """The agent's tasks hold before their next turn; nothing new is dispatched to it."""
        agent = self._set_agent_status(input, AgentStatus.PAUSED, "agent.paused")
        await self._signal_tasks(self._open_tasks(agent=input.agent), TaskWorkflow.hold, Hold(held=True))
        return agent

    @pause_agent.validator
    def _validate_pause_agent(self, input: AgentActionInput) -> None:
        self._check_agent_move(input.agent, AgentStatus.PAUSED)

    @remembered_update
    async def resume_agent(self, input: AgentActionInput) -> AgentState:
        """The agent takes turns and new work again (also how an agent in `error` is cleared)."""
        agent = self._set_agent_status(input, AgentStatus.ACTIVE, "agent.resumed")
        self._refresh_agent(input.agent)
        if not self.state.paused:
            await self._signal_tasks(self._open_tasks(agent=input.agent), TaskWorkflow.hold, Hold(held=False))
        return agent

    @resume_agent.validator
    def _validate_resume_agent(self, input: AgentActionInput) -> None:
        self._check_agent_move(input.agent, AgentStatus.ACTIVE)

    @remembered_update
    async def terminate_agent(self, input: AgentActionInput) -> AgentState:
        """The agent leaves: its queued tasks are cancelled, its running ones cancelled with their
        subtrees, and its reports now report to its manager."""
        agent = self._set_agent_status(input, AgentStatus.TERMINATED, "agent.terminated")
        for report in self.state.agents.values():
            if report.spec.reports_to == input.agent:
                report.spec = report.spec.model_copy(update={"reports_to": agent.spec.reports_to})
        running = self._cancel_queued_or_list_running(self._open_tasks(agent=input.agent), input.actor, input.reason)
        await self._signal_tasks(running, TaskWorkflow.cancel, CancelTask(reason=input.reason, actor=input.actor))
        return agent

    @terminate_agent.validator
    def _validate_terminate_agent(self, input: AgentActionInput) -> None:
        agent = self._check_agent_move(input.agent, AgentStatus.TERMINATED)
        if agent.spec.reports_to is None and any(
            a.spec.reports_to == input.agent and a.status is not AgentStatus.TERMINATED
            for a in self.state.agents.values()
        ):
            raise reject(f"'{input.agent}' heads the org chart and has reports: terminate or move them first")

    def _check_agent_move(self, name: str, status: AgentStatus) -> AgentState:
        self._check_open()
        agent = self.state.agents.get(name)
        if agent is None:
            raise reject(f"agent '{name}' not found", "NotFound")
        current = agent.status
        if status is AgentStatus.ACTIVE and current.is_available:
            raise reject(f"agent '{name}' is {current}, not paused", "Conflict")
        try:
            check_agent_transition(current, status)
        except InvalidTransition as err:
            raise reject(f"agent '{name}': {err}", "Conflict") from None
        return agent

    def _set_agent_status(self, input: AgentActionInput, status: AgentStatus, kind: str) -> AgentState:
        self._handled += 1
        agent = self.state.agents[input.agent]
        agent.status = status
        reason = f": {input.reason}" if input.reason else ""
        self._log(kind, actor=input.actor, agent=input.agent, summary=f"{input.agent} {status}{reason}")
        return agent

    # ------------------------------------------------------------------ the company

    @remembered_update
    async def pause_company(self, input: CompanyActionInput) -> None:
        """Nothing is dispatched and every task holds before its next turn."""
        self._handled += 1
        self.state.paused = True
        if input.brake and workflow.patched(EMERGENCY_BRAKE):
            self.state.pause_reason = BRAKE
        self._log("company.paused", actor=input.actor, summary=f"company paused{why(input.reason)}")
        await self._signal_tasks(self._open_tasks(), TaskWorkflow.hold, Hold(held=True))

    @pause_company.validator
    def _validate_pause_company(self, input: CompanyActionInput) -> None:
        self._check_open()
        if self.state.paused:
            raise reject("the company is already paused", "Conflict")

    @remembered_update
    async def resume_company(self, input: CompanyActionInput) -> None:
        self._handled += 1
        self.state.paused = False
        if self.state.pause_reason == BRAKE:
            self.state.pause_reason = None
        self._log("company.resumed", actor=input.actor, summary=f"company resumed{why(input.reason)}")
        working = [t for t in self._open_tasks() if self.state.agents[t.assignee].status is not AgentStatus.PAUSED]
        await self._signal_tasks(working, TaskWorkflow.hold, Hold(held=False))

    @resume_company.validator
    def _validate_resume_company(self, input: CompanyActionInput) -> None:
        self._check_open()
        if not self.state.paused:
            raise reject("the company is not paused", "Conflict")
        if input.brake and self.state.pause_reason != BRAKE:
            why = f"for its {self.state.pause_reason}" if self.state.pause_reason else "by hand"
            raise reject(f"the company was paused {why}, not by the emergency brake", "Conflict")

    @remembered_update
    def archive_company(self, input: CompanyActionInput) -> None:
        """The company ends: its workflow completes (its records stay in the store)."""
        self._handled += 1
        self.state.archived = True
        self._log("company.archived", actor=input.actor, summary=f"company archived{why(input.reason)}")

    @archive_company.validator
    def _validate_archive_company(self, input: CompanyActionInput) -> None:
        self._check_open()
        still_open = [t.identifier for t in self.state.tasks.values() if not t.status.is_terminal]
        if still_open:
            raise reject(
                f"{len(still_open)} task(s) still open ({', '.join(still_open[:5])}): cancel them first", "Conflict"
            )

    # ------------------------------------------------------------------ tools

    @remembered_update
    async def set_tooling(self, input: SetToolingInput) -> None:
        """Replace the company's repository and tool rules (checked by the API, which stores them
        too): tasks dispatched from now on get them; running tasks keep theirs."""
        self._handled += 1
        self.state.spec = self.state.spec.model_copy(
            update={"repository": input.repository, "tool_policy": input.tool_policy}
        )
        where = input.repository.source if input.repository is not None else "no repository"
        self._log(
            "company.tooling",
            actor=input.actor,
            summary=f"tools: {where}, {len(input.tool_policy)} rule(s) for new tasks",
        )

    @set_tooling.validator
    def _validate_set_tooling(self, input: SetToolingInput) -> None:
        self._check_open()

    # ------------------------------------------------------------------ tasks

    @remembered_update
    async def cancel_task(self, input: TaskActionInput) -> TaskRecord:
        """Cancel a task and the subtasks it delegated."""
        self._handled += 1
        record = self.state.tasks[input.identifier]
        running = self._cancel_queued_or_list_running([record], input.actor, input.reason)
        self._log(
            "task.cancel_requested",
            actor=input.actor,
            task=input.identifier,
            agent=record.assignee,
            summary=f"cancel {input.identifier}{why(input.reason)}",
        )
        await self._signal_tasks(running, TaskWorkflow.cancel, CancelTask(reason=input.reason, actor=input.actor))
        return record

    @cancel_task.validator
    def _validate_cancel_task(self, input: TaskActionInput) -> None:
        self._open_task(input.identifier)

    @remembered_update
    async def reassign_task(self, input: ReassignTaskInput) -> TaskRecord:
        """Give a task to another agent; a running task carries on with the conversation so far."""
        self._handled += 1
        record = self.state.tasks[input.identifier]
        summary = f"{record.identifier} reassigned from {record.assignee} to {input.assignee}"
        self._log("task.reassigned", actor=input.actor, task=record.identifier, agent=input.assignee, summary=summary)
        await self._hand_over(record, input.assignee)
        return record

    @workflow.signal
    async def task_escalated(self, escalation: Escalation) -> None:
        """A task's agent escalated it: its manager takes it over (with no manager left, it goes
        back to the agent, which is told so)."""
        record = self.state.tasks.get(escalation.identifier)
        if record is None or record.status.is_terminal or record.assignee != escalation.agent:
            return  # a repeat, or the task moved on
        self._handled += 1
        agent = self.state.agents[escalation.agent]
        manager = self.state.agents.get(agent.spec.reports_to or "")
        to = escalation.agent if manager is None or manager.status is AgentStatus.TERMINATED else manager.spec.name
        self._log(
            "task.escalated",
            actor=escalation.agent,
            task=record.identifier,
            agent=to,
            summary=f"{escalation.agent} escalated {record.identifier} to {to}: {escalation.reason}",
        )
        await self._hand_over(record, to)

    async def _hand_over(self, record: TaskRecord, assignee: str) -> None:
        """Make `assignee` the task's agent; a running task is told by signal."""
        previous = record.assignee
        record.assignee = assignee
        record.updated_at = workflow.now()
        self._dirty.add(record.identifier)
        if record.status is TaskStatus.QUEUED or record.blocked_reason is not None:
            return  # not started: no workflow to tell, no run counted
        if record.parent is None and previous != assignee:
            self.state.agents[previous].running = max(0, self.state.agents[previous].running - 1)
            self.state.agents[assignee].running += 1
        self._refresh_agent(previous)
        self._refresh_agent(assignee)
        specs = [a.spec for a in self.state.agents.values() if a.status is not AgentStatus.TERMINATED]
        spec = self.state.agents[assignee].spec
        await self._signal_tasks([record], TaskWorkflow.reassign, Reassign(agent=spec, team=subtree(specs, spec.name)))

    @reassign_task.validator
    def _validate_reassign_task(self, input: ReassignTaskInput) -> None:
        record = self._open_task(input.identifier)
        agent = self.state.agents.get(input.assignee)
        if agent is None:
            raise reject(f"unknown agent '{input.assignee}'")
        if agent.status in (AgentStatus.TERMINATED, AgentStatus.PENDING_APPROVAL):
            raise reject(f"agent '{input.assignee}' is {agent.status}")
        if record.assignee == input.assignee:
            raise reject(f"{input.identifier} is already assigned to {input.assignee}", "Conflict")

    # ------------------------------------------------------------------ comments

    @remembered_update
    async def post_comment(self, input: CommentInput) -> list[str]:
        """Comment on a task: its agent reads it on its next turn (a waiting task wakes for it).
        `@name` also wakes that agent on this task's tree — or, with nothing open there, gives
        it a task to answer. Returns the tasks the comment reached."""
        self._handled += 1
        return await self._comment(input)

    @post_comment.validator
    def _validate_post_comment(self, input: CommentInput) -> None:
        self._open_task(input.identifier)

    @workflow.signal
    async def task_commented(self, input: CommentInput) -> None:
        """A task's agent commented (its `comment` tool) on its own task, its parent or a subtask:
        posted as `post_comment` posts a person's, while the task is open (a task that closed
        meanwhile, or an author no longer of the company, drops it)."""
        record = self.state.tasks.get(input.identifier)
        if record is None or record.status.is_terminal or self.state.archived or input.author not in self.state.agents:
            workflow.logger.info("comment by %s on %s dropped: the task is not open", input.author, input.identifier)
            return
        self._handled += 1
        await self._comment(input)

    async def _comment(self, input: CommentInput) -> list[str]:
        """Post a comment on an open task: log it, wake the agents it mentions, and signal the
        tasks it reached; returns them."""
        record = self.state.tasks[input.identifier]
        comment = Comment(id=str(workflow.uuid4()), author=input.author, body=input.body)
        reached = [record]
        root = input.identifier.split(".", 1)[0]
        for name in self._mentions(input.body):
            if name == record.assignee or name == input.author:
                continue
            theirs = [
                t
                for t in self._open_tasks(agent=name)
                if t.identifier.split(".", 1)[0] == root and t.status is not TaskStatus.QUEUED
            ]
            if theirs:
                reached += theirs
            else:
                self._queue_task(
                    CreateTaskInput(
                        title=f"Answer {input.author} on {input.identifier}",
                        brief=f"{input.author} mentioned you on {input.identifier} ({record.title}):\n\n{input.body}",
                        assignee=name,
                        priority=record.priority,
                    ),
                    actor=input.author,
                )
        self._log(
            "comment.posted",
            actor=input.author,
            task=input.identifier,
            agent=record.assignee,
            summary=f"{input.author} on {input.identifier}: {input.body[:200]}",
        )
        for task in reached:
            agent = self.state.agents.get(task.assignee)
            if agent is not None and not agent.spec.heartbeat.wake_on_comment and task.status is not TaskStatus.QUEUED:
                agent.unanswered = [*dict.fromkeys([*agent.unanswered, task.identifier])]
        await self._signal_tasks(
            [t for t in reached if t.status is not TaskStatus.QUEUED], TaskWorkflow.comment, comment
        )
        return [t.identifier for t in reached]

    def _mentions(self, body: str) -> list[str]:
        """Agents named with `@name` (unknown names are ordinary text), each once."""
        names = dict.fromkeys(m.group(1) for m in MENTION.finditer(body))
        return [
            n for n in names if n in self.state.agents and self.state.agents[n].status is not AgentStatus.TERMINATED
        ]
