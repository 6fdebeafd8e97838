"""Documents on tasks: every revision of each, and each one's latest (which search finds).

A save names the revision it was written against (its base; 0 for a new document) and becomes
the next one. Two saves of one base race for one key of `document_revisions`: on SQLite the
write lock taken at BEGIN puts them one after the other and the second sees the first; on
PostgreSQL both may read the same latest revision, and the primary key lets only one insert the
next one (the other waits for it, then fails). Either way the loser is a `DocumentConflict`
carrying the revision that won.

A save repeated after it went through (an activity retried, a client that lost the answer) is
answered with the revision it made, when that is still the latest's successor of its base with
the same body and author, rather than refused as stale. Each save writes its activity-log entry
in the same transaction.
"""

from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from paperclip.errors import PaperclipError
from paperclip.models import ActivityEntry
from paperclip.models.documents import DocumentRevision, DocumentSummary
from paperclip.store.engine import StoreCore, utc_now
from paperclip.store.records import activity_row
from paperclip.store.tables import activity_log
from paperclip.store.task_tables import document_revisions, documents

SAVED = "document.saved"
"""The activity-log kind of a save (and a restore)."""


class DocumentConflict(PaperclipError):
    """A save against a revision that is no longer the latest (or of a new document that exists)."""

    kind = "conflict"

    def __init__(self, message: str, current: DocumentRevision | None) -> None:
        super().__init__(message)
        self.current = current


class DocumentStore(StoreCore):
    """Documents on tasks, and their revisions."""

    def save_document(
        self,
        company_id: str,
        task: str,
        key: str,
        body: str,
        *,
        base_revision: int,
        author: str,
        agent: str | None = None,
        restored_from: int | None = None,
    ) -> DocumentRevision:
        """Write revision `base_revision + 1` of the document, with its activity-log entry.

        Args:
            agent: the agent that saved it (its name is `author` too), for the activity log.
            restored_from: the earlier revision whose body this is (a restore).

        Raises:
            DocumentConflict: the document's latest revision is not `base_revision`, or another
                save of the same base won the race.
        """
        saved = DocumentRevision(
            company_id=company_id,
            task=task,
            key=key,
            revision=base_revision + 1,
            body=body,
            author=author,
            created_at=utc_now(),
            restored_from=restored_from,
        )
        try:
            with self._write() as conn:
                latest = _latest(conn, company_id, task, key)
                if (latest.revision if latest else 0) != base_revision:
                    if latest is not None and _repeats(latest, saved):
                        return latest
                    raise _stale(key, base_revision, latest)
                conn.execute(sa.insert(document_revisions), [saved.model_dump()])
                _keep_latest(conn, saved)
                conn.execute(sa.insert(activity_log), [activity_row(_entry(saved, agent))])
        except sa.exc.IntegrityError:
            # PostgreSQL: another save of this base inserted the next revision first.
            with self.engine.connect() as conn:
                latest = _latest(conn, company_id, task, key)
            if latest is not None and _repeats(latest, saved):
                return latest
            raise _stale(key, base_revision, latest) from None
        return saved

    def get_document(
        self, company_id: str, task: str, key: str, revision: int | None = None
    ) -> DocumentRevision | None:
        """A revision of the document (its latest for None); None if there is no such one."""
        c = document_revisions.c
        query = sa.select(document_revisions).where(c.company_id == company_id, c.task == task, c.key == key)
        query = query.where(c.revision == revision) if revision is not None else query.order_by(c.revision.desc())
        with self.engine.connect() as conn:
            row = conn.execute(query.limit(1)).mappings().first()
        return None if row is None else DocumentRevision.model_validate(dict(row))

    def list_documents(self, company_id: str, task: str) -> list[DocumentSummary]:
        """The task's documents at their latest revision, by key."""
        c = documents.c
        query = (
            sa.select(c.key, c.revision, c.author, c.updated_at, sa.func.length(c.body).label("chars"))
            .where(c.company_id == company_id, c.task == task)
            .order_by(c.key)
        )
        with self.engine.connect() as conn:
            return [DocumentSummary.model_validate(dict(row)) for row in conn.execute(query).mappings()]

    def list_document_revisions(
        self, company_id: str, task: str, key: str, *, limit: int = 100, offset: int = 0
    ) -> tuple[list[DocumentRevision], int]:
        """The document's revisions newest first, without their bodies, and how many there are."""
        c = document_revisions.c
        where = (c.company_id == company_id, c.task == task, c.key == key)
        columns = [col for col in document_revisions.c if col.name != "body"]
        query = sa.select(*columns).where(*where).order_by(c.revision.desc()).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            rows = [DocumentRevision.model_validate(dict(row) | {"body": ""}) for row in conn.execute(query).mappings()]
            total = conn.execute(sa.select(sa.func.count()).select_from(document_revisions).where(*where)).scalar_one()
        return rows, total

    def company_document_revisions(self, company_id: str) -> list[DocumentRevision]:
        """Every revision of every document of the company, with its body, by task, key and number
        (what an export carries)."""
        c = document_revisions.c
        query = sa.select(document_revisions).where(c.company_id == company_id).order_by(c.task, c.key, c.revision)
        with self.engine.connect() as conn:
            return [DocumentRevision.model_validate(dict(row)) for row in conn.execute(query).mappings()]

    def add_document_revisions(self, revisions: list[DocumentRevision]) -> None:
        """Keep revisions as they were (an import), each document's latest as its row. Idempotent."""
        if not revisions:
            return
        latest = {(r.company_id, r.task, r.key): r for r in sorted(revisions, key=lambda r: r.revision)}
        heads = [_head(r) | {"company_id": r.company_id, "task": r.task, "key": r.key} for r in latest.values()]
        with self._write() as conn:
            stmt = self._insert(document_revisions).on_conflict_do_nothing(
                index_elements=["company_id", "task", "key", "revision"]
            )
            conn.execute(stmt, [r.model_dump() for r in revisions])
            self._upsert(conn, documents, heads, keys=("company_id", "task", "key"), keep=("id",))


