"""The fixed sets of the vocabulary: providers, priorities, roles, and the lifecycles of tasks,
agents, goals and approvals with the transitions each allows (`check_transition` and its kin)."""

from enum import StrEnum

from paperclip.errors import InvalidInput


class Provider(StrEnum):
    OPENAI = "openai"
    """OpenAI, or any OpenAI-compatible endpoint by `base_url` (Ollama, vLLM, LiteLLM, OpenRouter)."""
    ANTHROPIC = "anthropic"
    SIMULATED = "simulated"
    """Offline and deterministic, for demos and tests without keys; labelled wherever it shows."""


class Priority(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}


class TaskStatus(StrEnum):
    """The task lifecycle (see docs/architecture.md).

    queued → running → (blocked ⇄ running) → done | failed; cancelled from any open status. Under a
    review policy (docs/review.md) a completed task is `in_review` first: approved it is done, sent
    back it runs again.
    """

    QUEUED = "queued"
    """Created, waiting for the company to dispatch it (agent concurrency, company cap)."""
    RUNNING = "running"
    """The agent is taking turns on it."""
    BLOCKED = "blocked"
    """Waiting for the subtasks it delegated; wakes when they finish."""
    IN_REVIEW = "in_review"
    """Completed under a review policy: waits for its reviewer to approve it or send it back."""
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.CANCELLED})

TASK_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.QUEUED: frozenset({TaskStatus.RUNNING, TaskStatus.BLOCKED, TaskStatus.CANCELLED}),
    TaskStatus.RUNNING: frozenset(
        {TaskStatus.BLOCKED, TaskStatus.IN_REVIEW, TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.CANCELLED}
    ),
    TaskStatus.BLOCKED: frozenset({TaskStatus.RUNNING, TaskStatus.FAILED, TaskStatus.CANCELLED}),
    TaskStatus.IN_REVIEW: frozenset({TaskStatus.RUNNING, TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.CANCELLED}),
    TaskStatus.DONE: frozenset(),
    TaskStatus.FAILED: frozenset(),
    TaskStatus.CANCELLED: frozenset(),
}


class InvalidTransition(InvalidInput):
    """A status change (of a task, an agent or a goal) that its lifecycle does not allow: bad input,
    so also a `ValueError`."""


def check_transition(old: TaskStatus, new: TaskStatus) -> None:
    """Raise `InvalidTransition` unless `old → new` is allowed (a no-op change is allowed)."""
    if old != new and new not in TASK_TRANSITIONS[old]:
        raise InvalidTransition(f"task status cannot go from {old} to {new}")


class Role(StrEnum):
    """What an agent is for; other agents read it (with `capabilities`) when delegating."""

    CEO = "ceo"
    CTO = "cto"
    CMO = "cmo"
    CFO = "cfo"
    ENGINEER = "engineer"
    DESIGNER = "designer"
    PM = "pm"
    QA = "qa"
    DEVOPS = "devops"
    RESEARCHER = "researcher"
    REVIEWER = "reviewer"
    GENERAL = "general"


class AgentStatus(StrEnum):
    """An agent's lifecycle: `idle` and `running` follow its tasks; the rest are set by people,
    the board's decisions or failures."""

    PENDING_APPROVAL = "pending_approval"
    """Hired by an agent in a company that requires the board's approval; does no work yet."""
    ACTIVE = "active"
    """Hired (or resumed) and available."""
    IDLE = "idle"
    """Available, with no task running."""
    RUNNING = "running"
    """At least one of its tasks is running."""
    PAUSED = "paused"
    """Holds before its next turn until resumed."""
    ERROR = "error"
    """Its last task failed for good; available again once resumed."""
    TERMINATED = "terminated"

    @property
    def is_available(self) -> bool:
        """Takes new work (dispatch starts its queued tasks)."""
        return self in (AgentStatus.ACTIVE, AgentStatus.IDLE, AgentStatus.RUNNING)


_WORKING = frozenset({AgentStatus.ACTIVE, AgentStatus.IDLE, AgentStatus.RUNNING})

AGENT_TRANSITIONS: dict[AgentStatus, frozenset[AgentStatus]] = {
    AgentStatus.PENDING_APPROVAL: frozenset({AgentStatus.ACTIVE, AgentStatus.TERMINATED}),
    AgentStatus.ACTIVE: _WORKING | {AgentStatus.PAUSED, AgentStatus.ERROR, AgentStatus.TERMINATED},
    AgentStatus.IDLE: _WORKING | {AgentStatus.PAUSED, AgentStatus.ERROR, AgentStatus.TERMINATED},
    AgentStatus.RUNNING: _WORKING | {AgentStatus.PAUSED, AgentStatus.ERROR, AgentStatus.TERMINATED},
    AgentStatus.PAUSED: frozenset({AgentStatus.ACTIVE, AgentStatus.TERMINATED}),
    AgentStatus.ERROR: frozenset({AgentStatus.ACTIVE, AgentStatus.PAUSED, AgentStatus.TERMINATED}),
    AgentStatus.TERMINATED: frozenset(),
}


def check_agent_transition(old: AgentStatus, new: AgentStatus) -> None:
    """Raise `InvalidTransition` unless `old → new` is allowed (a no-op change is allowed)."""
    if old != new and new not in AGENT_TRANSITIONS[old]:
        raise InvalidTransition(f"agent status cannot go from {old} to {new}")


class GoalLevel(StrEnum):
    """Where a goal sits in the tree: a goal's parent is on a higher level."""

    COMPANY = "company"
    TEAM = "team"
    AGENT = "agent"
    TASK = "task"

    @property
    def rank(self) -> int:
        return list(GoalLevel).index(self)


class GoalStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    ACHIEVED = "achieved"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in (GoalStatus.PLANNED, GoalStatus.ACTIVE)


GOAL_TRANSITIONS: dict[GoalStatus, frozenset[GoalStatus]] = {
    GoalStatus.PLANNED: frozenset({GoalStatus.ACTIVE, GoalStatus.ACHIEVED, GoalStatus.CANCELLED}),
    GoalStatus.ACTIVE: frozenset({GoalStatus.PLANNED, GoalStatus.ACHIEVED, GoalStatus.CANCELLED}),
    GoalStatus.ACHIEVED: frozenset({GoalStatus.ACTIVE}),
    GoalStatus.CANCELLED: frozenset(),
}


def check_goal_transition(old: GoalStatus, new: GoalStatus) -> None:
    """Raise `InvalidTransition` unless `old → new` is allowed (a no-op change is allowed)."""
    if old != new and new not in GOAL_TRANSITIONS[old]:
        raise InvalidTransition(f"goal status cannot go from {old} to {new}")


class ApprovalKind(StrEnum):
    HIRE_AGENT = "hire_agent"
    """An agent hired another one in a company that requires the board's approval for hires."""
    STRATEGY = "strategy"
    """The CEO's plan for a task, before any work is delegated (when the company requires it)."""
    BOARD = "board"
    """Any agent asks a person."""
    BUDGET_OVERRIDE = "budget_override"
    """A budget ran out: the board raises it (the scope resumes) or keeps the scope paused."""
    TOOL_CALL = "tool_call"
    """An agent's call of a tool whose policy is `ask` (or escalated to it): it runs if approved."""
    REVIEW = "review"
    """A completed task under a review policy whose reviewer is the board: approved it is done;
    rejected (or a revision asked) it goes back to its agent with the note."""


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVISION_REQUESTED = "revision_requested"
    """Not yet: the agent revises and asks again."""
    CANCELLED = "cancelled"
    """Withdrawn undecided: what it gated stopped (a pipeline run that ended while its step waited)."""
