"""The `purge_expired` activity: the daily purge (`paperclip.lifecycle.retention`), on a worker.

It runs in a thread (a large first purge deletes many rows) and heartbeats meanwhile, so it
neither blocks the worker's event loop nor looks dead to Temporal.
"""

import asyncio
import logging
from functools import partial

from temporalio import activity

from paperclip.attachments import open_storage
from paperclip.lifecycle.retention import PURGE_ACTIVITY, PurgeInput, PurgeResult, purge_expired
from paperclip.settings import Settings
from paperclip.store import Store

log = logging.getLogger("paperclip.lifecycle")

HEARTBEAT_SECONDS = 10.0


class PurgeActivities:
    """The purges of the store `store` and of the attachments' storage the settings name."""

    def __init__(self, store: Store, settings: Settings) -> None:
        self.store = store
        self.settings = settings

    @activity.defn(name=PURGE_ACTIVITY)
    async def purge_expired(self, input: PurgeInput) -> PurgeResult:
        work = asyncio.ensure_future(
            asyncio.to_thread(purge_expired, self.store, input, partial(open_storage, self.settings))
        )
        while True:
            done, _ = await asyncio.wait({work}, timeout=HEARTBEAT_SECONDS)
            if done:
                break
            activity.heartbeat()
        result = work.result()
        log.info("purged %s", ", ".join(f"{n} {kind}" for kind, n in result.purged.items()) or "nothing")
        return result
