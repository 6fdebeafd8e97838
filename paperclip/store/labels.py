"""Each company's labels (name, colour): tasks carry their names (`TaskRecord.labels`)."""

from datetime import datetime

import sqlalchemy as sa

from paperclip.models.projects import Label, LabelInput
from paperclip.store.engine import StoreCore, utc_now
from paperclip.store.tables import labels


class LabelStore(StoreCore):
    """Companies' labels."""

    def add_label(self, company_id: str, label: LabelInput, *, now: datetime | None = None) -> Label | None:
        """Add the label; None (and nothing changed) when the company has one of that name."""
        row = {"company_id": company_id, **label.model_dump(), "created_at": now or utc_now()}
        added = self._insert(labels).values(row).on_conflict_do_nothing(index_elements=["company_id", "name"])
        with self._write() as conn:
            # (rowcount is not reliable on psycopg)
            if conn.execute(added.returning(labels.c.name)).first() is None:
                return None
        return Label.model_validate(row)

    def list_labels(self, company_id: str) -> list[Label]:
        """The company's labels, by name."""
        c = labels.c
        query = sa.select(c.name, c.colour, c.description, c.created_at).where(c.company_id == company_id)
        with self.engine.connect() as conn:
            return [Label.model_validate(dict(row)) for row in conn.execute(query.order_by(c.name)).mappings()]

    def delete_label(self, company_id: str, name: str) -> bool:
        """Remove the label (tasks that carry it keep its name); False when there is none."""
        c = labels.c
        with self._write() as conn:
            gone = conn.execute(
                labels.delete().where(c.company_id == company_id, c.name == name).returning(c.name)
            ).first()
        return gone is not None
