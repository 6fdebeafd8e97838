"""A row in every table of a company's, built from the tables' metadata: a table added later
gets one too, so the deletion test covers it without being told."""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa

from paperclip.store import Store
from paperclip.store.lifecycle import company_tables
from paperclip.store.tables import UTCDateTime

TEAM = "red"
"""The team every row that names one names (made by `fill`)."""


def value(column: sa.Column[Any], company_id: str, words: str) -> Any:
    """A value of the column's type: the company's id, the team for a foreign key, `words` in text."""
    if column.foreign_keys:
        return TEAM
    if isinstance(column.type, sa.JSON):
        return {}
    kind = datetime if isinstance(column.type, UTCDateTime) else column.type.python_type
    if kind is str:
        return f"{company_id} {words}"[: getattr(column.type, "length", None) or None]
    if kind is datetime:
        return datetime(2025, 1, 1, tzinfo=UTC)
    if kind is bool:
        return False
    if kind in (int, float):
        return kind(1)
    if kind is bytes:
        return b"sealed"
    raise AssertionError(f"{column.table.name}.{column.name}: no test value for {kind}")


def row(table: sa.Table, key: sa.Column[str], company_id: str, words: str, **fields: Any) -> dict[str, Any]:
    """A row of the table for the company, `fields` as given and test values in the rest."""
    values: dict[str, Any] = {}
    for column in table.columns:
        if column is key:
            values[column.name] = company_id
        elif column.primary_key and column.autoincrement is True:
            continue  # a sequence
        else:
            values[column.name] = value(column, company_id, words)
    return values | fields


def insert(store: Store, table: sa.Table, company_id: str, words: str = "rocket engine", **fields: Any) -> None:
    """One row of `company_id` in `table` (which has a `company_id` column)."""
    with store.engine.begin() as conn:
        conn.execute(sa.insert(table).values(row(table, table.c.company_id, company_id, words, **fields)))


def fill(store: Store, company_id: str, words: str = "rocket engine") -> None:
    """A row of `company_id` in every table that keeps a company's rows and has none of its yet."""
    store.create_team(TEAM)
    held = counts(store, company_id)
    with store.engine.begin() as conn:
        for table, key in company_tables():
            if not held[table.name]:
                conn.execute(sa.insert(table).values(row(table, key, company_id, words)))


def counts(store: Store, company_id: str) -> dict[str, int]:
    """How many rows of the company each of those tables holds."""
    with store.engine.connect() as conn:
        return {
            table.name: conn.execute(
                sa.select(sa.func.count()).select_from(table).where(key == company_id)
            ).scalar_one()
            for table, key in company_tables()
        }
