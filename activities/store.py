"""The store as activities: the company workflow's writes (activity log, task records) and the
task briefs it reads back."""

import asyncio

from temporalio import activity

from paperclip.constants import Activity
from paperclip.models import RecordInput, StandingInput
from paperclip.store import Store


class StoreActivities:
    """Activities on the store; register the bound methods on a worker.

    Args:
        store: the store to write to (migrated by the worker at start).
    """

    def __init__(self, store: Store) -> None:
        self._store = store

    @activity.defn(name=Activity.RECORD)
    async def record(self, input: RecordInput) -> None:
        """Write a batch of activity entries and task records. Idempotent, so safe to retry."""
        await asyncio.to_thread(self._store.record, input)

    @activity.defn(name=Activity.TASK_BRIEF)
    async def task_brief(self, company_id: str, identifier: str) -> str:
        """The brief the store keeps of a task: the company carries long briefs by reference and
        reads one back to dispatch its task. Empty (with a warning) when the store has no record
        of the task, so that a lost row costs the task its brief, not the company its run."""
        record = await asyncio.to_thread(self._store.get_task, company_id, identifier)
        if record is None:
            activity.logger.warning("no record of %s in %s: it starts without its brief", identifier, company_id)
            return ""
        return record.brief

    @activity.defn(name=Activity.STORE_STANDING)
    async def store_standing(self, input: StandingInput) -> None:
        """Keep a task's system prompt and tools under their hash, for its model calls to read back.
        Idempotent, so safe to retry."""
        await asyncio.to_thread(self._store.put_standing, input.digest, input.standing)
