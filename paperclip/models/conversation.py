"""A conversation, provider-neutral: its messages and tool calls, the tools offered, the tokens
it used, and where its earlier messages live in the store."""

from typing import Any, Literal

from pydantic import BaseModel, Field


class ToolCall(BaseModel):
    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Message(BaseModel):
    """One message of a conversation, provider-neutral."""

    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    """For role `tool`: the call this answers."""
    author: str | None = None
    """Who said it, for traces: an agent name, `board`, or a task identifier."""


class Usage(BaseModel):
    """A call's tokens. `input_tokens` counts every prompt token; `cached_input_tokens` (read from
    the provider's prompt cache) and `cache_write_tokens` (written to it: Anthropic's
    `cache_creation_input_tokens`) are parts of it, each billed at its own price."""

    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0
    cache_write_tokens: int = 0

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cached_input_tokens=self.cached_input_tokens + other.cached_input_tokens,
            cache_write_tokens=self.cache_write_tokens + other.cache_write_tokens,
        )

    def __sub__(self, other: "Usage") -> "Usage":
        return Usage(
            input_tokens=self.input_tokens - other.input_tokens,
            output_tokens=self.output_tokens - other.output_tokens,
            cached_input_tokens=self.cached_input_tokens - other.cached_input_tokens,
            cache_write_tokens=self.cache_write_tokens - other.cache_write_tokens,
        )


class ToolSpec(BaseModel):
    name: str
    description: str
    parameters: dict[str, Any]
    """JSON schema of the arguments."""


class SessionRef(BaseModel):
    """Where a conversation's earlier messages live in the store."""

    company_id: str
    task: str
    """The task identifier, e.g. `ACME-12.3`."""
    agent: str
    goal: str | None = None
    """The goal the task serves, for the cost ledger."""
