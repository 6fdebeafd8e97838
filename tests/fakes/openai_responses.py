"""OpenAI's Responses API (`POST /v1/responses`) on the fake model server, streaming or not.

Codex (0.171 and later) speaks only this API. A request's `input` is a list of items — messages
(`developer`/`system`, `user`, `assistant`), `function_call` and `function_call_output`,
`custom_tool_call` and its output (a free-form tool such as `apply_patch`), `reasoning` (skipped)
— and `tools` holds `function` and `custom` tools (hosted ones like `web_search` are ignored). The
answer comes from the server's brain and its scripted moves (`call_next`, `say_next`), its
failures (`fail_next`), hangs and latency, exactly as on the other routes.

Streamed, the answer is the real event sequence: `response.created`, `response.in_progress`, per
output item `response.output_item.added`, its parts (`response.content_part.added`,
`response.output_text.delta`…, or `response.function_call_arguments.delta`…), their `.done`
events and `response.output_item.done`, then `response.completed` carrying `usage`
(`input_tokens` with `input_tokens_details.cached_tokens`, `output_tokens`). Every event has a
`sequence_number`; there is no `[DONE]`. Faults of its own (from tests)::

    server.responses.drop_next(1)        # the stream stops before `response.completed` (a dropped connection)
    server.responses.fail_in_stream(1, code="server_error", message="…")  # `response.failed` once it began

A dropped or failed response is not in `server.usages` (nothing was billed that a client saw).
"""

import itertools
import json
import threading
import time
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from activities.providers.simulated import Decision, conversation_text, decide, estimate_tokens, reply_text
from paperclip.models import Message, ToolCall, ToolSpec, Usage

if TYPE_CHECKING:
    from tests.fakes.model_server import FakeModelServer

LABEL = "[fake]"
_PIECE = 7


class BadInput(Exception):
    """The request is not one the API accepts (answered 400 with this message)."""


def _text(content: Any) -> str:
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(str(p.get("text", "")) for p in content if isinstance(p, dict))
    return ""


def conversation(body: dict[str, Any]) -> tuple[str, list[ToolSpec], list[Message]]:
    """The neutral (system prompt, tools, messages) of a Responses request.

    Raises:
        BadInput: a tool's output whose call is not in the input, an unknown item or role.
    """
    system = [str(body.get("instructions") or "")]
    messages: list[Message] = []
    calls: set[str] = set()
    items = body.get("input")
    if isinstance(items, str):
        items = [{"type": "message", "role": "user", "content": items}]
    for i, item in enumerate(items or []):
        kind = item.get("type", "message")
        if kind == "message":
            role = item.get("role")
            if role in ("developer", "system"):
                system.append(_text(item.get("content")))
            elif role in ("user", "assistant"):
                messages.append(Message(role=role, content=_text(item.get("content"))))
            else:
                raise BadInput(
                    f"Invalid value: {role!r}. Supported values are: 'user', 'assistant', 'system', and 'developer'."
                )
        elif kind in ("function_call", "custom_tool_call"):
            raw = item.get("arguments") if kind == "function_call" else item.get("input")
            try:
                arguments = json.loads(raw or "{}") if kind == "function_call" else {"input": raw}
            except ValueError:
                arguments = {"raw": raw}
            arguments = arguments if isinstance(arguments, dict) else {"value": arguments}
            call = ToolCall(id=item["call_id"], name=item["name"], arguments=arguments)
            calls.add(call.id)
            last = messages[-1] if messages else None
            if last is not None and last.role == "assistant" and (last.tool_calls or not last.content):
                last.tool_calls.append(call)
            else:
                messages.append(Message(role="assistant", content="", tool_calls=[call]))
        elif kind in ("function_call_output", "custom_tool_call_output"):
            if item.get("call_id") not in calls:
                raise BadInput(f"No tool call found for function call output with call_id {item.get('call_id')}.")
            messages.append(Message(role="tool", content=_text(item.get("output")), tool_call_id=item["call_id"]))
        elif kind != "reasoning":
            raise BadInput(f"input[{i}].type: unsupported item type {kind!r}")
    tools = [
        ToolSpec(name=t["name"], description=t.get("description", ""), parameters=t.get("parameters") or {})
        for t in body.get("tools") or []
        if t.get("type") in ("function", "custom")
    ]
    return "\n".join(s for s in system if s), tools, messages


