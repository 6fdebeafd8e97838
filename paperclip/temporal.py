"""The one place that builds a Temporal client."""

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.converter import DataConverter
from temporalio.service import RetryConfig

from paperclip.codec import with_codec
from paperclip.settings import Settings, get_settings


async def connect(
    settings: Settings | None = None, *, address: str | None = None, retry_config: RetryConfig | None = None
) -> Client:
    """Connect to the configured Temporal server with the project's data converter (sealing
    payloads when `PAPERCLIP_PAYLOAD_KEY` is set); `retry_config` changes how failed RPCs are retried."""
    settings = settings or get_settings()
    return await Client.connect(
        address or settings.resolved_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=data_converter(settings),
        retry_config=retry_config,
    )


def data_converter(settings: Settings) -> DataConverter:
    return with_codec(pydantic_data_converter, settings.payload_key)
