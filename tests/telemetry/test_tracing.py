"""With tracing on, an API request that starts a workflow is one trace: the request's server
span is the parent of Temporal's `StartWorkflow` span, and the workflow's and its activities'
spans carry the same trace id. Spans are read from an in-memory exporter on the process's
tracer provider (the one `setup_tracing` would install with an OTLP exporter)."""

import asyncio
import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from pathlib import Path

import pytest
from opentelemetry import trace
from opentelemetry.sdk.trace import ReadableSpan, TracerProvider
from opentelemetry.sdk.trace.export import SimpleSpanProcessor
from opentelemetry.sdk.trace.export.in_memory_span_exporter import InMemorySpanExporter
from temporalio.testing import WorkflowEnvironment

from paperclip.settings import Settings
from paperclip.telemetry import setup_tracing
from tests.fakes.otlp_receiver import OtlpReceiver
from tests.telemetry.stack import Stack, metered_stack

EXPORTER = InMemorySpanExporter()


@pytest.fixture
def spans() -> Iterator[InMemorySpanExporter]:
    """The process's tracer provider, exporting to memory (set once: OpenTelemetry allows no other)."""
    if isinstance(trace.get_tracer_provider(), trace.ProxyTracerProvider):
        provider = TracerProvider()
        provider.add_span_processor(SimpleSpanProcessor(EXPORTER))
        trace.set_tracer_provider(provider)
    EXPORTER.clear()
    yield EXPORTER
    EXPORTER.clear()


@pytest.fixture
async def stack(
    spans: InMemorySpanExporter, dev_env: WorkflowEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[Stack]:
    monkeypatch.setenv(
        "OTEL_EXPORTER_OTLP_ENDPOINT", "http://127.0.0.1:4318"
    )  # tracing on, as a deployment turns it on
    async with metered_stack(dev_env, tmp_path) as stack:
        yield stack


async def until(spans: InMemorySpanExporter, name: str) -> ReadableSpan:
    deadline = asyncio.get_running_loop().time() + 30
    while True:
        found = [s for s in spans.get_finished_spans() if s.name == name]
        if found:
            return found[0]
        names = sorted({s.name for s in spans.get_finished_spans()})
        assert asyncio.get_running_loop().time() < deadline, f"no span {name}: {names}"
        await asyncio.sleep(0.1)


def ancestors(span: ReadableSpan, by_id: dict[int, ReadableSpan]) -> list[int]:
    found = []
    while span.parent is not None and span.parent.span_id in by_id:
        found.append(span.parent.span_id)
        span = by_id[span.parent.span_id]
    return found


def test_tracing_is_on_only_when_an_endpoint_or_the_setting_says_so(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"):
        monkeypatch.delenv(name, raising=False)
    assert not Settings().tracing_enabled
    assert Settings(tracing=True).tracing_enabled
    monkeypatch.setenv("OTEL_EXPORTER_OTLP_TRACES_ENDPOINT", "http://collector:4318/v1/traces")
    assert Settings().tracing_enabled and not Settings(tracing=False).tracing_enabled


def test_setup_keeps_a_tracer_provider_the_process_has(spans: InMemorySpanExporter) -> None:
    provider = trace.get_tracer_provider()
    assert setup_tracing("paperclip-api") is False
    assert trace.get_tracer_provider() is provider


async def test_a_request_that_starts_a_workflow_is_one_trace(stack: Stack, spans: InMemorySpanExporter) -> None:
    company_id = f"co-{uuid.uuid4().hex[:8]}"
    body = {"id": company_id, "name": "Acme", "prefix": "ACME", "goals": ["Ship"], "agents": [{"name": "ceo"}]}
    caller = "00-0af7651916cd43dd8448eb211c80319c-b7ad6b7169203331-01"  # a caller's own trace goes on
    response = await stack.api.post("/api/companies", json=body, headers={"traceparent": caller})
    assert response.status_code == 201, response.text

    request = await until(spans, "POST /api/companies")
    assert request.kind == trace.SpanKind.SERVER
    assert request.context is not None and request.parent is not None
    assert f"{request.context.trace_id:032x}" == "0af7651916cd43dd8448eb211c80319c"
    assert f"{request.parent.span_id:016x}" == "b7ad6b7169203331"
    start = await until(spans, "StartWorkflow:CompanyWorkflow")
    by_id = {s.context.span_id: s for s in spans.get_finished_spans() if s.context is not None}
    # Started within the request's endpoint span (FastAPI's, beside those of its dependencies).
    assert [by_id[p].name for p in ancestors(start, by_id)] == ["fastapi.endpoint", "POST /api/companies"]
    assert ancestors(start, by_id)[-1] == request.context.span_id
    run = await until(spans, "RunWorkflow:CompanyWorkflow")
    activity = await until(spans, "RunActivity:record")
    for span in (start, run, activity):
        assert span.context is not None and span.context.trace_id == request.context.trace_id
    assert all(company_id not in s.name for s in spans.get_finished_spans())  # names are bounded too


EXPORTING = """
from opentelemetry import trace
from paperclip.telemetry import setup_tracing
assert setup_tracing("paperclip-worker")
with trace.get_tracer("check").start_as_current_span("a span"):
    pass
trace.get_tracer_provider().shutdown()  # flushes the batch
"""


def test_setup_exports_by_otlp_http_to_the_configured_endpoint(tmp_path: Path) -> None:
    """In a process of its own (a process sets its tracer provider once), to a real receiver."""
    with OtlpReceiver() as receiver:
        env = os.environ | {"OTEL_EXPORTER_OTLP_ENDPOINT": receiver.endpoint, "OTEL_SERVICE_NAME": "worker-7"}
        done = subprocess.run([sys.executable, "-c", EXPORTING], env=env, capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
        assert receiver.spans() == [("worker-7", "a span")]


WITHOUT_SDK = """
import sys
sys.modules["opentelemetry.exporter.otlp.proto.http.trace_exporter"] = None  # as if not installed
from paperclip.telemetry import TracingUnavailable, setup_tracing
try:
    setup_tracing("paperclip-api")
except TracingUnavailable as err:
    print(err)
"""


def test_tracing_without_the_otel_extra_is_refused_naming_it() -> None:
    done = subprocess.run([sys.executable, "-c", WITHOUT_SDK], capture_output=True, text=True, timeout=60)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == (
        "tracing is on but opentelemetry.exporter.otlp.proto.http.trace_exporter is not installed: "
        "pip install 'paperclip-temporal[otel]'"
    )
