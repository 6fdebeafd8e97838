"""What a deployment can watch: OpenTelemetry traces (`tracing`), the worker's Prometheus endpoint
(`runtime`) and the product counters the workflows emit to it (`counters`).

All of it is off by default: the embedded stack runs exactly as without it.
"""

from paperclip.telemetry.counters import COUNTERS, ProductCounters, tool_label, turn_labels
from paperclip.telemetry.runtime import client_interceptors, worker_runtime
from paperclip.telemetry.tracing import TracingUnavailable, setup_tracing

__all__ = [
    "COUNTERS",
    "ProductCounters",
    "TracingUnavailable",
    "client_interceptors",
    "setup_tracing",
    "tool_label",
    "turn_labels",
    "worker_runtime",
]
