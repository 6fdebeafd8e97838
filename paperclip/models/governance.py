"""How people and agents steer a company: goals, approvals and their decisions, and the
board's actions on agents, tasks and the company."""

from datetime import datetime
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from paperclip.models.agents import AgentSpec
from paperclip.models.budgets import Cap
from paperclip.models.names import NOT_BLANK
from paperclip.models.tooling import ToolCallRequest, ToolDecision
from paperclip.vocabulary import ApprovalKind, ApprovalStatus, GoalLevel, GoalStatus


class GoalInput(BaseModel):
    """A goal to add to the company's goal tree."""

    title: str = Field(min_length=1, max_length=300, json_schema_extra={"pattern": NOT_BLANK})
    description: str = Field(default="", max_length=5_000)
    level: GoalLevel = GoalLevel.COMPANY
    parent: str | None = None
    """The goal this one serves (on a higher level); none for a company goal."""
    owner: str | None = None
    """The agent answerable for it; required below the company level."""
    status: GoalStatus = GoalStatus.ACTIVE
    budget: Cap | None = None
    """A lifetime cap on the tasks serving it or a goal under it."""
    actor: str = "board"

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("a goal needs a title")
        return v.strip()


class Goal(BaseModel):
    id: str
    """`G1`, `G2`, … in the company."""
    title: str
    description: str = ""
    level: GoalLevel
    parent: str | None = None
    owner: str | None = None
    status: GoalStatus
    created_at: datetime
    updated_at: datetime


class GoalUpdateInput(BaseModel):
    """Change a goal's status or wording."""

    id: str
    status: GoalStatus | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=5_000)
    note: str = Field(default="", max_length=2_000)
    actor: str = "board"


class Approval(BaseModel):
    """A question for the board, and its answer."""

    id: str
    """`AP-1`, `AP-2`, … in the company."""
    request_id: str
    """The asking task's own id for it: a repeated request is not doubled."""
    kind: ApprovalKind
    title: str
    details: str = ""
    requested_by: str
    """The agent that asked."""
    task: str | None = None
    """The task that asked, which the decision wakes."""
    agent: AgentSpec | None = None
    """For `hire_agent`: the agent to hire."""
    tool_call: ToolCallRequest | None = None
    """For `tool_call`: the call that waits."""
    decision: ToolDecision | None = None
    """For `tool_call`: the scope and any edited arguments of the decision."""
    status: ApprovalStatus = ApprovalStatus.PENDING
    note: str = ""
    """The decision's note: why, or what to revise."""
    decided_by: str | None = None
    created_at: datetime
    decided_at: datetime | None = None
    escalated: bool = False
    """Undecided past the company's approval timeout."""


class ApprovalRequest(BaseModel):
    """Signal from a task to its company: ask the board (or hire, which may need the board)."""

    request_id: str
    kind: ApprovalKind
    title: str
    details: str = ""
    requested_by: str
    task: str
    agent: AgentSpec | None = None
    tool_call: ToolCallRequest | None = None


class DecideApprovalInput(BaseModel):
    id: str
    decision: Literal[ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.REVISION_REQUESTED]
    note: str = Field(default="", max_length=5_000)
    actor: str = "board"
    tool: ToolDecision | None = None
    """For a `tool_call` approval: its scope and any edited arguments."""


class ApprovalAnswer(BaseModel):
    """Signal from the company to the asking task: the request's outcome so far, or the decision."""

    request_id: str
    ok: bool = True
    """False: the request was refused outright (`message` says why)."""
    message: str = ""
    approval: Approval | None = None
    """None when no approval was needed (a hire in a company that does not require one)."""


class ApprovalTimedOut(BaseModel):
    """Signal from a waiting task to its company: the approval passed the company's timeout."""

    request_id: str


class AgentActionInput(BaseModel):
    """Pause, resume or terminate an agent."""

    agent: str
    reason: str = Field(default="", max_length=2_000)
    actor: str = "board"


class TaskActionInput(BaseModel):
    """Cancel a task (with its subtree)."""

    identifier: str
    reason: str = Field(default="", max_length=2_000)
    actor: str = "board"


class ReassignTaskInput(BaseModel):
    """Hand a task to another agent: it carries on from the conversation so far."""

    identifier: str
    assignee: str
    actor: str = "board"


class CompanyActionInput(BaseModel):
    """Pause, resume or archive the company."""

    reason: str = Field(default="", max_length=2_000)
    actor: str = "board"
    brake: bool = False
    """The emergency brake (`POST /api/pause-all`): a pause it makes is marked `pause_reason="brake"`,
    and a resume with it lifts only such a pause."""


class CommentInput(BaseModel):
    """A comment on a task, from a person or an agent; `@name` mentions wake that agent."""

    identifier: str
    body: str = Field(min_length=1, max_length=20_000)
    author: str = "board"
