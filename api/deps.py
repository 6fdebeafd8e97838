"""What routes are given: the Temporal client, the store, the settings (`Annotated` aliases)."""

import asyncio
from dataclasses import dataclass, field
from typing import Annotated

from fastapi import Depends, Request
from temporalio.client import Client

from api.errors import TemporalUnavailable
from api.temporal_bounds import API_RETRIES, bounded
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.temporal import connect

CONNECT_TIMEOUT_SECONDS = 5.0
"""How long a request waits for a first connection to Temporal before answering 503."""


@dataclass
class TemporalConnection:
    """The app's one Temporal client, connected at startup or, if Temporal was down, on first use.

    The API starts even when Temporal is unreachable, so `/api/health` can say so. Every call
    through the client is bounded by `settings.api_temporal_timeout_seconds` (`api.temporal_bounds`),
    a given client's too.
    """

    settings: Settings
    client: Client | None = None
    last_error: str | None = None
    _lock: asyncio.Lock = field(default_factory=asyncio.Lock)

    def __post_init__(self) -> None:
        if self.client is not None:
            self.client = bounded(self.client, seconds=self.settings.api_temporal_timeout_seconds)

    @property
    def address(self) -> str:
        return self.settings.resolved_temporal_address

    async def get(self, *, timeout: float = CONNECT_TIMEOUT_SECONDS) -> Client:
        """The client, connecting first if needed.

        Raises:
            TemporalUnavailable: Temporal cannot be reached within `timeout`.
        """
        if self.client is not None:
            return self.client
        async with self._lock:
            if self.client is None:
                try:
                    client = await asyncio.wait_for(connect(self.settings, retry_config=API_RETRIES), timeout)
                    self.client = bounded(client, seconds=self.settings.api_temporal_timeout_seconds)
                    self.last_error = None
                except Exception as err:  # a refused or timed-out connection, whatever its type
                    self.last_error = str(err) or type(err).__name__
                    raise TemporalUnavailable(self.address, self.last_error) from err
        return self.client


@dataclass(frozen=True)
class AppContext:
    """Everything the lifespan builds once and routes share."""

    settings: Settings
    temporal: TemporalConnection
    store: Store
    task_queue: str


def get_context(request: Request) -> AppContext:
    context: AppContext = request.app.state.context
    return context


ContextDep = Annotated[AppContext, Depends(get_context)]


def get_settings_dep(context: ContextDep) -> Settings:
    return context.settings


def get_store(context: ContextDep) -> Store:
    return context.store


async def get_client(context: ContextDep) -> Client:
    return await context.temporal.get()


SettingsDep = Annotated[Settings, Depends(get_settings_dep)]
StoreDep = Annotated[Store, Depends(get_store)]
ClientDep = Annotated[Client, Depends(get_client)]
