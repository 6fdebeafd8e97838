"""Anthropic Messages API, streamed."""

from typing import Any

import anthropic
from temporalio.exceptions import ApplicationError

from activities.providers.base import OnChunk, ProviderReply, ProviderRequest, parse_arguments
from activities.providers.errors import body_message, connection_error, endpoint_label, status_error
from paperclip.models import Message, Provider, ToolCall, ToolSpec, Usage

NAME = "anthropic"


def _blocks(m: Message) -> list[dict[str, Any]]:
    if m.role == "tool":
        return [{"type": "tool_result", "tool_use_id": m.tool_call_id or "", "content": m.content}]
    blocks: list[dict[str, Any]] = []
    if m.content:  # the API refuses empty text blocks
        blocks.append({"type": "text", "text": m.content})
    if m.role == "assistant":
        blocks += [{"type": "tool_use", "id": c.id, "name": c.name, "input": c.arguments} for c in m.tool_calls]
    return blocks


def to_wire(system_prompt: str, messages: list[Message]) -> tuple[str, list[dict[str, Any]]]:
    """The top-level `system` and the alternating user/assistant messages.

    Tool results travel as `tool_result` blocks of a user message; consecutive messages of one
    role (several tool results, then a user's text) merge into one, tool results first, because
    the API wants roles to alternate.
    """
    system = [system_prompt] if system_prompt else []
    wire: list[dict[str, Any]] = []
    for m in messages:
        if m.role == "system":
            if m.content:
                system.append(m.content)
            continue
        role = "assistant" if m.role == "assistant" else "user"
        blocks = _blocks(m)
        if not blocks:
            continue
        if wire and wire[-1]["role"] == role:
            wire[-1]["content"].extend(blocks)
        else:
            wire.append({"role": role, "content": blocks})
    for msg in wire:
        if msg["role"] == "user":
            msg["content"].sort(key=lambda b: b["type"] != "tool_result")  # stable
    return "\n\n".join(system), wire


def to_wire_tools(tools: list[ToolSpec]) -> list[dict[str, Any]]:
    return [{"name": t.name, "description": t.description, "input_schema": t.parameters} for t in tools]


COUNT_TIMEOUT_SECONDS = 30.0
"""How long counting a prompt's tokens may take (it is a small, free request)."""

EPHEMERAL: dict[str, str] = {"type": "ephemeral"}
"""A prompt-cache breakpoint (5-minute TTL): the prefix up to and including its block is cached."""


def with_cache_breakpoints(
    system: str, tools: list[dict[str, Any]], messages: list[dict[str, Any]]
) -> tuple[list[dict[str, Any]], list[dict[str, Any]], list[dict[str, Any]]]:
    """`system` as a text block, with `cache_control` breakpoints on the stable prefix (the API
    caches tools, then system, then messages, in that order; at most 4 breakpoints).

    The breakpoints go on the last tool, the system prompt, the last user message before the
    newest reply (what the previous turn sent: its prefix was written then, so this turn reads
    it however many blocks came since; the API only looks back 20 blocks from a breakpoint), and
    the newest message (writing this turn's whole prompt for the next one to read). A prefix
    shorter than the model's minimum (1,024 tokens, more for some models) is simply not cached.
    The inputs are not modified.
    """
    tools = [dict(t) for t in tools]
    if tools:
        tools[-1]["cache_control"] = EPHEMERAL
    blocks = [{"type": "text", "text": system, "cache_control": EPHEMERAL}] if system else []
    messages = [{**m, "content": list(m["content"])} for m in messages]
    marked: list[int] = []
    if messages:
        marked.append(len(messages) - 1)
        replies = [i for i, m in enumerate(messages) if m["role"] == "assistant"]
        if replies and replies[-1] > 0:
            marked.insert(0, replies[-1] - 1)
    for i in marked:
        content = messages[i]["content"]
        content[-1] = {**content[-1], "cache_control": EPHEMERAL}
    return blocks, tools, messages


