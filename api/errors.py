"""One error shape for every 4xx and 5xx: `{"error": {"code", "message", "details"}}`.

Temporal's errors are mapped to HTTP here and only here: an update a validator rejected
(`ApplicationError` of type InvalidInput / NotFound / Conflict / IdempotencyKeyReused), a
workflow that does not exist, an id already taken, a server that cannot be reached, no answer
within the API's bound (503 with `Retry-After`: for a change, its outcome is unknown), and
Temporal refusing more work at once, such as its limit of updates in flight per workflow
(429 with `Retry-After`).
"""

import logging
import re
from typing import Any

from fastapi import FastAPI, Request, status
from fastapi.encoders import jsonable_encoder
from fastapi.exceptions import RequestValidationError
from fastapi.responses import JSONResponse
from starlette.exceptions import HTTPException as StarletteHTTPException
from starlette.routing import Match
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.client import (
    RPCTimeoutOrCancelledError,
    WorkflowQueryFailedError,
    WorkflowQueryRejectedError,
    WorkflowUpdateFailedError,
)
from temporalio.exceptions import (
    ApplicationError,
    TemporalError,
    WorkflowAlreadyStartedError,
)
from temporalio.service import RPCError, RPCStatusCode

from api.temporal_bounds import NoAnswer
from api.traces import TraceNotFound
from paperclip.errors import PaperclipError
from paperclip.idempotency import HEADER as IDEMPOTENCY_HEADER

log = logging.getLogger(__name__)

MAX_BODY_BYTES = 1024 * 1024
"""Largest request body accepted (1 MiB); a task brief is at most 100 kB."""
MAX_IMPORT_BYTES = 64 * 1024 * 1024
"""Largest company export an import takes (its conversations make it large)."""
WIDER_BODIES = {"/api/companies/import": MAX_IMPORT_BYTES}
"""Paths whose bodies may be larger than `MAX_BODY_BYTES`, and how large."""
RETRY_AFTER_NO_ANSWER = 5
"""Seconds a client is asked to wait after a 503 (no answer from Temporal or a worker)."""
RETRY_AFTER_BUSY = 1
"""Seconds a client is asked to wait after a 429 (Temporal refused more work at once)."""
READS = frozenset({"GET", "HEAD", "OPTIONS"})


class ApiError(PaperclipError):
    """An error the API answers with its own status and code (its `kind`), and headers (e.g.
    `Retry-After`)."""

    def __init__(
        self, status_code: int, code: str, message: str, details: Any = None, *, headers: dict[str, str] | None = None
    ) -> None:
        super().__init__(message, kind=code)
        self.status_code = status_code
        self.code = code
        self.message = message
        self.details = details
        self.headers = headers


class TemporalUnavailable(ApiError):
    def __init__(self, address: str, reason: str) -> None:
        super().__init__(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            "temporal_unavailable",
            f"the Temporal server at {address} cannot be reached: {reason}",
            {"address": address},
            headers={"Retry-After": str(RETRY_AFTER_NO_ANSWER)},
        )


_UPDATE_REJECTIONS = {
    "InvalidInput": (status.HTTP_400_BAD_REQUEST, "invalid_input"),
    "NotFound": (status.HTTP_404_NOT_FOUND, "not_found"),
    "Conflict": (status.HTTP_409_CONFLICT, "conflict"),
    "IdempotencyKeyReused": (422, "idempotency_key_reused"),
}

_HTTP_CODES = {
    400: "bad_request",
    401: "unauthorized",
    403: "forbidden",
    404: "not_found",
    405: "method_not_allowed",
    409: "conflict",
    413: "payload_too_large",
    415: "unsupported_media_type",
    422: "invalid_input",
    429: "rate_limited",
    503: "unavailable",
}


def error_response(
    status_code: int, code: str, message: str, details: Any = None, *, headers: dict[str, str] | None = None
) -> JSONResponse:
    return JSONResponse(
        {"error": {"code": code, "message": message, "details": details}}, status_code=status_code, headers=headers
    )


def _missing_resource(request: Request) -> str:
    """Name what a NOT_FOUND from Temporal means for this route: the task, else the company."""
    params = request.path_params
    if "identifier" in params:
        return f"task '{params['identifier']}' not found"
    if "company" in params:
        return f"company '{params['company']}' not found"
    return "not found"


