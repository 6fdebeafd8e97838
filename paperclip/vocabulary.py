"""The fixed sets of the vocabulary: providers, adapters, priorities, roles, and the lifecycles of
tasks, agents, goals and approvals with the transitions each allows (`check_transition` and its
kin). Plain enums over nothing but `paperclip.errors`, outside `paperclip.models` so that the CLI
reads them without building every model (`tests/cli/test_import_weight.py`)."""

from enum import StrEnum

from paperclip.errors import InvalidInput

COMPANY_SCOPE = "company"
"""The scope of the company's own monthly budget; every other monthly scope is an agent's name."""

MAX_REVIEW_CYCLES = 10
"""The most reviews a task's review policy may allow before it fails (`ReviewPolicy.max_cycles`)."""


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


class Adapter(StrEnum):
    """What runs an agent's turns."""

    MODEL = "model"
    """A model call with tools (`AgentSpec.model`), the default."""
    CLAUDE_LOCAL = "claude_local"
    """Claude Code: `claude -p … --output-format stream-json`."""
    CODEX_LOCAL = "codex_local"
    """Codex CLI: `codex exec --json …`."""
    OPENCODE_LOCAL = "opencode_local"
    """OpenCode: `opencode run --format json …`."""
    GEMINI_LOCAL = "gemini_local"
    """Gemini CLI: `gemini --output-format stream-json -p …`."""
    PROCESS = "process"
    """Any command: the prompt on stdin or as an argument, stdout is the result, exit code 0 is success."""
    HTTP = "http"
    """An agent behind a URL (`AgentSpec.http`): each turn POSTs the task to it, a 2xx is "accepted",
    and the agent answers later by calling the API back with its task token."""

    @property
    def label(self) -> str:
        """What runs the turns, as the product shows it: `claude`, `codex`, `opencode`, `process`,
        `http` (`model` for a model agent, shown by its model instead)."""
        return self.value.removesuffix("_local")


class CliPermissions(StrEnum):
    """What a CLI agent's tool may do, mapped to each CLI's own flags (its sandbox holds either way)."""

    READ_ONLY = "read-only"
    """Read the workspace; no edits, no commands that change it, no network."""
    WORKSPACE_WRITE = "workspace-write"
    """Edit files and run commands in its workspace; no network."""
    WORKSPACE_WRITE_NETWORK = "workspace-write-network"
    """As `workspace-write`, and reach the network (the product's callback, and `allow_hosts`)."""
    FULL = "full"
    """Whatever the tool can do without asking (its own approvals off)."""


class WorkProductKind(StrEnum):
    COMMIT = "commit"
    """value: the commit's hash."""
    BRANCH = "branch"
    """value: the branch's name."""
    PULL_REQUEST = "pull_request"
    """value: the pull request's URL."""
    FILE = "file"
    """value: its path relative to the task's workspace."""
    DOCUMENT = "document"
    """value: the document's key."""
    URL = "url"
    """value: an http(s) URL."""


class CostGroup(StrEnum):
    """What a cost summary adds up by."""

    AGENT = "agent"
    MODEL = "model"
    """`provider:model`, e.g. `openai:gpt-4o`."""
    TASK = "task"
    DAY = "day"
    """The UTC date of the call, `YYYY-MM-DD`."""
    GOAL = "goal"
    """The goal the task served; None for tasks that serve none."""
    PROJECT = "project"
    """The project the task belongs to; None for tasks outside every project."""


class EndpointKind(StrEnum):
    OPENAI_COMPATIBLE = "openai-compatible"
    """An OpenAI-compatible API (Ollama, vLLM, LiteLLM, OpenRouter, OpenAI itself)."""
    ANTHROPIC = "anthropic"


class TeamRole(StrEnum):
    """What a member may do in its team's companies."""

    OWNER = "owner"
    """Everything, and manages the team's members."""
    OPERATOR = "operator"
    """Reads and changes: companies, agents, tasks, approvals."""
    VIEWER = "viewer"
    """Reads only."""


class HookKind(StrEnum):
    GITHUB = "github"
    """`X-Hub-Signature-256: sha256=<hex>` over the body; deliveries by `X-GitHub-Delivery`."""
    GENERIC = "generic"
    """`X-Paperclip-Timestamp` and `X-Paperclip-Signature: v1=<hex>` over `<timestamp>.<body>`."""


class WebhookEvent(StrEnum):
    """What a subscription may be told of."""

    APPROVAL_PENDING = "approval.pending"
    BUDGET_INCIDENT = "budget.incident"
    """A budget (monthly or a lifetime cap) stopped its scope."""
    TASK_FAILED = "task.failed"
    PIPELINE_FINISHED = "pipeline.finished"


class WebhookFormat(StrEnum):
    JSON = "json"
    SLACK = "slack"
    """`{"text": …}`, what a Slack incoming webhook takes."""


class ProjectStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    PAUSED = "paused"
    COMPLETED = "completed"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        """Whether new tasks may join the project."""
        return self in (ProjectStatus.PLANNED, ProjectStatus.ACTIVE, ProjectStatus.PAUSED)
