"""Store writes as activities: the company workflow's activity log and task records."""

import asyncio

from temporalio import activity

from paperclip.constants import Activity
from paperclip.models import RecordInput
from paperclip.store import Store


class StoreActivities:
    """Activities that write to the store; register the bound methods on a worker.

    Args:
        store: the store to write to (migrated by the worker at start).
    """

    def __init__(self, store: Store) -> None:
        self._store = store

    @activity.defn(name=Activity.RECORD)
    async def record(self, input: RecordInput) -> None:
        """Write a batch of activity entries and task records. Idempotent, so safe to retry."""
        await asyncio.to_thread(self._store.record, input)