class AnthropicMessages:
    """A reusable async client for one endpoint and key; the SDK's retries are off, and it follows
    no redirect."""

    name = Provider.ANTHROPIC

    def __init__(self, *, api_key: str, base_url: str | None = None, endpoint: str | None = None) -> None:
        self._secret = api_key
        # No redirects: a server that answers 3xx must not get the key sent on to another host.
        self._client = anthropic.AsyncAnthropic(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,
            http_client=anthropic.DefaultAsyncHttpxClient(follow_redirects=False),
        )
        # Failures name the endpoint and the URL the SDK really sends to (the official one when unset).
        self._who = endpoint_label(NAME, endpoint, str(self._client.base_url).rstrip("/"))

    async def aclose(self) -> None:
        await self._client.close()

    async def count_tokens(self, request: ProviderRequest) -> int | None:
        """The prompt's input tokens from the API's free counting endpoint (`/v1/messages/count_tokens`).

        Raises:
            ApplicationError: as `complete` does, when the endpoint answers with an error.
        """
        system, messages = to_wire(request.system_prompt, request.messages)
        params: dict[str, Any] = {"model": request.model.model, "messages": messages}
        if system:
            params["system"] = system
        if request.tools:
            params["tools"] = to_wire_tools(request.tools)
        try:
            counted = await self._client.messages.count_tokens(**params, timeout=COUNT_TIMEOUT_SECONDS)
        except anthropic.APIError as e:
            raise self._failure(e) from None
        return int(counted.input_tokens)

    async def complete(self, request: ProviderRequest, on_chunk: OnChunk) -> ProviderReply:
        cfg = request.model
        system, messages = to_wire(request.system_prompt, request.messages)
        params: dict[str, Any] = {
            "model": cfg.model,
            "max_tokens": cfg.max_tokens,
            "messages": messages,
            "stream": True,
            "timeout": cfg.turn_timeout_seconds,
        }
        system_blocks, tools, params["messages"] = with_cache_breakpoints(
            system, to_wire_tools(request.tools), messages
        )
        if system_blocks:
            params["system"] = system_blocks
        if cfg.temperature is not None:
            params["temperature"] = min(cfg.temperature, 1.0)  # Anthropic's range is 0..1
        if tools:
            params["tools"] = tools
        try:
            return await self._stream(params, on_chunk)
        except anthropic.APIError as e:
            raise self._failure(e) from None

    def _failure(self, e: anthropic.APIError) -> ApplicationError:
        """What an SDK error is raised as (`activities.providers.errors`)."""
        if isinstance(e, anthropic.APIStatusError):
            # An `error` event mid-stream arrives with the stream's 200: treat as unavailable. A
            # redirect (3xx, not followed) is said as such.
            status = e.status_code if e.status_code >= 300 else 502
            detail = body_message(e.body, e.message)
            return status_error(self._who, status, detail, headers=e.response.headers, secret=self._secret)
        if isinstance(e, anthropic.APIConnectionError):
            return connection_error(self._who, e.message, secret=self._secret)
        return status_error(self._who, 502, body_message(e.body, e.message), secret=self._secret)

    async def _stream(self, params: dict[str, Any], on_chunk: OnChunk) -> ProviderReply:
        text: list[str] = []
        blocks: dict[int, dict[str, Any]] = {}
        counts = {"input": 0, "output": 0, "cache_read": 0, "cache_write": 0}
        stop_reason: str | None = None

        def take_usage(u: Any) -> None:
            for key, attr in (
                ("input", "input_tokens"),
                ("output", "output_tokens"),
                ("cache_read", "cache_read_input_tokens"),
                ("cache_write", "cache_creation_input_tokens"),
            ):
                value = getattr(u, attr, None)
                if value is not None:  # message_delta counts are cumulative
                    counts[key] = value

        stream = await self._client.messages.create(**params)
        async with stream:
            async for event in stream:
                if event.type == "message_start":
                    take_usage(event.message.usage)
                elif event.type == "content_block_start":
                    block = event.content_block
                    if block.type == "tool_use":
                        blocks[event.index] = {"id": block.id, "name": block.name, "json": ""}
                    elif block.type == "text" and block.text:
                        text.append(block.text)
                elif event.type == "content_block_delta":
                    delta = event.delta
                    if delta.type == "text_delta":
                        text.append(delta.text)
                        on_chunk(delta.text)
                    elif delta.type == "input_json_delta" and event.index in blocks:
                        blocks[event.index]["json"] += delta.partial_json
                        on_chunk(delta.partial_json)
                elif event.type == "message_delta":
                    stop_reason = event.delta.stop_reason or stop_reason
                    take_usage(event.usage)
        usage = Usage(
            input_tokens=counts["input"] + counts["cache_read"] + counts["cache_write"],
            output_tokens=counts["output"],
            cached_input_tokens=counts["cache_read"],
            cache_write_tokens=counts["cache_write"],
        )
        tool_calls = [
            ToolCall(id=b["id"], name=b["name"], arguments=parse_arguments(b["json"]))
            for _, b in sorted(blocks.items())
        ]
        return ProviderReply(content="".join(text), tool_calls=tool_calls, usage=usage, stop_reason=stop_reason)
