"""Work products by company and task (`paperclip.models.work_products`), each with its line in
the activity log.

A product is inserted once per (company, task, kind, value): the same product again (a retried
activity, a tool run twice) is not doubled, and neither is its activity entry, whose id is made
from the same key. The table is defined here, on the store's metadata, beside its only reader.
"""

import hashlib
from datetime import datetime

import sqlalchemy as sa

from paperclip.models import ActivityEntry
from paperclip.models.work_products import DeclaredProduct, WorkProduct, WorkProductKind
from paperclip.store.engine import StoreCore, utc_now
from paperclip.store.records import activity_row
from paperclip.store.tables import BigIntegerPK, UTCDateTime, activity_log, metadata

RECORDED = "work_product.recorded"
"""The activity log's kind for a product kept."""

work_products = sa.Table(
    "work_products",
    metadata,
    sa.Column("id", BigIntegerPK, primary_key=True, autoincrement=True),
    sa.Column("company_id", sa.String(63), nullable=False),
    sa.Column("task", sa.String(200), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("value", sa.Text, nullable=False),
    sa.Column("value_digest", sa.String(64), nullable=False),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("recorded_by", sa.String(100), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.UniqueConstraint("company_id", "task", "kind", "value_digest"),
    sa.Index(None, "company_id", "id"),
    sqlite_autoincrement=True,
)
"""What tasks produced; `value_digest` (sha256 of the value) keys it, as a long URL may not fit an index."""

KEY = ["company_id", "task", "kind", "value_digest"]


def product_key(company_id: str, task: str, kind: WorkProductKind, value: str) -> str:
    """The product's activity entry id: the same product, the same entry."""
    digest = hashlib.sha256(f"{company_id}\0{task}\0{kind.value}\0{value}".encode()).hexdigest()[:32]
    return f"work-product:{digest}"


class WorkProductStore(StoreCore):
    """What tasks produced."""

    def record_work_products(
        self,
        company_id: str,
        task: str,
        products: list[DeclaredProduct],
        *,
        recorded_by: str,
        actor: str,
        now: datetime | None = None,
    ) -> int:
        """Keep the products of `task` not kept yet, each with an activity entry by `actor`;
        answers how many were new. Idempotent."""
        at = now or utc_now()
        added = 0
        with self._write() as conn:
            for product in products:
                row = {
                    "company_id": company_id,
                    "task": task,
                    "kind": product.kind.value,
                    "value": product.value,
                    "value_digest": hashlib.sha256(product.value.encode()).hexdigest(),
                    "title": product.title,
                    "recorded_by": recorded_by,
                    "created_at": at,
                }
                insert = self._insert(work_products).values(row).on_conflict_do_nothing(index_elements=KEY)
                if conn.execute(insert.returning(work_products.c.id)).first() is None:
                    continue
                added += 1
                entry = ActivityEntry(
                    id=product_key(company_id, task, product.kind, product.value),
                    company_id=company_id,
                    at=at,
                    kind=RECORDED,
                    actor=actor,
                    task=task,
                    summary=f"{product.kind.value} {product.value}"[:500],
                    data={"kind": product.kind.value, "value": product.value, "title": product.title}
                    | {"recorded_by": recorded_by},
                )
                logged = self._insert(activity_log).on_conflict_do_nothing(index_elements=["id"])
                conn.execute(logged, [activity_row(entry)])
        return added

    def add_work_products(self, products: list[WorkProduct]) -> int:
        """Keep products as they were (an import: their companies, tasks, authors and times), without
        activity entries (the import carries the log); answers how many were new. Idempotent."""
        added = 0
        with self._write() as conn:
            for product in products:
                row = product.model_dump(mode="python", exclude={"id"}) | {
                    "kind": product.kind.value,
                    "value_digest": hashlib.sha256(product.value.encode()).hexdigest(),
                }
                insert = self._insert(work_products).values(row).on_conflict_do_nothing(index_elements=KEY)
                added += conn.execute(insert.returning(work_products.c.id)).first() is not None
        return added

    def list_work_products(
        self,
        company_id: str,
        *,
        task: str | None = None,
        kind: WorkProductKind | None = None,
        limit: int = 100,
        before: int | None = None,
    ) -> list[WorkProduct]:
        """The company's products (of `task`, of `kind`; with an id below `before`), newest first."""
        c = work_products.c
        query = sa.select(work_products).where(c.company_id == company_id)
        if task is not None:
            query = query.where(c.task == task)
        if kind is not None:
            query = query.where(c.kind == WorkProductKind(kind).value)
        if before is not None:
            query = query.where(c.id < before)
        query = query.order_by(c.id.desc()).limit(limit)
        with self.engine.connect() as conn:
            rows = conn.execute(query).mappings().all()
        return [WorkProduct.model_validate({k: row[k] for k in WorkProduct.model_fields}) for row in rows]