def no_answer(request: Request, what: str | None = None, seconds: float | None = None) -> ApiError:
    """503 for a call Temporal (or the worker it waits for) did not answer in time. For a change,
    the outcome is unknown: it may still be applied once a worker takes it."""
    within = f"within {seconds:g} s" if seconds else "in time"
    needs_worker = what is None or what.startswith(("update", "query"))
    who = "no worker answered" if needs_worker else "Temporal did not answer"
    if request.method in READS:
        message = f"{who} {within}" + (
            ": is a worker running for this deployment's task queue?" if needs_worker else ""
        )
        outcome = None
    else:
        message = (
            f"{who} {within}: the outcome is unknown and the change may still be applied; retry with the same "
            f"{IDEMPOTENCY_HEADER} to get its answer without applying it twice"
        )
        outcome = "unknown"
    details = {"what": what, "seconds": seconds, "outcome": outcome, "retry_after": RETRY_AFTER_NO_ANSWER}
    return ApiError(503, "no_answer", message, details, headers={"Retry-After": str(RETRY_AFTER_NO_ANSWER)})


def busy(message: str) -> ApiError:
    """429 for work Temporal refused to take on at once (e.g. too many updates in flight)."""
    if "in-flight updates" in message:
        text = "the company has too many changes in flight; retry in a moment"
    else:
        text = "Temporal is busy; retry in a moment"
    details = {"reason": message, "retry_after": RETRY_AFTER_BUSY}
    return ApiError(429, "rate_limited", f"{text} ({message})", details, headers={"Retry-After": str(RETRY_AFTER_BUSY)})


def temporal_error_to_api(request: Request, exc: TemporalError) -> ApiError:
    """The one mapping of Temporal errors to HTTP."""
    if isinstance(exc, WorkflowUpdateFailedError):
        cause = exc.cause
        while not isinstance(cause, ApplicationError) and cause.__cause__ is not None:
            cause = cause.__cause__
        if isinstance(cause, ApplicationError):
            status_code, code = _UPDATE_REJECTIONS.get(
                cause.type or "", (status.HTTP_500_INTERNAL_SERVER_ERROR, "workflow_error")
            )
            details = jsonable_encoder(cause.details[0]) if cause.details else None
            return ApiError(status_code, code, cause.message, details)
        return ApiError(500, "workflow_error", str(cause))
    if isinstance(exc, WorkflowAlreadyStartedError):
        return ApiError(409, "conflict", f"workflow '{exc.workflow_id}' already exists")
    if isinstance(exc, WorkflowQueryRejectedError):
        return ApiError(409, "conflict", f"the workflow is {exc.status} and cannot be queried")
    if isinstance(exc, WorkflowQueryFailedError):
        return ApiError(500, "workflow_error", f"query failed: {exc.message}")
    if isinstance(exc, NoAnswer):
        return no_answer(request, exc.what, exc.seconds)
    if isinstance(exc, RPCTimeoutOrCancelledError):  # the SDK's own: an update's RPC timed out
        return no_answer(request)
    if isinstance(exc, RPCError):
        if exc.status == RPCStatusCode.NOT_FOUND:
            return ApiError(404, "not_found", _missing_resource(request))
        if exc.status == RPCStatusCode.ALREADY_EXISTS:
            return ApiError(409, "conflict", exc.message)
        if exc.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):  # a query's RPC timed out
            return no_answer(request)
        if exc.status == RPCStatusCode.RESOURCE_EXHAUSTED:
            return busy(exc.message)
        if exc.status == RPCStatusCode.UNAVAILABLE:
            unknown = (
                ""
                if request.method in READS
                else f" (the change may not have been made: retry with the same {IDEMPOTENCY_HEADER})"
            )
            return ApiError(
                503,
                "temporal_unavailable",
                f"Temporal is unavailable: {exc.message}{unknown}",
                headers={"Retry-After": str(RETRY_AFTER_NO_ANSWER)},
            )
        if exc.status == RPCStatusCode.INVALID_ARGUMENT:
            return ApiError(400, "invalid_input", exc.message)
        return ApiError(502, "temporal_error", f"Temporal error ({exc.status.name}): {exc.message}")
    return ApiError(500, "temporal_error", str(exc))


def _field(loc: tuple[Any, ...] | list[Any]) -> str:
    parts = [str(p) for p in loc]
    if parts and parts[0] == "body":
        parts = parts[1:]
    return ".".join(parts) or "body"


def _validation_message(errors: list[dict[str, Any]]) -> str:
    return "; ".join(
        f"{_field(e.get('loc', ()))}: {str(e.get('msg', 'invalid')).removeprefix('Value error, ')}" for e in errors
    )


async def _api_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, ApiError)
    return error_response(exc.status_code, exc.code, exc.message, exc.details, headers=exc.headers)


_METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def _allowed_methods(request: Request) -> list[str]:
    """Every method some route takes on the request's path. Starlette's 405 names only the
    methods of the first route whose path matches, and FastAPI makes a route per method."""
    scope = request.scope
    probe = {"type": "http", "path": scope["path"], "root_path": scope.get("root_path", ""), "headers": []}
    return [
        method
        for method in _METHODS
        if any(route.matches(probe | {"method": method})[0] is Match.FULL for route in request.app.router.routes)
    ]


