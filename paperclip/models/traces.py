"""A task's conversation trace as the API answers it and the dashboard and the export read it:
its events in history order, with the traces of its subtasks nested. `paperclip.traces` rebuilds
it from Temporal history."""

from datetime import datetime
from typing import Any, Literal

from pydantic import BaseModel, Field

from paperclip.models.conversation import Usage
from paperclip.vocabulary import TaskStatus

TraceKind = Literal[
    "task_started",
    "prompt",
    "message",
    "model_reply",
    "compaction",
    "tool_call",
    "tool_result",
    "delegation",
    "child_result",
    "status",
    "task_finished",
    "error",
]


class TraceEvent(BaseModel):
    """One step of a task's conversation, in history order."""

    at: datetime
    task: str
    """The identifier of the task whose history holds this event."""
    kind: TraceKind
    """What happened; a `prompt` is what a CLI or HTTP agent's turn was sent, as one text (its
    standing instructions on a new session, and what is new), where a model call's input shows
    as its `message`s."""
    actor: str | None = None
    """Who acted: an agent, `board`, a task identifier, a tool name or `system`."""
    target: str | None = None
    """To whom: the agent receiving a message, the agent a subtask is delegated to."""
    content: str = ""
    tool: str | None = None
    arguments: dict[str, Any] | None = None
    usage: Usage | None = None
    cost_usd: float | None = None
    model: str | None = None
    simulated: bool | None = None
    adapter: str | None = None
    """What ran the turn, for an agent outside the model activity: `claude`, `codex`, `opencode`,
    `process` or `http` (on `task_started`, also `model`); None on a model call's events."""
    session: str | None = None
    """For a CLI turn: the tool's session (on its `prompt`, the one it resumes, None for a new
    one; on its reply, the one it reported)."""
    stream: dict[str, int] | None = None
    """For a CLI turn's reply: the events its tool streamed, counted by kind."""
    attempt: int | None = None
    turn: int | None = None
    """The agent turn (model call sequence number) this event belongs to."""
    child: str | None = None
    """For `delegation` and `child_result`: the subtask's identifier."""
    status: TaskStatus | None = None
    call_id: str | None = None
    """For `tool_call`, `tool_result` and a tool's message: the call's id."""
    duration_ms: int | None = None
    """For `tool_result`: how long the call took (None: not known)."""
    approved_by: str | None = None
    """For `tool_call` and `tool_result`: who approved the call, when it waited for a person."""
    output_ref: str | None = None
    """For `tool_result`: the stored full output, when it was longer than what is inline."""
    output_url: str | None = None
    """For `tool_result`: where the API serves the stored full output."""
    output_size: int | None = None
    """For `tool_result`: the full output's length in characters."""
    failed: bool | None = None
    """For `tool_result`: the call failed (the content says why)."""

    def stream_text(self) -> str:
        """Its CLI tool's streamed events by kind, most first (`3 assistant, 1 result/success`);
        empty when it has none."""
        ordered = sorted((self.stream or {}).items(), key=lambda kind: (-kind[1], kind[0]))
        return ", ".join(f"{count} {kind}" for kind, count in ordered)


class Trace(BaseModel):
    """A task's trace, with the traces of the subtasks it delegated nested in `children`."""

    company_id: str
    identifier: str
    workflow_id: str
    run_ids: list[str] = Field(default_factory=list)
    """Every run of the continue-as-new chain, first to last."""
    title: str = ""
    brief: str = ""
    assignee: str | None = None
    parent: str | None = None
    status: TaskStatus | None = None
    """The final status, or None while the task runs."""
    result: str | None = None
    turns: int = 0
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0
    simulated: bool = False
    """True when any turn ran on the offline `simulated` model."""
    events: list[TraceEvent] = Field(default_factory=list)
    children: list["Trace"] = Field(default_factory=list)
