"""The task workflow's vocabulary: its input, what it carries across continue-as-new, its result,
the events it signals its company, and the signals it receives."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from paperclip.models.agents import AgentSpec
from paperclip.models.budgets import BudgetDecision, Unconfirmed
from paperclip.models.conversation import Message, Usage
from paperclip.models.dependencies import InputResult
from paperclip.models.governance import ApprovalAnswer, Goal
from paperclip.models.records import RetryState, TaskRecord
from paperclip.models.review import ReviewVerdict, TaskReview
from paperclip.models.tooling import RepositoryConfig, ToolRule, ToolState
from paperclip.models.turns import LostAttempt
from paperclip.vocabulary import Priority, TaskStatus


class Comment(BaseModel):
    """Signal to a task: a comment for the agent's next turn."""

    id: str
    author: str
    body: str


class Escalation(BaseModel):
    """Signal from a task to its company: its agent hands it to its manager."""

    identifier: str
    agent: str
    reason: str


class Hold(BaseModel):
    """Signal to a task: hold before the next turn (agent or company paused), or go on."""

    held: bool
    reason: str = ""


class CancelTask(BaseModel):
    """Signal to a task: stop, and cancel the subtasks it delegated."""

    reason: str = ""
    actor: str = "board"


class Reassign(BaseModel):
    """Signal to a task: from the next turn on, this agent (with its team) works on it."""

    agent: AgentSpec
    team: list[AgentSpec] = Field(default_factory=list)


class ChildFinished(BaseModel):
    """Signal from a subtask to the task that delegated it."""

    identifier: str
    assignee: str
    status: TaskStatus
    result: str | None
    verdict: ReviewVerdict | None = None
    """A review task's verdict (its agent's `review_verdict`), for the task it reviewed."""


class TaskEvent(BaseModel):
    """Signal from a task to its company: a status change, a turn's usage, or its end."""

    identifier: str
    seq: int
    """Per-task increasing sequence: the company ignores a repeat."""
    kind: Literal["started", "status", "turn", "finished", "retry"]
    status: TaskStatus | None = None
    record: TaskRecord | None = None
    """Sent with `started` (a delegated task introduces itself) and `finished`."""
    usage: Usage | None = None
    """The task's usage so far (cumulative, so a dropped or repeated event loses nothing)."""
    cost_usd: float | None = None
    """The task's cost so far (cumulative)."""
    turns: int | None = None
    """Turns taken so far."""
    summary: str = ""
    unconfirmed: Unconfirmed | None = None
    """The task's unconfirmed attempts so far (cumulative, like `usage`)."""
    retry: RetryState | None = None
    """Sent with every event: the retry the task waits for, or None (it is not retrying)."""