def _latest(conn: Connection, company_id: str, task: str, key: str) -> DocumentRevision | None:
    c = document_revisions.c
    query = (
        sa.select(document_revisions)
        .where(c.company_id == company_id, c.task == task, c.key == key)
        .order_by(c.revision.desc())
        .limit(1)
    )
    row = conn.execute(query).mappings().first()
    return None if row is None else DocumentRevision.model_validate(dict(row))


def _repeats(latest: DocumentRevision, saved: DocumentRevision) -> bool:
    """`latest` is what this very save made (a repeat of a save that went through)."""
    return (latest.revision, latest.body, latest.author, latest.restored_from) == (
        saved.revision,
        saved.body,
        saved.author,
        saved.restored_from,
    )


def _stale(key: str, base: int, latest: DocumentRevision | None) -> DocumentConflict:
    if latest is None:
        message = f"document '{key}' has no revision {base}: it does not exist yet (save it with base_revision 0)"
    elif base == 0:
        message = f"document '{key}' exists already, at revision {latest.revision}: save against that revision"
    else:
        message = (
            f"document '{key}' is at revision {latest.revision} (by {latest.author}), not {base}: "
            "read it and save against it"
        )
    return DocumentConflict(message, latest)


def _keep_latest(conn: Connection, saved: DocumentRevision) -> None:
    """Point the document's row (its search entry) at the new revision."""
    head = _head(saved)
    c = documents.c
    where = (c.company_id == saved.company_id, c.task == saved.task, c.key == saved.key)
    if saved.revision == 1:
        conn.execute(
            sa.insert(documents), [head | {"company_id": saved.company_id, "task": saved.task, "key": saved.key}]
        )
    else:
        conn.execute(sa.update(documents).where(*where).values(**head))


def _head(revision: DocumentRevision) -> dict[str, Any]:
    """What a document's row says of its latest revision."""
    return {
        "revision": revision.revision,
        "body": revision.body,
        "author": revision.author,
        "updated_at": revision.created_at,
    }


def _entry(saved: DocumentRevision, agent: str | None) -> ActivityEntry:
    what = f"restored revision {saved.restored_from} of" if saved.restored_from else "saved"
    return ActivityEntry(
        id=f"document:{saved.company_id}:{saved.task}:{saved.key}:{saved.revision}",
        company_id=saved.company_id,
        at=saved.created_at,
        kind=SAVED,
        actor=saved.author,
        task=saved.task,
        agent=agent,
        summary=f"{saved.author} {what} document '{saved.key}' of {saved.task} (revision {saved.revision})",
        data={
            "key": saved.key,
            "revision": saved.revision,
            "restored_from": saved.restored_from,
            "chars": len(saved.body),
        },
    )
