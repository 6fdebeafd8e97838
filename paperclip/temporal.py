"""The one place that builds a Temporal client."""

from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter

from paperclip.settings import Settings, get_settings


async def connect(settings: Settings | None = None, *, address: str | None = None) -> Client:
    """Connect to the configured Temporal server with the project's data converter."""
    settings = settings or get_settings()
    return await Client.connect(
        address or settings.resolved_temporal_address,
        namespace=settings.temporal_namespace,
        data_converter=pydantic_data_converter,
    )
