"""How a process's Temporal client is observed: the interceptors it carries and, for a worker,
the SDK runtime that serves Prometheus metrics."""

from temporalio.client import Interceptor
from temporalio.runtime import PrometheusConfig, Runtime, TelemetryConfig

from paperclip.settings import Settings
from paperclip.telemetry.counters import COST_BUCKETS, COST_HISTOGRAM, ProductCounters
from paperclip.telemetry.tracing import temporal_tracing


def client_interceptors(settings: Settings) -> list[Interceptor]:
    """The product counters always (they reach nothing unless the runtime exports metrics), and
    Temporal's tracing interceptor when tracing is on. A worker built from the client runs both."""
    interceptors: list[Interceptor] = [ProductCounters()]
    if settings.tracing_enabled:
        interceptors.append(temporal_tracing())
    return interceptors


def worker_runtime(settings: Settings) -> Runtime | None:
    """A Temporal runtime serving Prometheus metrics on `metrics_host:metrics_port`, or None (the
    SDK's default runtime, exporting nothing) when no port is set. One per process: it binds the port."""
    if settings.metrics_port is None:
        return None
    prometheus = PrometheusConfig(
        bind_address=f"{settings.metrics_host}:{settings.metrics_port}",
        counters_total_suffix=True,
        histogram_bucket_overrides={COST_HISTOGRAM: COST_BUCKETS},
    )
    return Runtime(telemetry=TelemetryConfig(metrics=prometheus))
