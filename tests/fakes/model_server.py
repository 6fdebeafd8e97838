"""A fake OpenAI + Anthropic HTTP server for tests, speaking the real wire formats.

It runs in-process (uvicorn in a background thread on 127.0.0.1, a free port) and answers with
the same deterministic brain as the `simulated` provider (delegate once to every member of the
`delegate_task` enum, then complete; a leaf completes at once), so a whole company can run
against it through the real SDKs. Tests steer it at runtime::

    with FakeModelServer() as server:
        cfg = ModelConfig(provider="openai", model="gpt-4o-mini", base_url=server.base_url_openai)
        server.latency = 0.2                         # seconds before each answer
        server.fail_next(2, status=429, retry_after=1)
        server.hang_next(1)                          # answer nothing until released or stopped
        server.limit(requests_per_second=5, tokens_per_minute=30_000)  # a key's rate limits
        server.context_window = 8192                 # answer 400, as the provider does, past it
        ...
        server.redirect_to = other.base_url           # answer every request 307 to another server
        server.call_next("complete_task", '{"result": 42}')  # the next answer: this call, these raw arguments
        server.say_next("Done, I think.")            # the next answer: this text, no call
        ...
        server.calls, server.calls_for("ACME-1"), server.requests, server.usages
        server.seen, server.keys_seen()              # every request's headers; those that carried a key

The API keys it accepts are `server.openai_key` and `server.anthropic_key` (both `test-key`).
"""

import asyncio
import itertools
import json
import math
import socket
import threading
import time
from collections import Counter
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass
from typing import Any

import uvicorn
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse, Response, StreamingResponse

from activities.providers.simulated import Decision, conversation_text, decide, estimate_tokens, reply_text
from paperclip.compaction import SUMMARY_REQUEST
from paperclip.models import Message, ToolCall, ToolSpec, Usage
from tests.fakes.claude_code_api import register as register_claude_code
from tests.fakes.gemini_api import register as register_gemini
from tests.fakes.openai_responses import ResponsesApi
from tests.fakes.prompt_cache import PromptCache

LABEL = "[fake]"
_PIECE = 7
"""Characters per streamed piece: small, so tool-call arguments arrive split across chunks."""

_OPENAI_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "invalid_request_error",
    403: "permission_error",
    404: "invalid_request_error",
    429: "rate_limit_exceeded",
}
_ANTHROPIC_ERROR_TYPES = {
    400: "invalid_request_error",
    401: "authentication_error",
    403: "permission_error",
    404: "not_found_error",
    408: "timeout_error",
    413: "request_too_large",
    429: "rate_limit_error",
    529: "overloaded_error",
}


KEY_HEADERS = ("authorization", "x-api-key")
"""Headers that carry a key to a provider (OpenAI's bearer token, Anthropic's key)."""


@dataclass(frozen=True)
class Seen:
    """A request as the server received it, on any route (answered, refused or redirected)."""

    method: str
    path: str
    headers: dict[str, str]


@dataclass(frozen=True)
class Failure:
    status: int
    retry_after: float | str | None = None
    retry_after_ms: int | None = None
    message: str | None = None


@dataclass
class _Bucket:
    """A provider's rate limit: holds `capacity`, refills at `per_second`."""

    capacity: float
    per_second: float
    level: float = -1.0
    at: float = 0.0

    def take(self, n: float) -> float:
        """0 when taken, else the seconds until it could be."""
        now = time.monotonic()
        self.level = (
            self.capacity if self.level < 0 else min(self.capacity, self.level + (now - self.at) * self.per_second)
        )
        self.at = now
        if self.level >= n:
            self.level -= n
            return 0.0
        return (n - self.level) / self.per_second

    def give(self, n: float) -> None:
        self.level = min(self.capacity, self.level + n)


def _pieces(text: str) -> list[str]:
    return [text[i : i + _PIECE] for i in range(0, len(text), _PIECE)]


def _sse(data: Any, event: str | None = None) -> bytes:
    head = f"event: {event}\n" if event else ""
    body = data if isinstance(data, str) else json.dumps(data)
    return f"{head}data: {body}\n\n".encode()


def _text(content: Any) -> str:
    """Text of an OpenAI or Anthropic content field (a string or a list of parts/blocks)."""
    if isinstance(content, str):
        return content
    if isinstance(content, list):
        return "\n".join(_text(part.get("text", part.get("content", ""))) for part in content if isinstance(part, dict))
    return ""


class _BadRequest(Exception):
    pass


