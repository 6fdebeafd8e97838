"""What the store keeps: tasks as recorded, the activity log, the cost ledger and its sums."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from paperclip.models.agents import AgentSpec
from paperclip.models.budgets import Unconfirmed
from paperclip.models.conversation import Usage
from paperclip.models.review import ReviewPolicy
from paperclip.models.revisions import AgentRevision
from paperclip.vocabulary import Priority, TaskStatus


class ActivityEntry(BaseModel):
    """One line of the company's activity log."""

    id: str
    """Unique and deterministic (made with `workflow.uuid4()`): a retried write is not doubled."""
    company_id: str
    at: datetime
    kind: str
    """e.g. `company.created`, `agent.hired`, `task.created`, `task.status`, `task.finished`."""
    actor: str
    """`board`, an agent name, or `system`."""
    task: str | None = None
    agent: str | None = None
    summary: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


class RetryState(BaseModel):
    """A task trying its failed turn again (the task workflow owns the retries): set from the
    turn's first failure until an attempt answers or the last one fails."""

    attempt: int
    """The attempt that comes next, or runs now (from 2)."""
    of: int
    """The most attempts a turn gets (a model call's, on one model)."""
    at: datetime
    """When that attempt goes (went)."""
    error: str
    """Why the last one failed (a model call's names its endpoint and URL)."""
    model: str
    """What failed: the model, or the tool of a CLI or HTTP agent (`claude`, `http`)."""
    since: datetime | None = None
    """When the turn's first attempt failed (None: told before this was kept)."""

    def describe(self) -> str:
        """One line for a person: `attempt 3 of 10 at 12:00:03 UTC, failing since 11:59:58:
        <the last failure>`."""
        since = f", failing since {self.since:%H:%M:%S}" if self.since is not None else ""
        return f"attempt {self.attempt} of {self.of} at {self.at:%H:%M:%S} UTC{since}: {self.error}"

    def brief(self, width: int = 60) -> str:
        """A short line for a table cell or a card: `3/10: <the last failure, cut to width>`."""
        error = self.error if len(self.error) <= width else self.error[: width - 1] + "…"
        return f"{self.attempt}/{self.of}: {error}"


class TaskRecord(BaseModel):
    """A task as the store keeps it (kept after the company forgets it)."""

    company_id: str
    identifier: str
    title: str
    brief: str = ""
    assignee: str
    parent: str | None = None
    priority: Priority = Priority.MEDIUM
    status: TaskStatus = TaskStatus.QUEUED
    result: str | None = None
    turns: int = 0
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0
    created_at: datetime
    updated_at: datetime
    routine: str | None = None
    """The routine that created it, if any."""
    goal: str | None = None
    """The goal it serves; a subtask serves its parent's."""
    project: str | None = None
    """The project it belongs to; a subtask belongs to its parent's."""
    labels: list[str] = Field(default_factory=list)
    """The company's labels it carries."""
    unconfirmed: Unconfirmed = Field(default_factory=Unconfirmed)
    """Model calls lost with their worker before they answered, charged at their worst case."""
    retry: RetryState | None = None
    """Set while the task waits to try a failed model call again."""
    held: str | None = None
    """Why the task holds before its next turn (`budget`, `agent paused`, `company paused`, …); None: it does not."""
    blocked_by: list[str] = Field(default_factory=list)
    """Tasks of its company it waits for: it stays queued until every one is done."""
    inputs: list[str] = Field(default_factory=list)
    """Those of `blocked_by` whose results it is given when it starts (by identifier and result)."""
    blocked_reason: str | None = None
    """Why a task that never started is blocked (a blocker failed or was cancelled); None: it is not."""
    review: ReviewPolicy | None = None
    """Its effective review policy, resolved when it was queued (`board` or `agent:<name>`)."""


class TaskDetail(TaskRecord):
    """A task with the subtasks it delegated (direct children, oldest first)."""

    subtasks: list[TaskRecord] = Field(default_factory=list)


class CommentPosted(BaseModel):
    """The tasks a comment reached: the one commented on, then those of agents it @-mentioned."""

    reached: list[str]


class CostEvent(BaseModel):
    """One model call's usage and price, as the ledger keeps it: one row per attempt (session, seq,
    model, attempt), written unconfirmed at its worst case before the call is sent and confirmed
    with what the provider reported the moment it answers."""

    company_id: str
    agent: str
    task: str
    goal: str | None = None
    seq: int
    provider: str
    """A `Provider`, or the CLI tool that made the call (`claude-code`, `codex`, `opencode`, `gemini`, `process`)."""
    model: str
    usage: Usage
    cost_usd: float | None
    """None when the model's price is unknown: token-only accounting, never a silent zero."""
    simulated: bool = False
    at: datetime
    model_index: int = 0
    """0: the agent's own model; n: its n-th fallback."""
    attempt: int = 1
    """Which attempt of the turn on that model (each is a row of its own)."""
    confirmed: bool = True
    """False: the attempt's worker was lost before the provider's answer was known; `usage` and
    `cost_usd` are then its worst case, charged so that a cap is never passed."""


class CostLine(BaseModel):
    """The calls of one group (or of all of them)."""

    key: str | None
    calls: int = 0
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0
    """USD of the priced calls; unpriced ones count in tokens only."""
    unpriced_calls: int = 0
    """Calls of a model without a price: their cost is unknown, not zero."""
    unconfirmed: Unconfirmed = Field(default_factory=Unconfirmed)
    """Calls lost with their worker before they answered (in `calls`, `usage` and `cost_usd` at
    their worst case)."""


class ApprovalRecord(BaseModel):
    """What the store keeps of an approval: what was asked, which never changes (its decision is
    in the activity log). The company carries long details by reference to it."""

    company_id: str
    id: str
    request_id: str
    details: str = ""
    agent: AgentSpec | None = None
    """For `hire_agent`: the agent to hire."""


class RecordInput(BaseModel):
    """A batch of store writes from the company workflow (one activity per batch)."""

    activity: list[ActivityEntry] = Field(default_factory=list)
    tasks: list[TaskRecord] = Field(default_factory=list)
    texts_kept: list[str] = Field(default_factory=list)
    """Tasks in `tasks` sent without their brief (and result, when None): the store keeps the ones it has."""
    approvals: list[ApprovalRecord] = Field(default_factory=list)
    """Approvals new since the last write: the store keeps their details and hire spec (the first
    write of each; they never change)."""
    revisions: list[AgentRevision] = Field(default_factory=list)
    """Agents' new revisions (a hire's first, a configure's): the store keeps each once."""
