"""The one place that builds a Temporal client."""

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.runtime import Runtime
from temporalio.service import RetryConfig

from paperclip.codec import with_codec
from paperclip.settings import Settings, get_settings
from paperclip.telemetry import client_interceptors


async def connect(
    settings: Settings | None = None,
    *,
    address: str | None = None,
    retry_config: RetryConfig | None = None,
    runtime: Runtime | None = None,
) -> Client:
    """Connect to the configured Temporal server with the project's data converter (sealing
    payloads when `PAPERCLIP_PAYLOAD_KEY` is set) and interceptors (`paperclip.telemetry`: the
    product counters, tracing when on); `retry_config` changes how failed RPCs are retried,
    `runtime` is the SDK runtime (a worker's, serving metrics; the default one otherwise)."""
    settings = settings or get_settings()
    return await Client.connect(
        address or settings.resolved_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        retry_config=retry_config,
        interceptors=client_interceptors(settings),
        runtime=runtime,
    )


def data_converter(settings: Settings) -> DataConverter:
    return with_codec(pydantic_data_converter, settings.payload_key)
