"""Each company's labels (name, colour): tasks carry their names (`TaskRecord.labels`)."""

import uuid
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from paperclip.models import ActivityEntry
from paperclip.models.projects import Label, LabelInput
from paperclip.store.engine import StoreCore, utc_now
from paperclip.store.records import activity_row
from paperclip.store.tables import activity_log, labels

ADDED = "label.added"
DELETED = "label.deleted"
"""The activity log's kinds for a label added and removed."""


class LabelStore(StoreCore):
    """Companies' labels."""

    def add_label(
        self, company_id: str, label: LabelInput, *, actor: str = "board", now: datetime | None = None
    ) -> Label | None:
        """Add the label, with its activity entry by `actor`; None (and nothing changed) when the
        company has one of that name."""
        at = utc_now()
        row = {"company_id": company_id, **label.model_dump(), "created_at": now or at}
        added = self._insert(labels).values(row).on_conflict_do_nothing(index_elements=["company_id", "name"])
        with self._write() as conn:
            # (rowcount is not reliable on psycopg)
            if conn.execute(added.returning(labels.c.name)).first() is None:
                return None
            summary = f"label {label.name} ({label.colour}) added"
            conn.execute(sa.insert(activity_log), [_entry(company_id, ADDED, label.name, actor, at, summary)])
        return Label.model_validate(row)

    def list_labels(self, company_id: str) -> list[Label]:
        """The company's labels, by name."""
        c = labels.c
        query = sa.select(c.name, c.colour, c.description, c.created_at).where(c.company_id == company_id)
        with self.engine.connect() as conn:
            return [Label.model_validate(dict(row)) for row in conn.execute(query.order_by(c.name)).mappings()]

    def delete_label(self, company_id: str, name: str, *, actor: str = "board") -> bool:
        """Remove the label (tasks that carry it keep its name), with its activity entry by
        `actor`; False when there is none."""
        c = labels.c
        at = utc_now()
        with self._write() as conn:
            gone = conn.execute(
                labels.delete().where(c.company_id == company_id, c.name == name).returning(c.name)
            ).first()
            if gone is not None:
                entry = _entry(company_id, DELETED, name, actor, at, f"label {name} removed")
                conn.execute(sa.insert(activity_log), [entry])
        return gone is not None


def _entry(company_id: str, kind: str, name: str, actor: str, at: datetime, summary: str) -> dict[str, Any]:
    """An activity-log row for a label change (a label may be added again after its removal, so
    the id is new each time)."""
    entry = ActivityEntry(
        id=f"{kind}:{uuid.uuid4().hex}",
        company_id=company_id,
        at=at,
        kind=kind,
        actor=actor,
        summary=summary,
        data={"label": name},
    )
    return activity_row(entry)
