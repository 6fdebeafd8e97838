"""What the store keeps of each attachment (`paperclip.attachments` keeps the bytes).

Every read is within one company: another company's attachment is no attachment at all. Adding
is idempotent by (company, id), so an activity that attaches a file again after a retry (its id
derived from the call) meets its own row.
"""

from typing import Any

import sqlalchemy as sa

from paperclip.models.attachments import Attachment
from paperclip.store.engine import StoreCore
from paperclip.store.task_tables import attachments


class AttachmentStore(StoreCore):
    """Attachments' records, by company and task."""

    def add_attachment(self, company_id: str, attachment: Attachment) -> bool:
        """Keep an attachment's record; False when the company has one by that id already."""
        row = {"company_id": company_id, **attachment.model_dump()}
        added = self._insert(attachments).values(row).on_conflict_do_nothing(index_elements=["company_id", "id"])
        with self._write() as conn:
            return conn.execute(added.returning(attachments.c.id)).first() is not None

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

    def delete_attachment(self, company_id: str, attachment_id: str) -> bool:
        """Forget the record; False when there was none. (The caller removes the bytes.)"""
        c = attachments.c
        gone = sa.delete(attachments).where(c.company_id == company_id, c.id == attachment_id).returning(c.id)
        with self._write() as conn:
            return conn.execute(gone).first() is not None


def _attachment_of(row: Any) -> Attachment:
    return Attachment.model_validate({k: v for k, v in row._mapping.items() if k != "company_id"})
