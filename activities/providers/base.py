"""The one shape every provider has: a request in, a reply out, a callback per streamed chunk."""

import json
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any, Protocol

from paperclip.models import Message, ModelConfig, Provider, ToolCall, ToolSpec, Usage

OnChunk = Callable[[str], None]
"""Called with each piece of streamed text (or tool-call arguments): drives the heartbeat."""


@dataclass(frozen=True)
class ProviderRequest:
    """One model call, provider-neutral: the whole conversation so far, oldest first."""

    model: ModelConfig
    system_prompt: str
    tools: list[ToolSpec]
    messages: list[Message]
    seq: int = 1
    """The turn number; the simulated provider derives its tool-call ids from it."""


@dataclass
class ProviderReply:
    content: str
    tool_calls: list[ToolCall] = field(default_factory=list)
    usage: Usage = field(default_factory=Usage)
    stop_reason: str | None = None
    """As the provider said it (`stop`, `tool_calls`, `end_turn`, `tool_use`, `max_tokens`, …)."""


class ModelProvider(Protocol):
    """A provider client: one per (provider, endpoint, key), reused across turns."""

    name: Provider

    async def complete(self, request: ProviderRequest, on_chunk: OnChunk) -> ProviderReply:
        """Stream one reply, calling `on_chunk` as pieces arrive; raise `ApplicationError` on failure."""
        ...

    async def count_tokens(self, request: ProviderRequest) -> int | None:
        """The prompt's input tokens as the provider counts them, where it offers counting
        (free of charge); None where it does not."""
        ...

    async def aclose(self) -> None: ...


def parse_arguments(raw: str) -> dict[str, Any]:
    """Tool-call arguments from their JSON text; kept raw under `_raw` when not a JSON object
    (a reply cut off by `max_tokens`), so the caller can tell the model instead of crashing."""
    if not raw.strip():
        return {}
    try:
        value = json.loads(raw)
    except ValueError:
        return {"_raw": raw}
    return value if isinstance(value, dict) else {"_raw": raw}
