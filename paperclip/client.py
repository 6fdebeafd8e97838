"""The CLI's one HTTP client of the API, and its one error class."""

import hashlib
import json
import time
from collections.abc import Iterator
from typing import Any

import httpx

from paperclip.errors import PaperclipError

RECONNECT_SECONDS = 2.0
"""How long a followed event stream waits before it reconnects (the API's `retry:` too)."""


class ApiError(PaperclipError):
    """The API refused a request or could not be reached; `str()` is one readable line. Its
    `kind` is the API's error code (`not_found`, …), `unavailable` when there was no answer."""

    def __init__(
        self, message: str, *, status: int | None = None, code: str | None = None, details: Any = None
    ) -> None:
        super().__init__(message, kind=code or ("unavailable" if status is None else "internal"))
        self.status = status
        self.code = code
        self.details = details
        """The error's `details` as the API gave them (e.g. a pipeline's problems, each with its line)."""


class SseEvent:
    """One Server-Sent Event: its id, event name and data (JSON-decoded when it parses)."""

    __slots__ = ("id", "event", "data")

    def __init__(self, id: str | None, event: str, data: Any) -> None:
        self.id = id
        self.event = event
        self.data = data


class ApiClient:
    """A thin synchronous wrapper of the Paperclip API.

    Every method returns decoded JSON or raises `ApiError`. With `idempotency_key`, every change
    is sent with it (`Idempotency-Key`): a command sends one key for its change, so that running
    it again with that key (`PAPERCLIP_IDEMPOTENCY_KEY`) after an unknown outcome never does it twice.
    """

    def __init__(
        self, base_url: str, *, timeout: float = 30.0, api_key: str | None = None, idempotency_key: str | None = None
    ) -> None:
        self.base_url = base_url.rstrip("/")
        self.idempotency_key = idempotency_key
        headers = {"Authorization": f"Bearer {api_key}"} if api_key else None
        self._http = httpx.Client(base_url=self.base_url, timeout=timeout, headers=headers)

    def close(self) -> None:
        self._http.close()

    def __enter__(self) -> "ApiClient":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    # ----------------------------------------------------------------- verbs

    def get(self, path: str, **params: Any) -> Any:
        return self._decode(self._send("GET", path, params=_clean(params)))

    def post(self, path: str, body: dict[str, Any]) -> Any:
        return self._decode(self._send("POST", path, json=body))

    def patch(self, path: str, body: dict[str, Any]) -> Any:
        return self._decode(self._send("PATCH", path, json=body))

    def put(self, path: str, body: dict[str, Any]) -> Any:
        return self._decode(self._send("PUT", path, json=body))

    def delete(self, path: str) -> Any:
        return self._decode(self._send("DELETE", path))

    def get_text(self, path: str, **params: Any) -> str:
        return self._send("GET", path, params=_clean(params)).text

    def upload(self, path: str, *, field: str, filename: str, data: bytes, content_type: str) -> Any:
        """POST one file as `multipart/form-data` (its part named `field`). The boundary is derived
        from the content, so the same upload is the same request (an `Idempotency-Key` retry)."""
        boundary = "paperclip-" + hashlib.sha256(data).hexdigest()[:32]
        headers = {"Content-Type": f"multipart/form-data; boundary={boundary}"}
        return self._decode(self._send("POST", path, files={field: (filename, data, content_type)}, headers=headers))

    def get_bytes(self, path: str) -> tuple[bytes, httpx.Headers]:
        """A download: its bytes and the response's headers."""
        response = self._send("GET", path)
        return response.content, response.headers

    def events(self, path: str, *, resume: bool = False, **params: Any) -> Iterator[SseEvent]:
        """Stream Server-Sent Events from `path` until the server ends the stream; with `resume`,
        a stream that ends or breaks once it was open reconnects and goes on after the last event
        it gave (`Last-Event-ID`), until the API refuses it."""
        last_id: str | None = None
        opened = False
        while True:
            headers = {"Last-Event-ID": last_id} if last_id is not None else {}
            try:
                with self._http.stream(
                    "GET", path, params=_clean(params), headers=headers, timeout=httpx.Timeout(10.0, read=None)
                ) as response:
                    if response.status_code >= 400:
                        response.read()
                        raise _error_from(response)
                    opened = True
                    for event in _parse_sse(response.iter_lines()):
                        last_id = event.id if event.id is not None else last_id
                        yield event
            except httpx.HTTPError as error:
                if not (resume and opened):
                    raise self._unreachable(error) from error
            if not resume:
                return
            time.sleep(RECONNECT_SECONDS)

    # ----------------------------------------------------------------- internals

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        change = method not in ("GET", "HEAD", "OPTIONS") and self.idempotency_key is not None
        if change:
            kwargs["headers"] = {**kwargs.get("headers", {}), "Idempotency-Key": self.idempotency_key}
        path, _, query = path.partition("?")
        if query:  # httpx (0.28 on) drops a path's query when `params` are given: keep both
            kwargs["params"] = httpx.QueryParams(query).merge(kwargs.get("params") or {})
        try:
            response = self._http.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise self._unreachable(error, retry_key=self.idempotency_key if change else None) from error
        if response.status_code >= 400:
            refused = _error_from(response)
            if change and response.status_code == 503:  # its outcome is unknown
                hint = _retry_hint(self.idempotency_key)
                raise ApiError(f"{refused}{hint}", status=refused.status, code=refused.code)
            raise refused
        return response

    def _decode(self, response: httpx.Response) -> Any:
        if response.status_code == 204:
            return None
        try:
            return response.json()
        except ValueError as error:
            raise ApiError(
                f"the API at {self.base_url} answered {response.status_code} with something other than JSON",
                status=response.status_code,
            ) from error

    def _unreachable(self, error: httpx.HTTPError, *, retry_key: str | None = None) -> ApiError:
        if isinstance(error, httpx.TimeoutException):
            return ApiError(f"the API at {self.base_url} did not answer in time{_retry_hint(retry_key)}")
        return ApiError(
            f"cannot reach the API at {self.base_url} ({type(error).__name__}): "
            "is `paperclip up` running? (set PAPERCLIP_API_URL or --api-url)"
        )


