"""What Claude Code sends the Anthropic API besides plain Messages requests, answered as Anthropic
does, on the fake model server (`tests.fakes.model_server`, which registers it first, so its
routes win).

Claude Code (2.1) posts to `/v1/messages?beta=true` with the `anthropic-beta` header naming the
betas it uses. Two of them change what a request may hold:

- `mid-conversation-system-2026-04-07`: `system` messages between the user and assistant ones
  (Claude Code sends one listing its sub-agents). They are read as more system prompt; without
  the beta the API refuses them, as it does any role but `user` and `assistant`.
- `structured-outputs-2025-12-15`: `output_config.format` with a JSON schema, which the answer
  must match. Claude Code asks so for a new session's title, in a call of its own beside the
  turn's first: answered here with a JSON object of the schema (its strings taken from the
  conversation's first words), never from the server's script of answers (the call races the
  turn's own), and counted as a model call like any other (`server.requests`, `server.usages`).

It also sends `HEAD /` before its first call (a reachability check), answered 200 with no body.
"""

import json
from typing import TYPE_CHECKING, Any

from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response

from activities.providers.simulated import Decision, conversation_text, estimate_tokens
from paperclip.models import Usage

if TYPE_CHECKING:
    from tests.fakes.model_server import FakeModelServer

MID_CONVERSATION_SYSTEM = "mid-conversation-system-2026-04-07"
STRUCTURED_OUTPUTS = "structured-outputs-2025-12-15"


class Refused(Exception):
    """The request is one the API answers 400 (its message is the API's)."""


def betas(request: Request) -> set[str]:
    return {b.strip() for b in request.headers.get("anthropic-beta", "").split(",") if b.strip()}


def fold_system_messages(body: dict[str, Any], allowed: bool) -> dict[str, Any]:
    """`body` with its mid-conversation `system` messages moved to the end of its system prompt.

    Raises:
        Refused: there are some and the beta that allows them is not on.
    """
    messages = body.get("messages")
    if not isinstance(messages, list) or not any(isinstance(m, dict) and m.get("role") == "system" for m in messages):
        return body
    if not allowed:
        i = next(i for i, m in enumerate(messages) if m.get("role") == "system")
        raise Refused(f"messages.{i}.role: Input should be 'user' or 'assistant'")
    system = body.get("system") or []
    blocks = [{"type": "text", "text": system}] if isinstance(system, str) else list(system)
    for m in messages:
        if isinstance(m, dict) and m.get("role") == "system":
            content = m.get("content")
            blocks += [{"type": "text", "text": content}] if isinstance(content, str) else list(content or [])
    kept = [m for m in messages if not (isinstance(m, dict) and m.get("role") == "system")]
    return body | {"system": blocks, "messages": kept}


def _schema_value(schema: dict[str, Any], text: str) -> Any:
    """A value of `schema` (the subset structured outputs accept), strings being `text`."""
    kind = schema.get("type")
    if kind == "object":
        properties = schema.get("properties") or {}
        return {name: _schema_value(sub, text) for name, sub in properties.items()}
    if "enum" in schema:
        return schema["enum"][0]
    return {"string": text, "integer": 0, "number": 0, "boolean": False, "array": [], "null": None}.get(str(kind), text)


def structured_answer(body: dict[str, Any], conversation_first_words: str) -> str | None:
    """The JSON text answering a request with `output_config.format` (a JSON schema); None for
    a request without one."""
    out = body.get("output_config") or {}
    format_ = out.get("format") if isinstance(out, dict) else None
    if not isinstance(format_, dict) or format_.get("type") != "json_schema":
        return None
    return json.dumps(_schema_value(format_.get("schema") or {}, conversation_first_words))


def _first_words(body: dict[str, Any]) -> str:
    """`[fake]` and the first words of the conversation's last user text (the session's topic)."""
    for m in reversed(body.get("messages") or []):
        content = m.get("content")
        texts = [content] if isinstance(content, str) else [b.get("text", "") for b in content or []]
        for text in texts:
            words = " ".join(text.replace("<session>", " ").replace("</session>", " ").split()[:6])
            if words:
                return f"[fake] {words}"
    return "[fake] session"


def register(server: "FakeModelServer", app: FastAPI) -> None:
    """Add Claude Code's routes to `app` (before the server's own, so they win)."""

    @app.head("/")
    async def reachable() -> Response:
        return Response(status_code=200)

    @app.post("/v1/messages")
    async def messages(request: Request) -> Response:
        from tests.fakes.model_server import _anthropic_conversation, _BadRequest

        body = await request.json()
        try:
            body = fold_system_messages(body, MID_CONVERSATION_SYSTEM in betas(request))
        except Refused as refused:
            with server._lock:
                server.requests.append(body)
            return server._anthropic_error(400, str(refused))
        answer = structured_answer(body, _first_words(body))
        if answer is None:
            # The server's own handling reads the body from the request: it gets the folded one.
            request._json = body
            return await server._handle(request, "anthropic")
        with server._lock:
            server.requests.append(body)
            n = next(server._counter)
        if not server._anthropic_authorised(request):
            return server._anthropic_error(401, "invalid x-api-key")
        try:
            system, tools, conversation = _anthropic_conversation(body)
        except (_BadRequest, KeyError, TypeError, ValueError) as e:
            return server._anthropic_error(400, str(e) if isinstance(e, _BadRequest) else f"malformed request: {e!r}")
        decision = Decision(answer, [])
        usage = server._cache_usage(
            "anthropic",
            body,
            Usage(
                input_tokens=server._count(conversation_text(system, tools, conversation)),
                output_tokens=estimate_tokens(answer),
            ),
        )
        with server._lock:
            server.usages.append(usage)
        model = body.get("model", "fake")
        if body.get("stream"):
            return server._stream(server._anthropic_events(n, model, decision, usage))
        return JSONResponse(server._anthropic_message(n, model, decision, usage))