# --------------------------------------------------------------------------- wire → neutral


def _openai_conversation(body: dict[str, Any]) -> tuple[str, list[ToolSpec], list[Message]]:
    system: list[str] = []
    messages: list[Message] = []
    open_calls: set[str] = set()
    for m in body.get("messages", []):
        role = m.get("role")
        if role in ("system", "developer"):
            system.append(_text(m.get("content")))
        elif role == "assistant":
            calls = [
                ToolCall(
                    id=c["id"], name=c["function"]["name"], arguments=json.loads(c["function"]["arguments"] or "{}")
                )
                for c in m.get("tool_calls") or []
            ]
            open_calls = {c.id for c in calls}
            messages.append(Message(role="assistant", content=_text(m.get("content")), tool_calls=calls))
        elif role == "tool":
            if m.get("tool_call_id") not in open_calls:
                raise _BadRequest(
                    "Invalid parameter: messages with role 'tool' must be a response "
                    "to a preceeding message with 'tool_calls'."
                )
            messages.append(Message(role="tool", content=_text(m.get("content")), tool_call_id=m["tool_call_id"]))
        elif role == "user":
            messages.append(Message(role="user", content=_text(m.get("content"))))
        else:
            raise _BadRequest(f"Invalid value for 'role': {role!r}.")
    tools = [
        ToolSpec(
            name=t["function"]["name"],
            description=t["function"].get("description", ""),
            parameters=t["function"].get("parameters", {}),
        )
        for t in body.get("tools") or []
    ]
    return "\n".join(system), tools, messages


def _anthropic_conversation(body: dict[str, Any]) -> tuple[str, list[ToolSpec], list[Message]]:
    if "max_tokens" not in body:
        raise _BadRequest("max_tokens: Field required")
    messages: list[Message] = []
    last_role = None
    tool_uses: set[str] = set()
    for i, m in enumerate(body.get("messages", [])):
        role = m.get("role")
        if role not in ("user", "assistant"):
            raise _BadRequest(f"messages.{i}.role: Input should be 'user' or 'assistant'")
        if role == last_role:
            raise _BadRequest('messages: roles must alternate between "user" and "assistant"')
        last_role = role
        content = m.get("content")
        blocks = [{"type": "text", "text": content}] if isinstance(content, str) else content
        texts, calls = [], []
        for block in blocks:
            kind = block.get("type")
            if kind == "text":
                if not block.get("text"):
                    raise _BadRequest(f"messages.{i}: text content blocks must be non-empty")
                texts.append(block["text"])
            elif kind == "tool_use":
                calls.append(ToolCall(id=block["id"], name=block["name"], arguments=block.get("input", {})))
            elif kind == "tool_result":
                if block.get("tool_use_id") not in tool_uses:
                    raise _BadRequest(f"messages.{i}: unexpected `tool_use_id` found in `tool_result` blocks")
                messages.append(
                    Message(role="tool", content=_text(block.get("content", "")), tool_call_id=block["tool_use_id"])
                )
        tool_uses = {c.id for c in calls}
        if role == "assistant":
            messages.append(Message(role="assistant", content="\n".join(texts), tool_calls=calls))
        elif texts:
            messages.append(Message(role="user", content="\n".join(texts)))
    tools = [
        ToolSpec(name=t["name"], description=t.get("description", ""), parameters=t.get("input_schema", {}))
        for t in body.get("tools") or []
    ]
    return _text(body.get("system", "")), tools, messages


# --------------------------------------------------------------------------- the server


def compaction_summary(conversation: list[Message]) -> str | None:
    """The answer to a request for a summary (`paperclip.compaction`), which ends with the
    request: it names how many messages came before it and the tools called in them, as a model
    would sum them up; None for any other request (scripted answers wait for the next)."""
    if not conversation or conversation[-1].role != "user" or conversation[-1].content != SUMMARY_REQUEST:
        return None
    earlier = conversation[:-1]
    tools = sorted({call.name for m in earlier for call in m.tool_calls})
    return f"{LABEL} Summary of {len(earlier)} messages; tools called: {', '.join(tools) or 'none'}."


