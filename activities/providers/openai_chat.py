"""OpenAI Chat Completions, streamed: OpenAI itself or any compatible endpoint by `base_url`."""

import json
from typing import Any
from urllib.parse import urlparse

import openai
from openai.types.chat import ChatCompletion, ChatCompletionChunk

from activities.providers.base import OnChunk, ProviderReply, ProviderRequest, parse_arguments
from activities.providers.errors import body_message, connection_error, endpoint_label, status_error
from paperclip.models import Message, Provider, ToolCall, ToolSpec, Usage

NAME = "openai"


def to_wire_messages(system_prompt: str, messages: list[Message]) -> list[dict[str, Any]]:
    """Neutral messages as Chat Completions messages, the system prompt first."""
    wire: list[dict[str, Any]] = []
    if system_prompt:
        wire.append({"role": "system", "content": system_prompt})
    for m in messages:
        if m.role == "assistant":
            out: dict[str, Any] = {"role": "assistant", "content": m.content or None}
            if m.tool_calls:
                out["tool_calls"] = [
                    {
                        "id": c.id,
                        "type": "function",
                        "function": {"name": c.name, "arguments": json.dumps(c.arguments)},
                    }
                    for c in m.tool_calls
                ]
            wire.append(out)
        elif m.role == "tool":
            wire.append({"role": "tool", "tool_call_id": m.tool_call_id or "", "content": m.content})
        else:
            wire.append({"role": m.role, "content": m.content})
    return wire


def to_wire_tools(tools: list[ToolSpec]) -> list[dict[str, Any]]:
    return [
        {
            "type": "function",
            "function": {"name": t.name, "description": t.description, "parameters": t.parameters},
        }
        for t in tools
    ]


def _is_openai_itself(base_url: str | None) -> bool:
    return base_url is None or urlparse(base_url).hostname == "api.openai.com"


class OpenAIChat:
    """A reusable async client for one endpoint and key; the SDK's retries are off, and it follows
    no redirect."""

    name = Provider.OPENAI

    def __init__(self, *, api_key: str, base_url: str | None = None, endpoint: str | None = None) -> None:
        self._secret = api_key
        self._official = _is_openai_itself(base_url)
        # No redirects: a server that answers 3xx must not get the key sent on to another host.
        self._client = openai.AsyncOpenAI(
            api_key=api_key,
            base_url=base_url,
            max_retries=0,
            http_client=openai.DefaultAsyncHttpxClient(follow_redirects=False),
        )
        # Failures name the endpoint and the URL the SDK really sends to (the official one when unset).
        self._who = endpoint_label(NAME, endpoint, str(self._client.base_url).rstrip("/"))

    async def aclose(self) -> None:
        await self._client.close()

    async def count_tokens(self, request: ProviderRequest) -> int | None:
        """None: the Chat Completions API has no counting endpoint (each reply's usage calibrates
        the estimate instead)."""
        return None

    async def complete(self, request: ProviderRequest, on_chunk: OnChunk) -> ProviderReply:
        cfg = request.model
        params: dict[str, Any] = {
            "model": cfg.model,
            "messages": to_wire_messages(request.system_prompt, request.messages),
            "stream": True,
            "stream_options": {"include_usage": True},
        }
        # OpenAI's newer models take only `max_completion_tokens`; compatible servers know `max_tokens`.
        params["max_completion_tokens" if self._official else "max_tokens"] = cfg.max_tokens
        if cfg.temperature is not None:
            params["temperature"] = cfg.temperature
        if request.tools:
            params["tools"] = to_wire_tools(request.tools)
        try:
            return await self._stream(params, on_chunk, timeout=cfg.turn_timeout_seconds)
        except openai.APIStatusError as e:
            detail = body_message(e.body, e.message)
            raise status_error(
                self._who, e.status_code, detail, headers=e.response.headers, secret=self._secret
            ) from None
        except openai.APIConnectionError as e:
            raise connection_error(self._who, e.message, secret=self._secret) from None
        except openai.APIError as e:  # an error event in the middle of the stream
            raise status_error(self._who, 502, body_message(e.body, e.message), secret=self._secret) from None

    async def _stream(self, params: dict[str, Any], on_chunk: OnChunk, *, timeout: float) -> ProviderReply:
        text: list[str] = []
        calls: dict[int, dict[str, Any]] = {}
        usage = Usage()
        stop_reason: str | None = None
        # The body is plain JSON already: posted as it is, without the SDK's typed-dict transform,
        # which walks every message of the conversation again on every call (~0.2 ms a message).
        stream = await self._client.post(
            "/chat/completions",
            cast_to=ChatCompletion,
            body=params,
            options={"timeout": timeout},
            stream=True,
            stream_cls=openai.AsyncStream[ChatCompletionChunk],
        )
        async with stream:
            async for chunk in stream:
                if chunk.usage is not None:
                    details = chunk.usage.prompt_tokens_details
                    usage = Usage(
                        input_tokens=chunk.usage.prompt_tokens or 0,
                        output_tokens=chunk.usage.completion_tokens or 0,
                        cached_input_tokens=(details.cached_tokens or 0) if details else 0,
                    )
                for choice in chunk.choices:
                    delta = choice.delta
                    if delta.content:
                        text.append(delta.content)
                        on_chunk(delta.content)
                    for tc in delta.tool_calls or []:
                        slot = calls.setdefault(tc.index, {"id": "", "name": "", "arguments": ""})
                        if tc.id:
                            slot["id"] = tc.id
                        if tc.function is not None:
                            if tc.function.name:
                                slot["name"] += tc.function.name
                            if tc.function.arguments:
                                slot["arguments"] += tc.function.arguments
                                on_chunk(tc.function.arguments)
                    if choice.finish_reason:
                        stop_reason = choice.finish_reason
        tool_calls = [
            ToolCall(
                id=slot["id"] or f"call_{index}",
                name=slot["name"],
                arguments=parse_arguments(slot["arguments"]),
            )
            for index, slot in sorted(calls.items())
        ]
        return ProviderReply(content="".join(text), tool_calls=tool_calls, usage=usage, stop_reason=stop_reason)
