"""The store as activities: the company workflow's writes (activity log, task records), the
task briefs it reads back, the tasks an agent reads (`read_task`) and the documents it reads and
writes (`read_document`, `write_document`)."""

import asyncio

from temporalio import activity

from paperclip.constants import Activity
from paperclip.models import RecordInput, StandingInput
from paperclip.models.review import Deliveries, DeliveriesInput
from paperclip.models.work_products import DeclaredProduct, WorkProductKind
from paperclip.store import Store
from paperclip.store.documents import DocumentConflict
from paperclip.tools.read_document import (
    DocumentReading,
    ReadDocumentInput,
    describe_document,
    describe_list,
    no_document,
)
from paperclip.tools.read_task import COMMENTS_SHOWN, SUBTASKS_SHOWN, ReadTaskInput, TaskReading, describe_task
from paperclip.tools.write_document import WRITE_DOCUMENT, DocumentWritten, WriteDocumentInput


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

    @activity.defn(name=Activity.TASK_DELIVERIES)
    async def task_deliveries(self, input: DeliveriesInput) -> Deliveries:
        """What a task delivered so far, for its review (docs/review.md): its work products and
        its documents, one line each (at most 100 of each)."""
        return await asyncio.to_thread(self._deliveries, input)

    def _deliveries(self, input: DeliveriesInput) -> Deliveries:
        products = self._store.list_work_products(input.company_id, task=input.task)
        documents = self._store.list_documents(input.company_id, input.task)[:100]
        return Deliveries(
            work_products=[f"{p.kind} {p.value}" + (f" ({p.title})" if p.title else "") for p in reversed(products)],
            documents=[f"document {d.key} (revision {d.revision}, by {d.author})" for d in documents],
        )

    @activity.defn(name=Activity.READ_DOCUMENT)
    async def read_document(self, input: ReadDocumentInput) -> DocumentReading:
        """A document of a task as the agent's `read_document` tool shows it (or, without a key,
        the task's list of documents). A revision someone else saved is untrusted."""
        return await asyncio.to_thread(self._read_document, input)

    def _read_document(self, input: ReadDocumentInput) -> DocumentReading:
        if input.key is None:
            return DocumentReading(
                text=describe_list(input.task, self._store.list_documents(input.company_id, input.task))
            )
        found = self._store.get_document(input.company_id, input.task, input.key, input.revision)
        latest = self._store.get_document(input.company_id, input.task, input.key)
        if found is None or latest is None:
            keys = [d.key for d in self._store.list_documents(input.company_id, input.task)]
            return DocumentReading(text=no_document(input.task, input.key, input.revision, keys))
        untrusted = found.author != input.reader
        text = describe_document(found, latest.revision, untrusted=untrusted)
        return DocumentReading(text=text, untrusted=untrusted)

    @activity.defn(name=Activity.WRITE_DOCUMENT)
    async def write_document(self, input: WriteDocumentInput) -> DocumentWritten:
        """Save a revision of a document of the agent's own task. A stale base saves nothing and
        answers the current revision; a retry of a save that went through answers its revision."""
        return await asyncio.to_thread(self._write_document, input)

    def _write_document(self, input: WriteDocumentInput) -> DocumentWritten:
        try:
            saved = self._store.save_document(
                input.company_id,
                input.task,
                input.key,
                input.body,
                base_revision=input.base_revision,
                author=input.author,
                agent=input.author,
            )
        except DocumentConflict as err:
            if err.current is None:
                return DocumentWritten(saved=False, text=f"Nothing was saved: {err.message}.")
            current, untrusted = err.current, err.current.author != input.author
            text = (
                f"Nothing was saved: document '{input.key}' is at revision {current.revision} (saved by "
                f"{current.author}), not {input.base_revision}. Merge your change into its current text below "
                f"and write again with base_revision {current.revision}.\n"
                + describe_document(current, current.revision, untrusted=untrusted)
            )
            return DocumentWritten(saved=False, text=text, untrusted=untrusted)
        # The document is what the task produced, recorded as the git tool records a commit (once a key).
        product = DeclaredProduct(kind=WorkProductKind.DOCUMENT, value=saved.key, title=f"document {saved.key}")
        self._store.record_work_products(
            input.company_id, input.task, [product], recorded_by=WRITE_DOCUMENT, actor=input.author
        )
        return DocumentWritten(
            saved=True, text=f"Saved document '{saved.key}' of {saved.task} as revision {saved.revision}."
        )