class FakeModelServer:
    """OpenAI `/v1/chat/completions` + `/v1/models` and Anthropic `/v1/messages`, in-process.

    Attributes tests may set at any time: `latency` (seconds before answering), `chunk_delay`
    (seconds between streamed chunks), `cached_input_tokens` (reported as cached, capped at the
    input), `openai_key` / `anthropic_key` (the accepted keys).
    """

    def __init__(self, *, latency: float = 0.0) -> None:
        self.latency = latency
        self.chunk_delay = 0.0
        self.cached_input_tokens = 0
        self.work_turns = 1
        """Turns a conversation takes before the brain's move: the earlier ones each answer with a
        progress note and a `write_notes` call (a tool the workflow does not offer), so a task runs
        that many turns (benchmarks of per-turn overhead)."""
        self.openai_key = "test-key"
        self.anthropic_key = "test-key"
        self.requests: list[dict[str, Any]] = []
        """Every request body received (failed, hung and rejected ones too), in order."""
        self.seen: list[Seen] = []
        """Every request received on any route, with its headers, in order."""
        self.redirect_to: str | None = None
        """When set, every request is answered `307` to this base URL plus its path (a server
        that tries to send a client, and its key, elsewhere)."""
        self.usages: list[Usage] = []
        """The usage reported for each answered request (neutral: input includes cached)."""
        self.fail_every: int | None = None
        """Answer every n-th model request with 429 and `retry-after: 1` (a shared key's rate limit)."""
        self.aborted = 0
        """Model requests whose client went away during `latency`, before any answer (a killed
        worker's calls in flight): nothing was served for them."""
        self.context_window: int | None = None
        """When set, the tokens a request may carry (prompt, estimated as the usage reports it, and
        `max_tokens`); past it the answer is the provider's own 400 (`too_long` counts them)."""
        self.too_long = 0
        """Model requests refused for passing `context_window`."""
        self.empty_summaries = 0
        """Requests for a summary still to be answered with no text at all (a model that fails to summarise)."""
        self.chars_per_token = 4.0
        """The fake's tokenizer: characters a token, in the usage it reports, in `context_window`
        and in `/v1/messages/count_tokens` (a smaller figure is a denser tokenizer)."""
        self.counted: list[int] = []
        """What each `/v1/messages/count_tokens` request was answered."""
        self.refused: Counter[str] = Counter()
        """Model requests refused by the rate limits `limit` set, by limit (`requests`, `tokens`)."""
        self._requests_bucket: _Bucket | None = None
        self._tokens_bucket: _Bucket | None = None
        self._served = 0
        self._lock = threading.Lock()
        self._failures: list[Failure] = []
        self._hangs = 0
        self._released = 0
        self._scripted: list[tuple[str, str]] = []
        self._raw_arguments: dict[str, str] = {}
        """Tool-call id → the arguments text sent for it as is (`call_next`)."""
        self._closing = False
        self._counter = itertools.count(1)
        self.prompt_cache = PromptCache()
        """What the provider would have cached of the requests so far (cleared by `reset`)."""
        self._server: uvicorn.Server | None = None
        self._thread: threading.Thread | None = None
        self.port = 0
        self.responses = ResponsesApi(self)  # `/v1/responses` (tests/fakes/openai_responses.py)
        self.app = self._build_app()

    # ---------------------------------------------------------------- lifecycle

    @property
    def base_url(self) -> str:
        return f"http://127.0.0.1:{self.port}"

    @property
    def base_url_openai(self) -> str:
        return f"{self.base_url}/v1"

    @property
    def base_url_anthropic(self) -> str:
        return self.base_url

    def start(self) -> "FakeModelServer":
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
        # Accepted connections inherit this: without it the response's second segment waits for
        # the client's delayed ACK (~40 ms a request on loopback), which no real provider adds.
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        sock.bind(("127.0.0.1", 0))
        self.port = sock.getsockname()[1]
        config = uvicorn.Config(self.app, log_level="warning", lifespan="off", timeout_graceful_shutdown=2)
        self._server = uvicorn.Server(config)
        self._thread = threading.Thread(
            target=self._server.run, kwargs={"sockets": [sock]}, name=f"fake-model-server-{self.port}", daemon=True
        )
        self._thread.start()
        deadline = time.monotonic() + 10
        while not self._server.started:
            if time.monotonic() > deadline or not self._thread.is_alive():
                raise RuntimeError("the fake model server did not start")
            time.sleep(0.01)
        return self

    def stop(self) -> None:
        self._closing = True
        if self._server is not None:
            self._server.should_exit = True
        if self._thread is not None:
            self._thread.join(timeout=10)

    def __enter__(self) -> "FakeModelServer":
        return self.start()

    def __exit__(self, *exc: object) -> None:
        self.stop()

    # ---------------------------------------------------------------- controls

    def fail_next(
        self,
        n: int = 1,
        *,
        status: int = 429,
        retry_after: float | str | None = None,
        retry_after_ms: int | None = None,
        message: str | None = None,
    ) -> None:
        """Answer the next `n` model requests with `status` (and `retry-after` headers if given)."""
        with self._lock:
            self._failures += [Failure(status, retry_after, retry_after_ms, message)] * n

    def limit(self, *, requests_per_second: float | None = None, tokens_per_minute: int | None = None) -> None:
        """Enforce a key's rate limits as the providers do, answering 429 with `retry-after` beyond them.

        Requests: a bucket of one second's worth (OpenAI enforces a minute's limit in slices of a
        second). Tokens: a bucket of a minute's worth; a request takes its prompt (estimated as the
        usage reports it) plus `max_tokens` when it arrives, and gives back the output it did not use.
        """
        with self._lock:
            self._requests_bucket = (
                None if requests_per_second is None else _Bucket(requests_per_second, requests_per_second)
            )
            self._tokens_bucket = (
                None if tokens_per_minute is None else _Bucket(tokens_per_minute, tokens_per_minute / 60)
            )

    def _over_limit(self, api: str, tokens: int) -> Response | None:
        with self._lock:
            wait = 0.0
            if self._requests_bucket is not None:
                wait = self._requests_bucket.take(1)
                what = "requests"
            if not wait and self._tokens_bucket is not None:
                wait = self._tokens_bucket.take(tokens)
                what = "tokens"
                if wait and self._requests_bucket is not None:
                    self._requests_bucket.give(1)
            if not wait:
                return None
            self.refused[what] += 1
        failure = Failure(429, max(1, round(wait + 0.5)), message=f"Rate limit reached for {what}.")
        return self._failure(api, failure)

    def _give_back_tokens(self, tokens: int) -> None:
        with self._lock:
            if self._tokens_bucket is not None:
                self._tokens_bucket.give(tokens)

    def hang_next(self, n: int = 1) -> None:
        """Let the next `n` model requests wait without an answer until released, the client
        goes away, or the server stops."""
        with self._lock:
            self._hangs += n

    def call_next(self, tool: str, arguments: str) -> None:
        """Answer the next model request (after any failures queued) with one call of `tool`
        whose arguments are the text `arguments`, sent as is: a model that gets them wrong."""
        with self._lock:
            self._scripted.append((tool, arguments))

    def say_next(self, text: str) -> None:
        """Answer the next model request (after any scripted before it) with `text` alone, no call."""
        with self._lock:
            self._scripted.append(("", text))

    def release_hangs(self, *, and_stop: bool = False) -> None:
        """Let every hung request go on to answer normally (`and_stop`: and hang none of those
        still to come that `hang_next` counted)."""
        with self._lock:
            self._released += 1
            if and_stop:
                self._hangs = 0

    def reset(self) -> None:
        with self._lock:
            self._failures.clear()
            self._scripted.clear()
            self._hangs = 0
            self.requests.clear()
            self.seen.clear()
            self.usages.clear()
            self.aborted = 0
            self._requests_bucket = self._tokens_bucket = None
            self.refused.clear()
            self.too_long = 0
            self.counted.clear()
        self.context_window = None
        self.chars_per_token = 4.0
        self.empty_summaries = 0
        self.prompt_cache.clear()
        self.responses.reset()
        self.latency = 0.0
        self.chunk_delay = 0.0
        self.work_turns = 1
        self.redirect_to = None

    def keys_seen(self) -> list[tuple[str, str]]:
        """(path, header) of every request received with a key header, whatever its value."""
        with self._lock:
            seen = list(self.seen)
        return [(r.path, name) for r in seen for name in KEY_HEADERS if name in r.headers]

    @property
    def calls(self) -> int:
        """Model requests received (chat completions and messages), failed ones included."""
        return len(self.requests)

    def calls_for(self, keyword: str) -> int:
        """Model requests whose messages mention `keyword` (e.g. a task identifier)."""
        with self._lock:
            bodies = list(self.requests)
        return sum(keyword in json.dumps(b.get("messages", [])) for b in bodies)

    # ---------------------------------------------------------------- handling

    def _build_app(self) -> FastAPI:
        app = FastAPI()
        register_claude_code(self, app)  # first: its routes win

        inner = app.build_middleware_stack

        def build_middleware_stack() -> Any:
            # A plain ASGI wrapper, not `@app.middleware`: Starlette's HTTP middleware would hide
            # a client's going away from `request.is_disconnected()` (a killed worker's call).
            handler = inner()

            async def record(scope: Any, receive: Any, send: Any) -> None:
                if scope["type"] == "http":
                    request = Request(scope)
                    with self._lock:
                        self.seen.append(Seen(request.method, request.url.path, dict(request.headers)))
                    if self.redirect_to is not None:
                        location = self.redirect_to + request.url.path
                        await Response(status_code=307, headers={"location": location})(scope, receive, send)
                        return
                await handler(scope, receive, send)

            return record

        app.build_middleware_stack = build_middleware_stack  # type: ignore[method-assign]

        @app.get("/v1/models")
        async def models(request: Request) -> Response:
            if not self._openai_authorised(request):
                return self._openai_error(401, "Incorrect API key provided.", code="invalid_api_key")
            return JSONResponse(
                {
                    "object": "list",
                    "data": [
                        {"id": name, "object": "model", "created": 1700000000, "owned_by": "fake"}
                        for name in ("gpt-4o-mini", "gpt-4.1-mini", "gpt-5-mini")
                    ],
                }
            )

        @app.post("/_fake/control")
        async def control(request: Request) -> Response:
            """Set `latency`, `chunk_delay`, `work_turns`, `cached_input_tokens`, `context_window`
            or `chars_per_token` from another process."""
            settings = await request.json()
            for name in (
                "latency",
                "chunk_delay",
                "work_turns",
                "cached_input_tokens",
                "context_window",
                "chars_per_token",
            ):
                if name in settings:
                    setattr(self, name, settings[name])
            return JSONResponse({"ok": True})

        @app.get("/_fake/requests")
        async def requests(start: int = 0) -> Response:
            """The request bodies received, from index `start` on."""
            with self._lock:
                return JSONResponse(self.requests[start:])

        @app.post("/v1/chat/completions")
        async def chat_completions(request: Request) -> Response:
            return await self._handle(request, "openai")

        self.responses.register(app)

        @app.post("/v1/messages")
        async def messages(request: Request) -> Response:
            return await self._handle(request, "anthropic")

        @app.post("/v1/messages/count_tokens")
        async def count_tokens(request: Request) -> Response:
            if not self._anthropic_authorised(request):
                return self._anthropic_error(401, "invalid x-api-key")
            try:
                system, tools, conversation = _anthropic_conversation({"max_tokens": 1, **await request.json()})
            except (_BadRequest, KeyError, TypeError, ValueError) as e:
                return self._anthropic_error(400, f"malformed request: {e!r}")
            counted = self._count(conversation_text(system, tools, conversation))
            with self._lock:
                self.counted.append(counted)
            return JSONResponse({"input_tokens": counted})

        self.gemini = register_gemini(app, self)  # Gemini's own API (tests/fakes/gemini_api.py)
        return app

    def _count(self, text: str) -> int:
        """`text`'s tokens as this fake's tokenizer counts them."""
        return max(1, math.ceil(len(text) / self.chars_per_token))

    def _openai_authorised(self, request: Request) -> bool:
        return request.headers.get("authorization") == f"Bearer {self.openai_key}"

    def _anthropic_authorised(self, request: Request) -> bool:
        # The API takes `x-api-key`; recent SDKs send the key as a bearer token instead.
        return (
            request.headers.get("x-api-key") == self.anthropic_key
            or request.headers.get("authorization") == f"Bearer {self.anthropic_key}"
        )

    def _take(self) -> tuple[Failure | None, bool]:
        with self._lock:
            if self._failures:
                return self._failures.pop(0), False
            self._served += 1
            if self.fail_every and self._served % self.fail_every == 0:
                return Failure(429, 1, None, None), False
            if self._hangs:
                self._hangs -= 1
                return None, True
            return None, False

    async def _hang(self, request: Request) -> bool:
        """Wait; True when released to answer, False when the client left or the server stops."""
        released = self._released
        while self._released == released:
            if self._closing or await request.is_disconnected():
                return False
            await asyncio.sleep(0.05)
        return True

    async def _wait(self, request: Request, seconds: float) -> bool:
        """Sleep `seconds`; False as soon as the client has gone away."""
        deadline = time.monotonic() + seconds
        while (left := deadline - time.monotonic()) > 0:
            await asyncio.sleep(min(left, 0.05))
            if await request.is_disconnected():
                return False
        return True

    async def _handle(self, request: Request, api: str) -> Response:
        body = await request.json()
        with self._lock:
            self.requests.append(body)
            n = next(self._counter)
        if api == "openai" and not self._openai_authorised(request):
            return self._openai_error(401, "Incorrect API key provided.", code="invalid_api_key")
        if api == "anthropic" and not self._anthropic_authorised(request):
            return self._anthropic_error(401, "invalid x-api-key")
        failure, hang = self._take()
        if hang and not await self._hang(request):
            return Response(status_code=503)
        if self.latency and not await self._wait(request, self.latency):
            with self._lock:
                self.aborted += 1
            return Response(status_code=499)
        if failure is not None:
            return self._failure(api, failure)
        try:
            parse = _openai_conversation if api == "openai" else _anthropic_conversation
            system, tools, conversation = parse(body)
        except (_BadRequest, KeyError, TypeError, ValueError) as e:
            message = str(e) if isinstance(e, _BadRequest) else f"malformed request: {e!r}"
            return self._openai_error(400, message) if api == "openai" else self._anthropic_error(400, message)
        total_in = self._count(conversation_text(system, tools, conversation))
        max_tokens = int(body.get("max_completion_tokens") or body.get("max_tokens") or 4096)
        if self.context_window is not None and total_in + max_tokens > self.context_window:
            return self._too_long(api, total_in, max_tokens, self.context_window)
        refused = self._over_limit(api, total_in + max_tokens)
        if refused is not None:
            return refused
        prefix = f"call_{n}" if api == "openai" else f"toolu_{n}"
        decision = decide(tools, conversation, id_prefix=prefix, label=LABEL)
        done_turns = sum(m.role == "assistant" for m in conversation)
        if done_turns < self.work_turns - 1:
            decision = Decision(
                f"{LABEL} Working (turn {done_turns + 1}).",
                [ToolCall(id=f"{prefix}-0", name="write_notes", arguments={"text": "progress"})],
            )
        summary = compaction_summary(conversation)
        if summary is not None:
            with self._lock:
                empty, self.empty_summaries = self.empty_summaries > 0, max(0, self.empty_summaries - 1)
            decision = Decision("" if empty else summary, [])
        with self._lock:
            scripted = self._scripted.pop(0) if self._scripted and summary is None else None
        if scripted is not None:
            tool, raw = scripted
            if not tool:
                decision = Decision(f"{LABEL} {raw}", [])
            else:
                with self._lock:
                    self._raw_arguments[f"{prefix}-0"] = raw
                decision = Decision(f"{LABEL} Calling {tool}.", [ToolCall(id=f"{prefix}-0", name=tool)])
        usage = self._cache_usage(
            api,
            body,
            Usage(
                input_tokens=total_in,
                output_tokens=estimate_tokens(reply_text(decision)),
                cached_input_tokens=min(self.cached_input_tokens, total_in),
            ),
        )
        with self._lock:
            self.usages.append(usage)
        self._give_back_tokens(max(0, max_tokens - usage.output_tokens))
        model = body.get("model", "fake")
        if api == "openai":
            if body.get("stream"):
                include_usage = bool((body.get("stream_options") or {}).get("include_usage"))
                return self._stream(self._openai_chunks(n, model, decision, usage, include_usage))
            return JSONResponse(self._openai_completion(n, model, decision, usage))
        if body.get("stream"):
            return self._stream(self._anthropic_events(n, model, decision, usage))
        return JSONResponse(self._anthropic_message(n, model, decision, usage))

    # ---------------------------------------------------------------- prompt caching

    def _cache_usage(self, api: str, body: dict[str, Any], usage: Usage) -> Usage:
        """`usage` with the prompt cache's reads and writes, as the provider would report them (a
        count `cached_input_tokens` forces is kept when it is larger)."""

        def count(prefix: dict[str, Any]) -> int | None:
            parse = _openai_conversation if api == "openai" else _anthropic_conversation
            try:
                system, tools, conversation = parse({"max_tokens": 1, **prefix})
            except (_BadRequest, KeyError, TypeError, ValueError):
                return None
            return self._count(conversation_text(system, tools, conversation))

        if api == "anthropic":
            read, written = self.prompt_cache.anthropic(body, count)
        else:
            read, written = self.prompt_cache.openai(body, count), 0
        cached = min(max(read, usage.cached_input_tokens), usage.input_tokens)
        written = min(written, usage.input_tokens - cached)
        return usage.model_copy(update={"cached_input_tokens": cached, "cache_write_tokens": written})

    def _stream(self, chunks: Iterator[bytes]) -> StreamingResponse:
        async def paced() -> AsyncIterator[bytes]:
            for chunk in chunks:
                if self.chunk_delay:
                    await asyncio.sleep(self.chunk_delay)
                yield chunk

        return StreamingResponse(paced(), media_type="text/event-stream", headers={"cache-control": "no-cache"})

    # ---------------------------------------------------------------- errors

    def _failure(self, api: str, f: Failure) -> Response:
        headers = {}
        if f.retry_after is not None:
            headers["retry-after"] = str(f.retry_after)
        if f.retry_after_ms is not None:
            headers["retry-after-ms"] = str(f.retry_after_ms)
        message = f.message or (
            "Rate limit reached, please try again later." if f.status == 429 else f"Scripted failure {f.status}."
        )
        if api == "openai":
            return self._openai_error(f.status, message, headers=headers)
        return self._anthropic_error(f.status, message, headers=headers)

    def _too_long(self, api: str, prompt: int, max_tokens: int, window: int) -> Response:
        """The 400 each provider answers a request past its model's context window."""
        with self._lock:
            self.too_long += 1
        if api == "openai":
            message = (
                f"This model's maximum context length is {window} tokens. However, you requested "
                f"{prompt + max_tokens} tokens ({prompt} in the messages, {max_tokens} in the completion). "
                "Please reduce the length of the messages or completion."
            )
            return self._openai_error(400, message, code="context_length_exceeded", param="messages")
        if prompt > window:
            return self._anthropic_error(400, f"prompt is too long: {prompt} tokens > {window} maximum")
        return self._anthropic_error(
            400,
            f"input length and `max_tokens` exceed context limit: {prompt} + {max_tokens} > {window}, "
            "decrease input length or `max_tokens` and try again",
        )

    @staticmethod
    def _openai_error(
        status: int,
        message: str,
        *,
        code: str | None = None,
        param: str | None = None,
        headers: dict[str, str] | None = None,
    ) -> JSONResponse:
        kind = _OPENAI_ERROR_TYPES.get(status, "server_error")
        return JSONResponse(
            {"error": {"message": message, "type": kind, "param": param, "code": code}},
            status_code=status,
            headers=headers,
        )

    @staticmethod
    def _anthropic_error(status: int, message: str, *, headers: dict[str, str] | None = None) -> JSONResponse:
        kind = _ANTHROPIC_ERROR_TYPES.get(status, "api_error")
        return JSONResponse(
            {"type": "error", "error": {"type": kind, "message": message}, "request_id": "req_fake"},
            status_code=status,
            headers=headers,
        )

    # ---------------------------------------------------------------- OpenAI shapes

    @staticmethod
    def _openai_usage(usage: Usage) -> dict[str, Any]:
        return {
            "prompt_tokens": usage.input_tokens,
            "completion_tokens": usage.output_tokens,
            "total_tokens": usage.input_tokens + usage.output_tokens,
            "prompt_tokens_details": {"cached_tokens": usage.cached_input_tokens, "audio_tokens": 0},
            "completion_tokens_details": {
                "reasoning_tokens": 0,
                "audio_tokens": 0,
                "accepted_prediction_tokens": 0,
                "rejected_prediction_tokens": 0,
            },
        }

    def _openai_completion(self, n: int, model: str, d: Any, usage: Usage) -> dict[str, Any]:
        message: dict[str, Any] = {"role": "assistant", "content": d.content, "refusal": None}
        if d.tool_calls:
            message["tool_calls"] = [
                {"id": c.id, "type": "function", "function": {"name": c.name, "arguments": self._arguments(c)}}
                for c in d.tool_calls
            ]
        return {
            "id": f"chatcmpl-fake{n}",
            "object": "chat.completion",
            "created": int(time.time()),
            "model": model,
            "system_fingerprint": "fp_fake",
            "choices": [
                {
                    "index": 0,
                    "message": message,
                    "logprobs": None,
                    "finish_reason": "tool_calls" if d.tool_calls else "stop",
                }
            ],
            "usage": self._openai_usage(usage),
        }

    def _openai_chunks(self, n: int, model: str, d: Any, usage: Usage, include_usage: bool) -> Iterator[bytes]:
        created = int(time.time())

        def chunk(delta: dict[str, Any], finish: str | None = None) -> bytes:
            data: dict[str, Any] = {
                "id": f"chatcmpl-fake{n}",
                "object": "chat.completion.chunk",
                "created": created,
                "model": model,
                "system_fingerprint": "fp_fake",
                "choices": [{"index": 0, "delta": delta, "logprobs": None, "finish_reason": finish}],
            }
            if include_usage:
                data["usage"] = None
            return _sse(data)

        yield chunk({"role": "assistant", "content": "", "refusal": None})
        for piece in _pieces(d.content):
            yield chunk({"content": piece})
        for i, c in enumerate(d.tool_calls):
            yield chunk(
                {
                    "tool_calls": [
                        {"index": i, "id": c.id, "type": "function", "function": {"name": c.name, "arguments": ""}}
                    ]
                }
            )
            for piece in _pieces(self._arguments(c)):
                yield chunk({"tool_calls": [{"index": i, "function": {"arguments": piece}}]})
        yield chunk({}, "tool_calls" if d.tool_calls else "stop")
        if include_usage:
            yield _sse(
                {
                    "id": f"chatcmpl-fake{n}",
                    "object": "chat.completion.chunk",
                    "created": created,
                    "model": model,
                    "system_fingerprint": "fp_fake",
                    "choices": [],
                    "usage": self._openai_usage(usage),
                }
            )
        yield _sse("[DONE]")

    def _arguments(self, call: ToolCall) -> str:
        """A tool call's arguments as sent: their JSON, or the raw text `call_next` gave."""
        with self._lock:
            raw = self._raw_arguments.get(call.id)
        return json.dumps(call.arguments) if raw is None else raw

    def _input(self, call: ToolCall) -> Any:
        """A tool call's Anthropic `input` (an object on the wire; raw text that is not one is sent
        as its JSON value when it has one, else as the string)."""
        text = self._arguments(call)
        try:
            return json.loads(text)
        except ValueError:
            return text

    # ---------------------------------------------------------------- Anthropic shapes

    @staticmethod
    def _anthropic_usage(usage: Usage, output_tokens: int) -> dict[str, Any]:
        return {
            "input_tokens": usage.input_tokens - usage.cached_input_tokens - usage.cache_write_tokens,
            "cache_creation_input_tokens": usage.cache_write_tokens,
            "cache_read_input_tokens": usage.cached_input_tokens,
            "output_tokens": output_tokens,
        }

    def _anthropic_message(self, n: int, model: str, d: Any, usage: Usage) -> dict[str, Any]:
        content: list[dict[str, Any]] = [{"type": "text", "text": d.content}] if d.content else []
        content += [{"type": "tool_use", "id": c.id, "name": c.name, "input": self._input(c)} for c in d.tool_calls]
        return {
            "id": f"msg_fake{n}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": content,
            "stop_reason": "tool_use" if d.tool_calls else "end_turn",
            "stop_sequence": None,
            "usage": self._anthropic_usage(usage, usage.output_tokens),
        }

    def _anthropic_events(self, n: int, model: str, d: Any, usage: Usage) -> Iterator[bytes]:
        def event(kind: str, **data: Any) -> bytes:
            return _sse({"type": kind, **data}, event=kind)

        start: dict[str, Any] = {
            "id": f"msg_fake{n}",
            "type": "message",
            "role": "assistant",
            "model": model,
            "content": [],
            "stop_reason": None,
            "stop_sequence": None,
            "usage": self._anthropic_usage(usage, 1),
        }
        yield event("message_start", message=start)
        yield event("ping")
        index = 0
        if d.content:
            yield event("content_block_start", index=index, content_block={"type": "text", "text": ""})
            for piece in _pieces(d.content):
                yield event("content_block_delta", index=index, delta={"type": "text_delta", "text": piece})
            yield event("content_block_stop", index=index)
            index += 1
        for c in d.tool_calls:
            yield event(
                "content_block_start",
                index=index,
                content_block={"type": "tool_use", "id": c.id, "name": c.name, "input": {}},
            )
            for piece in _pieces(self._arguments(c)):
                yield event(
                    "content_block_delta", index=index, delta={"type": "input_json_delta", "partial_json": piece}
                )
            yield event("content_block_stop", index=index)
            index += 1
        yield event(
            "message_delta",
            delta={"stop_reason": "tool_use" if d.tool_calls else "end_turn", "stop_sequence": None},
            usage={"output_tokens": usage.output_tokens},
        )
        yield event("message_stop")


def main() -> None:
    """Serve in a process of its own (benchmarks): prints the port, serves until terminated."""
    server = FakeModelServer().start()
    print(server.port, flush=True)
    try:
        threading.Event().wait()
    finally:
        server.stop()


if __name__ == "__main__":
    main()