def _retry_hint(key: str | None) -> str:
    """How to run a change whose outcome is unknown again without doing it twice."""
    return (
        f"; to retry without doing it twice, run the command again with PAPERCLIP_IDEMPOTENCY_KEY={key}" if key else ""
    )


def _clean(params: dict[str, Any]) -> dict[str, Any]:
    return {key: value for key, value in params.items() if value is not None}


def _error_from(response: httpx.Response) -> ApiError:
    """Read the API's `{"error": {"code", "message", "details"}}`, or FastAPI's `{"detail": …}`."""
    status = response.status_code
    try:
        body = response.json()
    except ValueError:
        text = response.text.strip().splitlines()
        return ApiError(f"API error {status}: {text[0] if text else response.reason_phrase}", status=status)
    if isinstance(body, dict) and isinstance(body.get("error"), dict):
        error = body["error"]
        message = str(error.get("message") or error.get("code") or "error")
        code = error.get("code")
        details = error.get("details")
        if isinstance(details, list) and details:
            message += ": " + "; ".join(_detail_line(item) for item in details)
        return ApiError(f"{message} ({status}{' ' + code if code else ''})", status=status, code=code, details=details)
    if isinstance(body, dict) and "detail" in body:
        detail = body["detail"]
        message = "; ".join(_detail_line(d) for d in detail) if isinstance(detail, list) else str(detail)
        return ApiError(f"{message} ({status})", status=status)
    return ApiError(f"API error {status}: {json.dumps(body)[:200]}", status=status)


def _detail_line(item: Any) -> str:
    """One invalid field as `where: what`: the API's `{field, message}` or FastAPI's `{loc, msg}`."""
    if isinstance(item, dict) and "message" in item:
        return f"{item['field']}: {item['message']}" if item.get("field") else str(item["message"])
    if isinstance(item, dict) and "msg" in item:
        where = ".".join(str(part) for part in item.get("loc", []) if part != "body")
        return f"{where}: {item['msg']}" if where else str(item["msg"])
    return str(item)


def _parse_sse(lines: Iterator[str]) -> Iterator[SseEvent]:
    event_id: str | None = None
    event = "message"
    data: list[str] = []
    for line in lines:
        if not line:
            if data:
                text = "\n".join(data)
                try:
                    payload: Any = json.loads(text)
                except ValueError:
                    payload = text
                yield SseEvent(event_id, event, payload)
            event, data = "message", []
            continue
        if line.startswith(":"):
            continue  # a comment (keep-alive)
        name, _, value = line.partition(":")
        value = value.removeprefix(" ")
        if name == "id":
            event_id = value
        elif name == "event":
            event = value
        elif name == "data":
            data.append(value)
