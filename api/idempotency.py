"""`Idempotency-Key` on changes: a retried request is answered, never done twice.

A change (POST, PUT, PATCH, DELETE) may carry `Idempotency-Key: <1-255 visible ASCII characters>`.
The key is scoped to the caller and the route (method and path); the request is its query and
body. Three layers make a repeat safe:

- **The store** (`paperclip.store.idempotency`): the request claims its key before it runs; a
  repeat of a request that succeeded is answered with the first response (`Idempotent-Replayed:
  true`), the key with another request is 422, a repeat while the first still runs is 409.
- **Temporal updates** take their id from the key (`api.temporal_bounds`), so a repeat of an
  update whose first attempt got no answer (503, outcome unknown) is recognised by Temporal
  within a run, and by the company across continue-as-new (`workflows/company_idempotency.py`).
- **Workflow starts** (company create, import) keep the key in the workflow's memo: a repeat
  finds the workflow its first attempt started and answers as if it had started it.
"""

import asyncio
from typing import Annotated

from fastapi import Depends, FastAPI, Header, Request, Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from api.auth import Caller, CallerDep
from api.deps import StoreDep
from api.errors import READS, RETRY_AFTER_BUSY, ApiError
from api.temporal_bounds import REQUEST_KEY
from paperclip.errors import PaperclipError
from paperclip.idempotency import HEADER, MAX_KEY_CHARS, RequestKey, key_scope, request_hash, valid_key
from paperclip.store import Store
from paperclip.store.idempotency import Claim

STATE = "paperclip_idempotency"
"""Where a claimed request's key waits in the ASGI scope's state for its response."""
REPLAYED = "Idempotent-Replayed"


class Replayed(PaperclipError):
    """Answer the stored response of the first request with this key (not a failure: the way
    out of a handler that must not run twice)."""

    kind = "replayed"

    def __init__(self, status: int, media_type: str | None, body: bytes) -> None:
        super().__init__(f"replayed the response of status {status}")
        self.status = status
        self.media_type = media_type
        self.body = body


def _who(caller: Caller) -> str:
    if caller.is_board:
        return "board"
    if caller.anonymous:
        return "anonymous"
    if caller.scope is not None:
        return f"task:{caller.scope.company_id}/{caller.scope.task}"
    return f"user:{caller.user}"


async def idempotency_key(
    request: Request,
    caller: CallerDep,
    store: StoreDep,
    raw: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="On a change: a key of your choice (e.g. a uuid); a retry with the same key and the same "
            "request is answered, never done twice. The same key with another request is a 422. Ignored on reads.",
        ),
    ] = None,
) -> RequestKey | None:
    """The request's claimed key, or None without one (and for reads, which need none).

    Raises:
        ApiError: 400 for a malformed key, 422 for a key that came with another request, 409
            while the first request with the key is still running.
        Replayed: the first request with the key succeeded.
    """
    if raw is None or request.method in READS:
        return None
    if not valid_key(raw):
        raise ApiError(
            400, "invalid_input", f"{HEADER} must be 1 to {MAX_KEY_CHARS} visible ASCII characters (e.g. a uuid)"
        )
    key = RequestKey(
        scope=key_scope(caller=_who(caller), method=request.method, path=request.url.path, key=raw),
        request=request_hash(query=request.url.query, body=await request.body()),
    )
    claimed = await asyncio.to_thread(store.claim_request, key.scope, key.request)
    if claimed.claim is Claim.REPEAT:
        if claimed.body is None:
            raise ApiError(
                409, "conflict", f"the request with this {HEADER} succeeded; its answer held a secret, shown once only"
            )
        raise Replayed(claimed.status or 200, claimed.media_type, claimed.body)
    if claimed.claim is Claim.REUSED:
        raise ApiError(
            422,
            "idempotency_key_reused",
            f"this {HEADER} was used with another request on this route: use a new key for a new request",
        )
    if claimed.claim is Claim.RUNNING:
        raise ApiError(
            409,
            "conflict",
            f"the first request with this {HEADER} is still running: retry in a moment for its answer",
            headers={"Retry-After": str(RETRY_AFTER_BUSY)},
        )
    request.scope.setdefault("state", {})[STATE] = key  # for `ResponseKeeper`
    REQUEST_KEY.set(key)  # for the updates made for it (`api.temporal_bounds`)
    return key


IdempotencyDep = Annotated[RequestKey | None, Depends(idempotency_key)]


async def _replay(request: Request, exc: Exception) -> Response:
    assert isinstance(exc, Replayed)
    return Response(exc.body, status_code=exc.status, media_type=exc.media_type, headers={REPLAYED: "true"})


class ResponseKeeper:
    """Keep the response of a request that claimed its key, before the client sees its end."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http" or scope["method"] in READS:
            await self.app(scope, receive, send)
            return
        status, media_type, secret, keyed, chunks = 500, None, False, False, []

        async def keeping(message: Message) -> None:
            nonlocal status, media_type, secret, keyed
            if message["type"] == "http.response.start":
                keyed = STATE in scope.get("state", {})  # the request claimed a key before it answered
                status = message["status"]
                headers = dict(message.get("headers", []))
                media_type = headers.get(b"content-type", b"").decode("latin-1") or None
                secret = b"no-store" in headers.get(b"cache-control", b"")  # e.g. a new API key, shown once
            elif message["type"] == "http.response.body" and keyed:
                chunks.append(message.get("body", b""))
                if not message.get("more_body", False):
                    await self._keep(scope, status, media_type, None if secret else b"".join(chunks))
            await send(message)

        try:
            await self.app(scope, receive, keeping)
        finally:
            await self._keep(scope, 500, None, b"")  # an error with no response: a repeat may run again

    @staticmethod
    async def _keep(scope: Scope, status: int, media_type: str | None, body: bytes | None) -> None:
        key: RequestKey | None = scope.get("state", {}).pop(STATE, None)
        if key is None:
            return
        store: Store = scope["app"].state.context.store
        await asyncio.to_thread(store.finish_request, key.scope, status=status, media_type=media_type, body=body)


def install_idempotency(app: FastAPI) -> None:
    """Answer repeats from the store, and keep the responses of keyed requests (the dependency
    `idempotency_key` is one of the app's)."""
    app.add_exception_handler(Replayed, _replay)
    app.add_middleware(ResponseKeeper)
