"""Heartbeats: agents that wake on their own, part of `CompanyWorkflow`.

An agent whose policy has an interval wakes every interval (one timer for the whole company:
the earliest due wake). Each wake first checks, deterministically and without a model call,
whether there is work: a task assigned to it that waits for a wake (`wake_on_assignment` off),
a comment it has not been woken for (`wake_on_comment` off), or — for a manager — an active
goal it owns with no open task. A wake that finds none spends nothing and is counted as
skipped; one that finds work releases it (and, for a goal, creates the task to plan it).
"""

from datetime import timedelta

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from paperclip.models import (
        AgentState,
        CompanyState,
        CreateTaskInput,
        Goal,
        GoalStatus,
        TaskRecord,
        TaskStatus,
    )
    from workflows.company.core import CompanyCore
    from workflows.patches import HEARTBEATS
    from workflows.task import TaskWorkflow


def wakes_on_timer(state: CompanyState) -> list[AgentState]:
    """The agents that wake on a timer: available ones whose policy has an interval."""
    return [a for a in state.agents.values() if a.spec.heartbeat.interval_seconds is not None and a.status.is_available]


def unattended_goals(state: CompanyState, owner: str) -> list[Goal]:
    """The active goals `owner` answers for that no open task serves."""
    open_goals = {t.goal for t in state.tasks.values() if t.goal is not None and not t.status.is_terminal}
    return [
        g for g in state.goals.values() if g.owner == owner and g.status is GoalStatus.ACTIVE and g.id not in open_goals
    ]


def waits_for_wake(state: CompanyState, task: TaskRecord) -> bool:
    """A queued task of an agent that takes new work only when it wakes, and is not awake."""
    agent = state.agents[task.assignee]
    return task.status is TaskStatus.QUEUED and not agent.spec.heartbeat.wake_on_assignment and not agent.awake


class HeartbeatsPart(CompanyCore):
    """Periodic wakes of `CompanyWorkflow` (see the module docstring)."""

    def _until_next_wake(self) -> timedelta | None:
        """Time to the earliest due wake; None when no agent wakes on a timer."""
        sleepers = wakes_on_timer(self.state)
        if not sleepers or self.state.paused or self.state.archived or not workflow.patched(HEARTBEATS):
            return None
        now = workflow.now()
        due = []
        for agent in sleepers:
            if agent.last_wake is None:
                agent.last_wake = now  # the first interval starts now
            assert agent.spec.heartbeat.interval_seconds is not None
            due.append(agent.last_wake + timedelta(seconds=agent.spec.heartbeat.interval_seconds))
        return max(min(due) - now, timedelta(0))

    async def _wake_due_agents(self) -> None:
        """Wake every agent whose interval has passed: release its work, or count a skipped wake."""
        if self.state.paused or self.state.archived:
            return
        now = workflow.now()
        to_wake: list[TaskRecord] = []
        for agent in wakes_on_timer(self.state):
            interval = agent.spec.heartbeat.interval_seconds
            assert interval is not None
            if agent.last_wake is None or agent.last_wake + timedelta(seconds=interval) > now:
                continue
            agent.last_wake = now
            work = self._work_for(agent)
            if not work:
                agent.skipped_wakes += 1
                continue
            agent.wakes += 1
            self._log("agent.woke", actor="system", agent=agent.spec.name, summary=f"{agent.spec.name} woke: {work}")
            quiet = set(agent.unanswered)
            agent.unanswered = []
            to_wake += [t for t in self._open_tasks(agent=agent.spec.name) if t.identifier in quiet]
        if to_wake:
            await self._signal_tasks(to_wake, TaskWorkflow.wake, "heartbeat")

    def _work_for(self, agent: AgentState) -> str:
        """What a wake finds for `agent` (and releases); empty when there is nothing."""
        name = agent.spec.name
        found: list[str] = []
        waiting = [i for i in self.state.queue if self.state.tasks[i].assignee == name]
        if waiting and not agent.spec.heartbeat.wake_on_assignment:
            agent.awake = True  # dispatch may start them now
            found.append(f"{len(waiting)} assigned task(s)")
        if agent.unanswered:
            found.append(f"comments on {', '.join(sorted(set(agent.unanswered)))}")
        if any(a.spec.reports_to == name and a.status.is_available for a in self.state.agents.values()):
            for goal in unattended_goals(self.state, name):
                record = self._queue_task(
                    CreateTaskInput(
                        title=f"Plan the next step towards {goal.id}: {goal.title}"[:500],
                        brief=(
                            f"Goal {goal.id} ({goal.level}) has no open task. Decide the next piece of work "
                            f"towards it and delegate it, or report why none is needed.\n\n{goal.description}"
                        ).strip(),
                        assignee=name,
                        goal=goal.id,
                    ),
                    actor="system",
                )
                self.state.woken.append(record.identifier)
                agent.awake = True
                found.append(f"{goal.id} has no open task ({record.identifier} created)")
        return "; ".join(found)
