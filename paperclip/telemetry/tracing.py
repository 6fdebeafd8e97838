"""OpenTelemetry tracing: the API's requests and everything Temporal does for them, in one trace.

An API request is a server span named by its route template (`POST /api/companies`, never a
company's id), continuing a caller's `traceparent` when one is sent. Temporal's tracing
interceptor, on the API's and the workers' clients, makes the request's `StartWorkflow` span its
child and carries the context in the workflow's headers, so the workflow's and its activities'
spans join the same trace.

`setup_tracing` installs the process's tracer provider exporting by OTLP/HTTP, configured by the
standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`,
`OTEL_SERVICE_NAME`, …). It needs the `otel` extra (`pip install 'paperclip-temporal[otel]'`).
"""

import os
from typing import Any

from opentelemetry import propagate, trace
from starlette.types import ASGIApp, Message, Receive, Scope, Send
from temporalio.contrib.opentelemetry import TracingInterceptor

TRACER = "paperclip.api"


class TracingUnavailable(RuntimeError):
    """Tracing is on but the OpenTelemetry SDK or its OTLP exporter is not installed."""


def setup_tracing(service_name: str) -> bool:
    """Export this process's spans by OTLP/HTTP in batches, as `OTEL_SERVICE_NAME` or
    `service_name`, at the start of a process that has tracing on. False (and nothing changed)
    when the process has a tracer provider already: an earlier call's, or its host's own."""
    if not isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        return False
    try:
        from opentelemetry.exporter.otlp.proto.http.trace_exporter import OTLPSpanExporter
        from opentelemetry.sdk.resources import Resource
        from opentelemetry.sdk.trace import TracerProvider
        from opentelemetry.sdk.trace.export import BatchSpanProcessor
    except ImportError as err:
        raise TracingUnavailable(
            f"tracing is on but {err.name} is not installed: pip install 'paperclip-temporal[otel]'"
        ) from None
    resource = Resource.create({"service.name": os.environ.get("OTEL_SERVICE_NAME") or service_name})
    provider = TracerProvider(resource=resource)
    provider.add_span_processor(BatchSpanProcessor(OTLPSpanExporter()))
    trace.set_tracer_provider(provider)
    return True


def temporal_tracing() -> TracingInterceptor:
    """Temporal's interceptor: spans for starting, signalling and running workflows and activities,
    with the context carried in their headers (no payload is ever put in a span)."""
    return TracingInterceptor()


class RequestSpans:
    """ASGI middleware: one server span per HTTP request, current while the route runs."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        headers = {k.decode("latin-1"): v.decode("latin-1") for k, v in scope.get("headers", [])}
        method = scope["method"]
        tracer = trace.get_tracer(TRACER)
        status: dict[str, Any] = {}

        async def sending(message: Message) -> None:
            if message["type"] == "http.response.start":
                status["code"] = message["status"]
            await send(message)

        with tracer.start_as_current_span(
            method,
            context=propagate.extract(headers),
            kind=trace.SpanKind.SERVER,
            attributes={"http.request.method": method},
        ) as span:
            try:
                await self.app(scope, receive, sending)
            finally:
                route = getattr(scope.get("route"), "path", None)  # the template, set by the router
                if route is not None:
                    span.update_name(f"{method} {route}")
                    span.set_attribute("http.route", route)
                code = status.get("code", 500)
                span.set_attribute("http.response.status_code", code)
                if code >= 500:
                    span.set_status(trace.Status(trace.StatusCode.ERROR))