class TaskCarry(BaseModel):
    """What a task carries across continue-as-new."""

    turn: int = 0
    event_seq: int = 0
    reported_turn: int = 0
    """The turn whose usage the company last heard of (an event or a budget request carried it)."""
    status: TaskStatus = TaskStatus.RUNNING
    pending: list[Message] = Field(default_factory=list)
    open_children: dict[str, str] = Field(default_factory=dict)
    """Identifier → assignee of the subtasks still running."""
    child_counter: int = 0
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0
    held: bool = False
    """Holding before the next turn (its agent or the company is paused)."""
    admitted: bool = False
    """A delegated task waits for the company's first `hold` signal before its first turn."""
    cancel: CancelTask | None = None
    """Set when a cancellation arrived: the task stops and cancels its subtree."""
    handing_over: bool = False
    """Escalated: no turn until the company hands the task to the manager."""
    comments_waiting: int = 0
    """Comments not yet given to the agent: they wake a blocked task."""
    quiet_comments: int = 0
    """Comments that wake the task only with its agent's next heartbeat (`wake_on_comment` off)."""
    seen_comments: list[str] = Field(default_factory=list)
    request_counter: int = 0
    answers: dict[str, ApprovalAnswer] = Field(default_factory=dict)
    """The company's latest answer per request this task made."""
    waiting_for: str | None = None
    """The request whose decision the task waits for (no turns meanwhile)."""
    waiting_since: datetime | None = None
    wait_escalated: bool = False
    announced: list[str] = Field(default_factory=list)
    """Requests whose decision the agent has been told."""
    fallback: int = 0
    """Which model the task runs on: 0 the agent's own, n its n-th fallback."""
    cli_session: str | None = None
    """A CLI agent's session on this task (its tool's session id), resumed by its next turn."""
    cli_session_of: str | None = None
    """Whose session `cli_session` is (`<agent>/<adapter>`): only that agent's tool resumes it
    (None: not known, kept before this was)."""
    cli_host_queue: str | None = None
    """The queue of the worker host that ran that agent's last turn (`<task_queue>-cli@<host>`),
    whose disk holds the session and the workspace: its next turns run there (None: on any host).
    It goes with the session: another agent's turns start anywhere."""
    budgeted: bool | None = None
    """Set when the company announced a cap after the task started (see `TaskInput.company_budgeted`)."""
    prompt_tokens: int = 0
    """The last call's prompt plus its reply, in tokens: the next prompt's size before new messages."""
    compacted_turn: int = 0
    """The turn of the last compaction: none again before a model turn measured the prompt after
    it (after a failed one, a few turns later)."""
    budget_decision: BudgetDecision | None = None
    """The company's answer to this task's latest budget request."""
    strategy_approved: bool = False
    """The board approved the plan (companies that require it: no delegation before)."""
    attempt: int = 0
    """Attempts made of the current turn's call on the current model (the workflow retries)."""
    lost: list[LostAttempt] = Field(default_factory=list)
    """Attempts of the current turn lost with their worker, not yet settled by a later attempt."""
    unconfirmed: Unconfirmed = Field(default_factory=Unconfirmed)
    """Lost attempts charged at their worst case (never settled, or settled as unknown)."""
    retry: RetryState | None = None
    """The retry the task waits for, if any."""
    standing: str | None = None
    """The hash of the system prompt and tools last stored for its model calls."""
    tools: ToolState = Field(default_factory=ToolState)
    """Its registry tools: workspace, what it read, what a person allowed, calls waiting."""
    schema_misses: int = 0
    """Results given that did not fit `TaskInput.output_schema` (each sent back to the agent)."""
    under_review: str | None = None
    """The result its reviewer reviews now (`in_review`); None: none is."""
    review_cycles: int = 0
    """Reviews asked so far (`TaskReview.max_cycles` at most)."""
    review_request: str | None = None
    """The approval request (the board reviews) or the review task (an agent does) waited for."""
    review_tasks: int = 0
    """Review tasks it started (numbered among its subtasks, but no delegated work)."""
    review_finished: ChildFinished | None = None
    """The review task's end (with its verdict), once it came."""
    verdict_given: ReviewVerdict | None = None
    """A review task's own verdict (its agent's `review_verdict`), told to the task it reviewed."""


class TaskInput(BaseModel):
    company_id: str
    company_name: str = ""
    mission: str = ""
    identifier: str
    title: str
    brief: str = ""
    priority: Priority = Priority.MEDIUM
    agent: AgentSpec
    team: list[AgentSpec] = Field(default_factory=list)
    """The agent's subtree below it in the org chart: whom it may delegate to."""
    parent: str | None = None
    depth: int = 0
    goal: str | None = None
    goals: list[Goal] = Field(default_factory=list)
    """The goals the agent sees: for the CEO every open goal, else its task's goal and those above it."""
    require_strategy_approval: bool = False
    approval_timeout_seconds: int | None = None
    company_budgeted: bool = True
    """The company had a cap when the task started: each call is reserved first (so is every call of
    an agent with a cap of its own). Without any, calls go ahead unreserved, and spend is counted as
    the task reports it; setting a cap later tells the running tasks."""
    created_at: datetime | None = None
    """When the task was made: the company queued it, or its parent delegated it."""
    repository: RepositoryConfig | None = None
    """Where its workspace tools work (the agent's repository, else the company's)."""
    company_tool_policy: list[ToolRule] = Field(default_factory=list)
    """The company's tool rules at dispatch (the agent's are in `agent`)."""
    carry: TaskCarry | None = None
    continue_as_new_after_turns: int | None = None
    """Continue-as-new after this many turns in one run (tests); Temporal's suggestion always applies."""
    output_schema: dict[str, Any] | None = None
    """A JSON schema its result must fit (a pipeline step's): a result that does not is sent back
    to the agent with the error, at most `schema_tries` times before the task fails."""
    schema_tries: int = 3
    inputs: list[InputResult] = Field(default_factory=list)
    """The results of the tasks it waited on and named as inputs (`CreateTaskInput.inputs`)."""
    workspace_pickup_seconds: float | None = Field(default=None, gt=0)
    """How long a tool call waits for its workspace's host to pick it up before the host counts as
    gone and the workspace is made again (None: `workflows.task_acting.WORKSPACE_PICKUP`)."""
    review: TaskReview | None = None
    """Reviewed before it is done (docs/review.md): completing makes it `in_review`."""
    reviewing: str | None = None
    """The task this one reviews (a review task): its agent is offered `review_verdict`."""


class TaskResult(BaseModel):
    identifier: str
    status: TaskStatus
    result: str | None
    turns: int
    usage: Usage
    cost_usd: float
