"""Gemini's own API for the fake model server (`tests/fakes/model_server.py`), as Gemini CLI and
the `@google/genai` SDK call it: `POST /v1beta/models/{model}:generateContent`,
`:streamGenerateContent?alt=sse` and `:countTokens`, the key in `x-goog-api-key` (or `?key=`).

The same brain answers as on the server's other routes (`decide`, the calls `call_next` and
`say_next` script, the failures `fail_next` and `hang_next` queue), and its requests and
usages go to the same `server.requests` and `server.usages`. A request for JSON (`responseMimeType:
application/json` with a schema, as Gemini CLI's model router asks) is answered with an object
that fits the schema. Usage is reported as Gemini does: `promptTokenCount` (cached tokens
included), `candidatesTokenCount`, `thoughtsTokenCount` (billed as output, not in the
candidates) and `totalTokenCount`, the last streamed chunk carrying the whole of it.

Tests steer it through `server.gemini`: `key` (accepted), `thoughts_tokens` (reported per answer).
"""

import json
from collections.abc import Iterator
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from activities.providers.simulated import Decision, conversation_text, decide, estimate_tokens, reply_text
from paperclip.models import Message, ToolCall, ToolSpec, Usage

if TYPE_CHECKING:
    from tests.fakes.model_server import FakeModelServer

LABEL = "[fake]"
_PIECE = 7
_STATUS = {
    400: "INVALID_ARGUMENT",
    401: "UNAUTHENTICATED",
    403: "PERMISSION_DENIED",
    404: "NOT_FOUND",
    429: "RESOURCE_EXHAUSTED",
    500: "INTERNAL",
    503: "UNAVAILABLE",
    504: "DEADLINE_EXCEEDED",
}
_CONTEXT = "<session_context>"
"""Gemini CLI's first user part describes the machine and folder; the task is in the parts after it."""


class GeminiApi:
    """The Gemini routes of one fake server and their settings."""

    def __init__(self, server: "FakeModelServer") -> None:
        self.server = server
        self.key = "test-key"
        self.thoughts_tokens = 0
        """Thinking tokens each answer reports (`thoughtsTokenCount`), billed as output."""

    @staticmethod
    def error(status: int, message: str) -> JSONResponse:
        return JSONResponse(
            {"error": {"code": status, "message": message, "status": _STATUS.get(status, "UNKNOWN")}},
            status_code=status,
        )

    async def handle(self, target: str, request: Request) -> Response:
        model, _, method = target.partition(":")
        if method not in ("generateContent", "streamGenerateContent", "countTokens"):
            return self.error(404, f"Method {method or target!r} not found.")
        server = self.server
        body = await request.json()
        if method != "countTokens":
            with server._lock:
                server.requests.append(body)
        key = request.headers.get("x-goog-api-key") or request.query_params.get("key")
        if key != self.key:
            return self.error(400, "API key not valid. Please pass a valid API key.")
        try:
            system, tools, conversation, task = _conversation(body)
        except (KeyError, TypeError, ValueError, AttributeError) as e:
            return self.error(400, f"Invalid JSON payload received: {e!r}")
        total_in = server._count(conversation_text(system, tools, conversation))
        if method == "countTokens":
            return JSONResponse({"totalTokens": total_in})
        failure, hang = server._take()
        if hang and not await server._hang(request):
            return Response(status_code=503)
        if server.latency and not await server._wait(request, server.latency):
            with server._lock:
                server.aborted += 1
            return Response(status_code=499)
        if failure is not None:
            return self.error(failure.status, failure.message or f"Scripted failure {failure.status}.")
        config = body.get("generationConfig") or {}
        schema = config.get("responseJsonSchema") or config.get("responseSchema")
        if config.get("responseMimeType") == "application/json" and schema:
            decision = Decision(json.dumps(_fit(schema)), [])
        else:
            decision = decide(tools, task, id_prefix="call", label=LABEL)
            with server._lock:
                scripted = server._scripted.pop(0) if server._scripted else None
            if scripted is not None:
                tool, raw = scripted
                call = ToolCall(id=tool, name=tool, arguments=_arguments(raw))
                decision = Decision("", [call]) if tool else Decision(f"{LABEL} {raw}", [])
        usage = Usage(
            input_tokens=total_in,
            output_tokens=estimate_tokens(reply_text(decision)) + self.thoughts_tokens,
            cached_input_tokens=min(server.cached_input_tokens, total_in),
        )
        with server._lock:
            server.usages.append(usage)
        if method == "streamGenerateContent":
            return StreamingResponse(self._chunks(model, decision, usage), media_type="text/event-stream")
        return JSONResponse(self._response(model, _parts(decision), usage, final=True))

    def _usage(self, usage: Usage) -> dict[str, Any]:
        candidates = usage.output_tokens - self.thoughts_tokens
        metadata: dict[str, Any] = {
            "promptTokenCount": usage.input_tokens,
            "candidatesTokenCount": candidates,
            "totalTokenCount": usage.input_tokens + usage.output_tokens,
            "promptTokensDetails": [{"modality": "TEXT", "tokenCount": usage.input_tokens}],
        }
        if usage.cached_input_tokens:
            metadata["cachedContentTokenCount"] = usage.cached_input_tokens
        if self.thoughts_tokens:
            metadata["thoughtsTokenCount"] = self.thoughts_tokens
        return metadata

    def _response(self, model: str, parts: list[dict[str, Any]], usage: Usage, *, final: bool) -> dict[str, Any]:
        candidate: dict[str, Any] = {"content": {"parts": parts, "role": "model"}, "index": 0}
        if final:
            candidate["finishReason"] = "STOP"
        return {
            "candidates": [candidate],
            # Each streamed chunk says what the prompt took; the last one the whole usage.
            "usageMetadata": self._usage(usage)
            if final
            else {"promptTokenCount": usage.input_tokens, "totalTokenCount": usage.input_tokens},
            "modelVersion": model,
            "responseId": f"fake-{id(parts):x}",
        }

    def _chunks(self, model: str, decision: Decision, usage: Usage) -> Iterator[bytes]:
        pieces = [decision.content[i : i + _PIECE] for i in range(0, len(decision.content), _PIECE)]
        calls = [part for part in _parts(decision) if "functionCall" in part]
        for piece in pieces[:-1] if not calls else pieces:
            yield _sse(self._response(model, [{"text": piece}], usage, final=False))
        last = calls or ([{"text": pieces[-1]}] if pieces else [{"text": ""}])
        yield _sse(self._response(model, last, usage, final=True))