async def _http_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, StarletteHTTPException)
    code = _HTTP_CODES.get(exc.status_code, "error" if exc.status_code < 500 else "internal")
    message = exc.detail if isinstance(exc.detail, str) else code.replace("_", " ")
    details = None if isinstance(exc.detail, str) else exc.detail
    headers = dict(exc.headers or {})
    if exc.status_code == status.HTTP_405_METHOD_NOT_ALLOWED:
        allowed = _allowed_methods(request)
        headers["Allow"] = ", ".join(allowed)
        message = f"{request.method} is not allowed on {request.url.path}; it takes {', '.join(allowed)}"
        details = {"allowed": allowed}
    response = error_response(exc.status_code, code, message, details)
    response.headers.update(headers)
    return response


async def _validation_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, RequestValidationError)
    errors = list(exc.errors())
    details = [{"field": _field(e.get("loc", ())), "message": e.get("msg"), "type": e.get("type")} for e in errors]
    bad_json = next((e for e in errors if e.get("type") == "json_invalid"), None)
    if bad_json is not None:
        reason = (bad_json.get("ctx") or {}).get("error")
        position = bad_json.get("loc", ("body", None))[-1]
        message = "the request body is not valid JSON" + (f": {reason}" if reason else "")
        message += f" (at character {position})" if isinstance(position, int) else ""
        return error_response(status.HTTP_400_BAD_REQUEST, "malformed_json", message, {"position": position})
    message = _validation_message(errors)
    if _json_not_declared(request, errors):
        sent = request.headers.get("content-type") or "none"
        message = (
            f"the request body must be JSON, sent with Content-Type: application/json (this request's: {sent}; "
            f"with curl -d, add -H 'Content-Type: application/json')"
        )
    return error_response(422, "invalid_input", message, details)


def _json_not_declared(request: Request, errors: list[dict[str, Any]]) -> bool:
    """Whether the body as a whole was refused because it was not sent as JSON: FastAPI then
    reads it as text, and its "Input should be a valid dictionary" would not say why."""
    whole_body = any(tuple(e.get("loc", ())) == ("body",) for e in errors)
    return whole_body and "json" not in request.headers.get("content-type", "").lower()


async def _temporal_error(request: Request, exc: Exception) -> JSONResponse:
    assert isinstance(exc, TemporalError)
    error = temporal_error_to_api(request, exc)
    if error.status_code >= 500:
        log.warning("Temporal error on %s %s: %r", request.method, request.url.path, exc)
    return error_response(error.status_code, error.code, error.message, error.details, headers=error.headers)


async def _trace_not_found(request: Request, exc: Exception) -> JSONResponse:
    return error_response(404, "not_found", str(exc))


async def _unexpected(request: Request, exc: Exception) -> JSONResponse:
    log.exception("unhandled error on %s %s", request.method, request.url.path, exc_info=exc)
    return error_response(500, "internal", "internal server error")


def install_error_handlers(app: FastAPI) -> None:
    """Answer every error in the one shape."""
    app.add_exception_handler(ApiError, _api_error)
    app.add_exception_handler(StarletteHTTPException, _http_error)
    app.add_exception_handler(RequestValidationError, _validation_error)
    app.add_exception_handler(TemporalError, _temporal_error)
    app.add_exception_handler(TraceNotFound, _trace_not_found)
    app.add_exception_handler(Exception, _unexpected)


class _BodyTooLarge(StarletteHTTPException):
    def __init__(self, limit: int) -> None:
        super().__init__(413, f"the request body is larger than {limit} bytes")


class BodySizeLimit:
    """Refuse request bodies over `max_bytes` (or the path's own limit in `wider`, or that of the
    first pattern in `patterns` the path matches) with 413, by Content-Length or while reading."""

    def __init__(
        self,
        app: ASGIApp,
        *,
        max_bytes: int = MAX_BODY_BYTES,
        wider: dict[str, int] | None = None,
        patterns: dict[str, int] | None = None,
    ) -> None:
        self.app = app
        self.max_bytes = max_bytes
        self.wider = WIDER_BODIES if wider is None else wider
        self.patterns = [(re.compile(p), most) for p, most in (patterns or {}).items()]

    def _most(self, path: str) -> int:
        if path in self.wider:
            return self.wider[path]
        return next((most for pattern, most in self.patterns if pattern.fullmatch(path)), self.max_bytes)

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        most = self._most(scope.get("path", ""))
        length = dict(scope.get("headers", [])).get(b"content-length")
        if length is not None and length.isdigit() and int(length) > most:
            response = error_response(413, "payload_too_large", f"the request body is larger than {most} bytes")
            await response(scope, receive, send)
            return
        received = 0

        async def limited() -> Message:
            nonlocal received
            message = await receive()
            if message["type"] == "http.request":
                received += len(message.get("body", b""))
                if received > most:
                    raise _BodyTooLarge(most)
            return message

        await self.app(scope, limited, send)
