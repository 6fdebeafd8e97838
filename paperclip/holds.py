"""What the company's snapshot shows of its agents and tasks beyond their own records: why a
task holds and which agents a stopped budget pauses.

Pure functions of the carried state, run by the snapshot query only, so nothing here reaches
history.
"""

from paperclip.models import AgentState, AgentStatus, CompanyState, TaskRecord, TaskStatus
from paperclip.spend import BUDGET, covers

BRAKE = "brake"
"""`CompanyState.pause_reason` of a company the emergency brake paused (`POST /api/pause-all`)."""

AGENT_PAUSED = "agent paused"
COMPANY_PAUSED = "company paused"
AWAITING_APPROVAL = "agent awaits approval"
EMERGENCY_BRAKE = "emergency brake"


def hold_reason(state: CompanyState, task: TaskRecord) -> str | None:
    """Why an open task holds before its next turn, as the board reads it; None when it does not.

    `budget` when a budget stopped its company, its agent, or a lifetime cap over it (naming the
    cap), else the company or its agent paused by hand, or its agent awaiting the board's approval.
    """
    if task.status.is_terminal or task.status is TaskStatus.QUEUED:
        return None
    if state.paused:
        if state.pause_reason == BRAKE:
            return EMERGENCY_BRAKE
        return BUDGET if state.pause_reason == BUDGET else COMPANY_PAUSED
    agent = state.agents.get(task.assignee)
    if agent is not None and agent.status is AgentStatus.PAUSED:
        return BUDGET if agent.pause_reason == BUDGET else AGENT_PAUSED
    if agent is not None and agent.status is AgentStatus.PENDING_APPROVAL:
        return AWAITING_APPROVAL
    stopped = next((cap.scope for cap in state.caps.values() if cap.stopped and covers(state, cap.scope, task)), None)
    return f"{BUDGET} ({stopped})" if stopped is not None else None


def shown_task(state: CompanyState, task: TaskRecord) -> TaskRecord:
    """A task as the board sees it: with why it holds (a copy only when that changed)."""
    held = hold_reason(state, task)
    return task if held == task.held else task.model_copy(update={"held": held})


def shown_agent(state: CompanyState, agent: AgentState) -> AgentState:
    """An agent as the board sees it: paused for `budget` while the company's budget stops it."""
    if state.pause_reason == BUDGET and agent.status.is_available:
        return agent.model_copy(update={"status": AgentStatus.PAUSED, "pause_reason": BUDGET})
    return agent
