"""The API's Prometheus metrics (`GET /metrics`) and, when tracing is on, its request spans.

Requests are counted and timed by method, route template and status: a bounded set, since the
template is the route's (`/api/companies/{company_id}`), never the path a caller sent (a path no
route matches counts as `unmatched`). The product counters live in the workers, whose Temporal
runtime serves them (`paperclip.telemetry.counters`).

`/metrics` answers without a token, as Prometheus scrapes: it shows only these counts and the
process's own figures, never a company, a path or a payload. Each API process has its own (with
`PAPERCLIP_API_WORKERS` > 1, scrape the processes by their own addresses, or run one per pod).
"""

import time

from fastapi import FastAPI
from prometheus_client import (
    CONTENT_TYPE_LATEST,
    CollectorRegistry,
    Counter,
    Histogram,
    ProcessCollector,
    generate_latest,
)
from starlette.requests import Request
from starlette.responses import Response
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from paperclip.settings import Settings
from paperclip.telemetry import setup_tracing

UNMATCHED = "unmatched"


class RequestMetrics:
    """ASGI middleware counting and timing each HTTP request by its route template."""

    def __init__(self, app: ASGIApp, registry: CollectorRegistry) -> None:
        self.app = app
        self.requests = Counter(
            "paperclip_api_requests",
            "HTTP requests answered, by method, route template and status.",
            ["method", "route", "status"],
            registry=registry,
        )
        self.latency = Histogram(
            "paperclip_api_request_duration_seconds",
            "Time to answer an HTTP request, by method and route template.",
            ["method", "route"],
            registry=registry,
        )

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        started, status = time.perf_counter(), 500

        async def sending(message: Message) -> None:
            nonlocal status
            if message["type"] == "http.response.start":
                status = message["status"]
            await send(message)

        try:
            await self.app(scope, receive, sending)
        finally:
            route = route_template(scope)
            method = scope["method"] if scope["method"] in METHODS else "OTHER"
            self.requests.labels(method, route, str(status)).inc()
            self.latency.labels(method, route).observe(time.perf_counter() - started)


def route_template(scope: Scope) -> str:
    """The template of the route that answered, with its router's prefix: FastAPI's own resolution
    (what its telemetry names spans by), else the route's path, else `unmatched`."""
    resolved = getattr(scope.get("fastapi", {}).get("effective_route_context"), "path_format", None)
    return str(resolved or getattr(scope.get("route"), "path", UNMATCHED))


METHODS = frozenset({"GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS"})


def install_observability(app: FastAPI, settings: Settings) -> None:
    """Serve `/metrics`, count every request, and trace them when tracing is on. Call last in
    `create_app`, so the middleware sees every request first."""
    registry = CollectorRegistry()
    ProcessCollector(registry=registry)

    async def metrics(request: Request) -> Response:
        return Response(generate_latest(registry), media_type=CONTENT_TYPE_LATEST)

    app.add_route("/metrics", metrics, include_in_schema=False)
    app.add_middleware(RequestMetrics, registry=registry)
    if settings.tracing_enabled:
        setup_tracing("paperclip-api")  # FastAPI then makes each request's span itself
