"""What the store keeps of each attachment (`paperclip.attachments` keeps the bytes).

Every read is within one company: another company's attachment is no attachment at all. Adding
is idempotent by (company, id), so an activity that attaches a file again after a retry (its id
derived from the call) meets its own row.
"""

from typing import Any

import sqlalchemy as sa

from paperclip.models import ActivityEntry
from paperclip.models.attachments import Attachment
from paperclip.store.engine import StoreCore, utc_now
from paperclip.store.records import activity_row
from paperclip.store.tables import activity_log
from paperclip.store.task_tables import attachments

ADDED = "attachment.added"
DELETED = "attachment.deleted"
"""The activity log's kinds for a file attached and removed."""


class AttachmentStore(StoreCore):
    """Attachments' records, by company and task."""

    def add_attachment(self, company_id: str, attachment: Attachment) -> bool:
        """Keep an attachment's record, with its activity entry (by its uploader); False when the
        company has one by that id already."""
        row = {"company_id": company_id, **attachment.model_dump()}
        added = self._insert(attachments).values(row).on_conflict_do_nothing(index_elements=["company_id", "id"])
        with self._write() as conn:
            if conn.execute(added.returning(attachments.c.id)).first() is None:
                return False
            summary = f"{attachment.uploaded_by} attached {attachment.filename} ({attachment.size} bytes)"
            entry = _entry(company_id, ADDED, attachment, attachment.uploaded_by, attachment.created_at, summary)
            conn.execute(sa.insert(activity_log), [entry])
            return True

    def list_attachments(self, company_id: str, task: str | None = None) -> list[Attachment]:
        """The company's attachments (of `task` only, when given), oldest first."""
        c = attachments.c
        query = sa.select(attachments).where(c.company_id == company_id)
        if task is not None:
            query = query.where(c.task == task)
        with self.engine.connect() as conn:
            rows = conn.execute(query.order_by(c.created_at, c.id)).all()
        return [_attachment_of(row) for row in rows]

    def get_attachment(self, company_id: str, attachment_id: str) -> Attachment | None:
        c = attachments.c
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(attachments).where(c.company_id == company_id, c.id == attachment_id)).first()
        return None if row is None else _attachment_of(row)

    def delete_attachment(self, company_id: str, attachment_id: str, *, actor: str = "board") -> bool:
        """Forget the record, with an activity entry by `actor`; False when there was none. (The
        caller removes the bytes.)"""
        c = attachments.c
        gone = sa.delete(attachments).where(c.company_id == company_id, c.id == attachment_id).returning(attachments)
        with self._write() as conn:
            row = conn.execute(gone).first()
            if row is None:
                return False
            attachment = _attachment_of(row)
            summary = f"{actor} removed {attachment.filename} of {attachment.task}"
            conn.execute(sa.insert(activity_log), [_entry(company_id, DELETED, attachment, actor, utc_now(), summary)])
            return True


def _attachment_of(row: Any) -> Attachment:
    return Attachment.model_validate({k: v for k, v in row._mapping.items() if k != "company_id"})


def _entry(company_id: str, kind: str, attachment: Attachment, actor: str, at: Any, summary: str) -> dict[str, Any]:
    """An activity-log row for a file attached or removed (one of each per attachment id)."""
    entry = ActivityEntry(
        id=f"{kind}:{company_id}:{attachment.id}",
        company_id=company_id,
        at=at,
        kind=kind,
        actor=actor,
        task=attachment.task,
        summary=summary[:500],
        data={"id": attachment.id, "filename": attachment.filename, "size": attachment.size},
    )
    return activity_row(entry)