def register(app: FastAPI, server: "FakeModelServer") -> GeminiApi:
    """Add the Gemini routes to `app`, answering as `server` does; their settings."""
    api = GeminiApi(server)

    @app.post("/v1beta/models/{target}")
    async def gemini(target: str, request: Request) -> Response:
        return await api.handle(target, request)

    return api


def _sse(data: dict[str, Any]) -> bytes:
    return f"data: {json.dumps(data)}\r\n\r\n".encode()


def _arguments(raw: str) -> dict[str, Any]:
    """A scripted call's arguments: Gemini's `args` is an object, so text that is none goes as `raw`."""
    try:
        value = json.loads(raw)
    except ValueError:
        value = None
    return value if isinstance(value, dict) else {"raw": raw}


def _parts(decision: Decision) -> list[dict[str, Any]]:
    parts: list[dict[str, Any]] = [{"text": decision.content}] if decision.content else []
    return parts + [{"functionCall": {"name": c.name, "args": c.arguments}} for c in decision.tool_calls]


def _conversation(body: dict[str, Any]) -> tuple[str, list[ToolSpec], list[Message], list[Message]]:
    """The system text, tools and conversation of a request, and the conversation without Gemini
    CLI's machine description (what the brain reads the task from)."""
    system = "\n".join(p.get("text", "") for p in (body.get("systemInstruction") or {}).get("parts") or [])
    messages: list[Message] = []
    task: list[Message] = []
    for content in body["contents"]:
        role = content.get("role", "user")
        texts = [p["text"] for p in content["parts"] if isinstance(p.get("text"), str) and not p.get("thought")]
        calls = [
            ToolCall(id=p["functionCall"].get("id") or p["functionCall"]["name"], name=p["functionCall"]["name"],
                     arguments=p["functionCall"].get("args") or {})
            for p in content["parts"]
            if "functionCall" in p
        ]  # fmt: skip
        results = [
            Message(role="tool", content=json.dumps(p["functionResponse"].get("response")),
                    tool_call_id=p["functionResponse"].get("id") or p["functionResponse"]["name"])
            for p in content["parts"]
            if "functionResponse" in p
        ]  # fmt: skip
        if role == "model":
            message = Message(role="assistant", content="\n".join(texts), tool_calls=calls)
            messages.append(message)
            task.append(message)
            continue
        messages += results
        task += results
        if texts:
            messages.append(Message(role="user", content="\n".join(texts)))
            asked = [t for t in texts if not t.lstrip().startswith(_CONTEXT)]
            if asked:
                task.append(Message(role="user", content="\n".join(asked)))
    tools = [
        ToolSpec(
            name=f["name"],
            description=f.get("description", ""),
            parameters=f.get("parametersJsonSchema") or f.get("parameters") or {},
        )
        for t in body.get("tools") or []
        for f in t.get("functionDeclarations") or []
    ]
    return system, tools, messages, task


def _fit(schema: dict[str, Any]) -> Any:
    """A value that fits a JSON schema (Gemini's upper-case types too): the first enum value
    but `user` where it is one (whose turn it is next: the user's, so the tool stops)."""
    if schema.get("enum"):
        return "user" if "user" in schema["enum"] else schema["enum"][0]
    kind = str(schema.get("type", "object")).lower()
    if kind == "object":
        properties = schema.get("properties") or {}
        return {name: _fit(properties[name]) for name in schema.get("required") or properties}
    if kind == "array":
        return []
    if kind in ("integer", "number"):
        return 1
    if kind == "boolean":
        return False
    return f"{LABEL} fits the schema"
