"""The store as activities: the company workflow's writes (activity log, task records), the
task briefs it reads back, and the tasks an agent reads (`read_task`)."""

import asyncio

from temporalio import activity

from paperclip.constants import Activity
from paperclip.models import RecordInput, StandingInput
from paperclip.store import Store
from paperclip.tools.read_task import COMMENTS_SHOWN, SUBTASKS_SHOWN, ReadTaskInput, TaskReading, describe_task


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

    @activity.defn(name=Activity.READ_TASK)
    async def read_task(self, input: ReadTaskInput) -> TaskReading:
        """A task of the company as its agent's `read_task` tool shows it: its record, its subtasks
        and its latest comments, as the company last recorded them. Content by others than the
        reader (a brief or result of another task, anyone else's comment) makes it untrusted."""
        return await asyncio.to_thread(self._read_task, input)

    def _read_task(self, input: ReadTaskInput) -> TaskReading:
        record = self._store.get_task(input.company_id, input.identifier)
        if record is None:
            return TaskReading(found=False)
        subtasks = self._store.list_tasks(input.company_id, parent=input.identifier, limit=SUBTASKS_SHOWN + 1)
        comments = [
            entry
            for _, entry in self._store.list_activity(
                input.company_id, kind="comment.posted", task=input.identifier, limit=COMMENTS_SHOWN, newest_first=True
            )
        ]
        untrusted = not input.own or any(c.actor != input.reader for c in comments)
        return TaskReading(
            found=True, text=describe_task(record, subtasks, comments, untrusted=untrusted), untrusted=untrusted
        )
