"""Documents on tasks: each document's latest revision (`documents`, which search indexes) and
every revision (`document_revisions`, whose key makes two saves of one base revision collide).

Search: on PostgreSQL a GIN index over the latest body's first 100,000 characters; on SQLite
triggers keep those in the FTS5 table of migration 0008 (`search_keys` kind `document`, its
`seq` the document's id). `paperclip.store.search` queries these exact expressions.

Revision ID: 0024
Revises: 0023
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0024"
down_revision: str | None = "0023"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

POSTGRESQL_INDEX = (
    "CREATE INDEX ix_documents_search ON documents USING gin (to_tsvector('english', left(body, 100000)))"
)


def _sqlite_triggers() -> list[str]:
    """Keep each document's latest body in the search index (as 0008's triggers do for messages)."""
    key = "kind = 'document' AND company_id = old.company_id AND task = old.task AND seq = old.id AND idx = 0"
    add = (
        "INSERT INTO search_keys (kind, company_id, task, seq, idx)"
        " SELECT 'document', new.company_id, new.task, new.id, 0 WHERE new.body != '';"
        " INSERT INTO search_index (rowid, body) SELECT last_insert_rowid(), substr(new.body, 1, 100000)"
        " WHERE new.body != '';"
    )
    remove = f"DELETE FROM search_index WHERE rowid = (SELECT id FROM search_keys WHERE {key});"
    remove += f" DELETE FROM search_keys WHERE {key};"
    return [
        f"CREATE TRIGGER search_documents_insert AFTER INSERT ON documents BEGIN {add} END",
        "CREATE TRIGGER search_documents_update AFTER UPDATE OF body ON documents"
        f" WHEN old.body IS NOT new.body BEGIN {remove} {add} END",
        f"CREATE TRIGGER search_documents_delete AFTER DELETE ON documents BEGIN {remove} END",
    ]


def upgrade() -> None:
    big_id = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
    op.create_table(
        "documents",
        sa.Column("id", big_id, primary_key=True, autoincrement=True, comment="the search index's key"),
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("task", sa.String(200), nullable=False),
        sa.Column("key", sa.String(63), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False, comment="the latest revision"),
        sa.Column("body", sa.Text, nullable=False, comment="the latest revision's body (what search finds)"),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.UniqueConstraint("company_id", "task", "key", name="uq_documents_company_id_task_key"),
    )
    op.create_table(
        "document_revisions",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("task", sa.String(200), nullable=False),
        sa.Column("key", sa.String(63), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False, comment="two saves of one base cannot both take the next"),
        sa.Column("body", sa.Text, nullable=False),
        sa.Column("author", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("restored_from", sa.Integer, nullable=True),
        sa.PrimaryKeyConstraint("company_id", "task", "key", "revision", name="pk_document_revisions"),
    )
    if op.get_bind().dialect.name == "postgresql":
        op.execute(POSTGRESQL_INDEX)
        return
    for statement in _sqlite_triggers():
        op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER search_documents_{event}")
        op.execute("DELETE FROM search_index WHERE rowid IN (SELECT id FROM search_keys WHERE kind = 'document')")
        op.execute("DELETE FROM search_keys WHERE kind = 'document'")
    op.drop_table("document_revisions")
    op.drop_table("documents")  # its search index (PostgreSQL) goes with it