def _pieces(text: str) -> list[str]:
    return [text[i : i + _PIECE] for i in range(0, len(text), _PIECE)]


def _sse(event: dict[str, Any]) -> bytes:
    return f"event: {event['type']}\ndata: {json.dumps(event)}\n\n".encode()


def _usage(usage: Usage) -> dict[str, Any]:
    return {
        "input_tokens": usage.input_tokens,
        "input_tokens_details": {"cached_tokens": usage.cached_input_tokens},
        "output_tokens": usage.output_tokens,
        "output_tokens_details": {"reasoning_tokens": 0},
        "total_tokens": usage.input_tokens + usage.output_tokens,
    }


class ResponsesApi:
    """The `/v1/responses` route of one `FakeModelServer` (`server.responses`)."""

    def __init__(self, server: "FakeModelServer") -> None:
        self.server = server
        self._lock = threading.Lock()
        self._drops = 0
        self._stream_failures: list[tuple[str, str] | None] = []
        self._ids = itertools.count(1)
        self.dropped = 0
        """Streams cut before `response.completed` so far."""

    def reset(self) -> None:
        with self._lock:
            self._drops = 0
            self._stream_failures.clear()
            self.dropped = 0

    def register(self, app: FastAPI) -> None:
        app.post("/v1/responses")(self.handle)

    def drop_next(self, n: int = 1) -> None:
        """Cut the next `n` streamed answers after their first output item began (a connection
        that drops mid-stream): no `response.completed`, nothing billed."""
        with self._lock:
            self._drops += n

    def fail_in_stream(
        self, n: int = 1, *, code: str = "server_error", message: str = "The model failed.", after: int = 0
    ) -> None:
        """End `n` streamed answers, after the next `after` ones, with `response.failed` (`error.code`,
        `error.message`)."""
        with self._lock:
            self._stream_failures += [None] * after + [(code, message)] * n

    async def handle(self, request: Request) -> Response:
        server = self.server
        body = await request.json()
        with server._lock:
            server.requests.append(body)
            n = next(server._counter)
        if not server._openai_authorised(request):
            return server._openai_error(401, "Incorrect API key provided.", code="invalid_api_key")
        failure, hang = server._take()
        if hang and not await server._hang(request):
            return Response(status_code=503)
        if server.latency and not await server._wait(request, server.latency):
            with server._lock:
                server.aborted += 1
            return Response(status_code=499)
        if failure is not None:
            return server._failure("openai", failure)
        try:
            system, tools, messages = conversation(body)
        except (BadInput, KeyError, TypeError, ValueError) as e:
            message = str(e) if isinstance(e, BadInput) else f"malformed request: {e!r}"
            return server._openai_error(400, message, param="input")
        prefix = f"call_{n}"
        # The brain reads the person's words: Codex's own context messages (`<environment_context>`, …) aside.
        said = [m for m in messages if not (m.role == "user" and m.content.lstrip().startswith("<"))]
        decision = decide(tools, said, id_prefix=prefix, label=LABEL)
        with server._lock:
            scripted = server._scripted.pop(0) if server._scripted else None
        if scripted is not None:
            tool, raw = scripted
            if not tool:
                decision = Decision(f"{LABEL} {raw}", [])
            else:
                with server._lock:
                    server._raw_arguments[f"{prefix}-0"] = raw
                decision = Decision("", [ToolCall(id=f"{prefix}-0", name=tool)])
        total_in = server._count(conversation_text(system, tools, messages))
        cached = server.prompt_cache.openai(
            {"model": body.get("model", ""), "tools": body.get("tools") or [], "messages": body.get("input") or []},
            lambda prefix: self._count_prefix(prefix),
        )
        usage = Usage(
            input_tokens=total_in,
            output_tokens=estimate_tokens(reply_text(decision)),
            cached_input_tokens=min(max(cached, server.cached_input_tokens), total_in),
        )
        response = self._response(n, str(body.get("model", "fake")), decision, usage)
        if not body.get("stream"):
            with server._lock:
                server.usages.append(usage)
            return JSONResponse(response)
        with self._lock:
            drop = self._drops > 0
            self._drops -= drop
            failed = self._stream_failures.pop(0) if self._stream_failures and not drop else None
        if not drop and failed is None:
            with server._lock:
                server.usages.append(usage)
        return server._stream(self._events(response, drop=drop, failed=failed))

    def _count_prefix(self, prefix: dict[str, Any]) -> int | None:
        try:
            system, tools, messages = conversation({"tools": prefix["tools"], "input": prefix["messages"]})
        except (BadInput, KeyError, TypeError, ValueError):
            return None
        return self.server._count(conversation_text(system, tools, messages))

    def _response(self, n: int, model: str, d: Decision, usage: Usage) -> dict[str, Any]:
        output: list[dict[str, Any]] = []
        if d.content:
            part = {"type": "output_text", "text": d.content, "annotations": [], "logprobs": []}
            output.append(
                {"id": f"msg_fake{n}", "type": "message", "status": "completed", "role": "assistant", "content": [part]}
            )
        for c in d.tool_calls:
            output.append(
                {
                    "id": f"fc_{c.id}",
                    "type": "function_call",
                    "status": "completed",
                    "call_id": c.id,
                    "name": c.name,
                    "arguments": self.server._arguments(c),
                }
            )
        return {
            "id": f"resp_fake{n}",
            "object": "response",
            "created_at": int(time.time()),
            "status": "completed",
            "error": None,
            "incomplete_details": None,
            "model": model,
            "output": output,
            "parallel_tool_calls": True,
            "tool_choice": "auto",
            "usage": _usage(usage),
        }

    def _events(self, response: dict[str, Any], *, drop: bool, failed: tuple[str, str] | None) -> Iterator[bytes]:
        seq = itertools.count()
        begun = response | {"status": "in_progress", "output": [], "usage": None}

        def event(kind: str, **data: Any) -> bytes:
            return _sse({"type": kind, "sequence_number": next(seq), **data})

        yield event("response.created", response=begun)
        yield event("response.in_progress", response=begun)
        for index, item in enumerate(response["output"]):
            at = {"item_id": item["id"], "output_index": index}
            message = item["type"] == "message"
            opened = item | ({"content": []} if message else {"arguments": ""})
            yield event("response.output_item.added", output_index=index, item=opened | {"status": "in_progress"})
            if drop:
                break
            if message:
                part, text = item["content"][0], item["content"][0]["text"]
                yield event("response.content_part.added", **at, content_index=0, part=part | {"text": ""})
                for piece in _pieces(text):
                    yield event("response.output_text.delta", **at, content_index=0, delta=piece, logprobs=[])
                yield event("response.output_text.done", **at, content_index=0, text=text, logprobs=[])
                yield event("response.content_part.done", **at, content_index=0, part=part)
            else:
                for piece in _pieces(item["arguments"]):
                    yield event("response.function_call_arguments.delta", **at, delta=piece)
                yield event("response.function_call_arguments.done", **at, arguments=item["arguments"])
            yield event("response.output_item.done", output_index=index, item=item)
        if drop:  # the connection goes: no terminal event
            with self._lock:
                self.dropped += 1
            return
        if failed is not None:
            code, message = failed
            error = {"code": code, "message": message}
            yield event("response.failed", response=response | {"status": "failed", "error": error, "usage": None})
            return
        yield event("response.completed", response=response)
