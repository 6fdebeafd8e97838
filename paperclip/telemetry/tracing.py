"""OpenTelemetry tracing: the API's requests and everything Temporal does for them, in one trace.

An API request is a server span named by its route template (`POST /api/companies`, never a
company's id), continuing a caller's `traceparent` when one is sent: FastAPI makes it itself once
the process has a tracer provider (its native telemetry). Temporal's tracing interceptor, on the
API's and the workers' clients, makes the request's `StartWorkflow` span its child and carries
the context in the workflow's headers, so the workflow's and its activities' spans join the same
trace.

`setup_tracing` installs the process's tracer provider exporting by OTLP/HTTP, configured by the
standard variables (`OTEL_EXPORTER_OTLP_ENDPOINT`, `OTEL_EXPORTER_OTLP_HEADERS`,
`OTEL_SERVICE_NAME`, …). It needs the `otel` extra (`pip install 'paperclip-temporal[otel]'`).
"""

import os

from opentelemetry import trace
from temporalio.client import Interceptor

from paperclip.errors import PaperclipError


class TracingUnavailable(PaperclipError, RuntimeError):
    """Tracing is on but the OpenTelemetry SDK or its OTLP exporter is not installed."""

    kind = "unavailable"


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


def temporal_tracing() -> Interceptor:
    """Temporal's interceptor: spans for starting, signalling and running workflows and activities,
    with the context carried in their headers (no payload is ever put in a span).

    Imported here, not at the top: Temporal's OpenTelemetry module needs the SDK, which only the
    `otel` extra installs, and a process with tracing off must start without it."""
    try:
        from temporalio.contrib.opentelemetry import TracingInterceptor
    except ImportError as err:
        raise TracingUnavailable(
            f"tracing is on but {err.name} is not installed: pip install 'paperclip-temporal[otel]'"
        ) from None
    return TracingInterceptor()
