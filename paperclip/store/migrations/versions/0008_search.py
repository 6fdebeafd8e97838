"""Full-text search over messages and task titles, indexing the rows already there.

PostgreSQL: GIN indexes over `to_tsvector('english', …)`, which the database keeps up to date.
SQLite: an FTS5 table (`search_index`, Porter stemming like PostgreSQL's English) kept up to date
by triggers on `messages` and `tasks`. Its rowid is the id of the row's key in `search_keys`:
the source tables have no integer key, and their implicit rowids may change on VACUUM.

Only a message's first 100,000 characters are indexed: past that PostgreSQL's tsvector may
exceed its 1 MB limit, which would fail the message's write. `paperclip.store.search` queries
these exact expressions.

Revision ID: 0008
Revises: 0007
Create Date: 2026-11-22
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0008"
down_revision: str | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

SOURCES = {
    # kind: (table, the column whose change changes the text, then of a `{row}`: task, seq, idx, text)
    "message": ("messages", "content", "{row}.task", "{row}.seq", "{row}.idx", "substr({row}.content, 1, 100000)"),
    "task": ("tasks", "title", "{row}.identifier", "0", "0", "{row}.title"),
}

POSTGRESQL_INDEXES = {
    "ix_messages_search": ("messages", "to_tsvector('english', left(content, 100000))"),
    "ix_tasks_search": ("tasks", "to_tsvector('english', title)"),
}


def _sqlite_statements(kind: str) -> list[str]:
    """The triggers that keep `kind`'s rows in the index, then the statements that index those there."""
    table, column, *parts = SOURCES[kind]
    new_task, new_seq, new_idx, new_text = (part.format(row="new") for part in parts)
    old_task, old_seq, old_idx, old_text = (part.format(row="old") for part in parts)
    src_task, src_seq, src_idx, src_text = (part.format(row="src") for part in parts)
    key = f"kind = '{kind}' AND company_id = old.company_id"
    key += f" AND task = {old_task} AND seq = {old_seq} AND idx = {old_idx}"
    add = (
        "INSERT INTO search_keys (kind, company_id, task, seq, idx)"
        f" SELECT '{kind}', new.company_id, {new_task}, {new_seq}, {new_idx} WHERE {new_text} != '';"
        f" INSERT INTO search_index (rowid, body) SELECT last_insert_rowid(), {new_text} WHERE {new_text} != '';"
    )
    remove = f"DELETE FROM search_index WHERE rowid = (SELECT id FROM search_keys WHERE {key});"
    remove += f" DELETE FROM search_keys WHERE {key};"
    return [
        f"CREATE TRIGGER search_{table}_insert AFTER INSERT ON {table} BEGIN {add} END",
        f"CREATE TRIGGER search_{table}_update AFTER UPDATE OF {column} ON {table}"
        f" WHEN {old_text} IS NOT {new_text} BEGIN {remove} {add} END",
        f"CREATE TRIGGER search_{table}_delete AFTER DELETE ON {table} BEGIN {remove} END",
        "INSERT INTO search_keys (kind, company_id, task, seq, idx)"
        f" SELECT '{kind}', company_id, {src_task}, {src_seq}, {src_idx} FROM {table} AS src WHERE {src_text} != ''",
        f"INSERT INTO search_index (rowid, body) SELECT k.id, {src_text} FROM search_keys AS k JOIN {table} AS src"
        f" ON k.kind = '{kind}' AND k.company_id = src.company_id AND k.task = {src_task}"
        f" AND k.seq = {src_seq} AND k.idx = {src_idx}",
    ]


def upgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name, (table, expression) in POSTGRESQL_INDEXES.items():
            op.execute(f"CREATE INDEX {name} ON {table} USING gin ({expression})")
        return
    op.execute(
        "CREATE TABLE search_keys (id INTEGER PRIMARY KEY, kind VARCHAR(16) NOT NULL,"
        " company_id VARCHAR(63) NOT NULL, task VARCHAR(200) NOT NULL, seq INTEGER NOT NULL, idx INTEGER NOT NULL,"
        " CONSTRAINT uq_search_keys_company_id UNIQUE (company_id, task, kind, seq, idx))"
    )
    op.execute("CREATE VIRTUAL TABLE search_index USING fts5(body, tokenize = 'porter unicode61')")
    for kind in SOURCES:
        for statement in _sqlite_statements(kind):
            op.execute(statement)


def downgrade() -> None:
    if op.get_bind().dialect.name == "postgresql":
        for name in POSTGRESQL_INDEXES:
            op.execute(f"DROP INDEX {name}")
        return
    for table, *_ in SOURCES.values():
        for event in ("insert", "update", "delete"):
            op.execute(f"DROP TRIGGER search_{table}_{event}")
    op.execute("DROP TABLE search_index")
    op.execute("DROP TABLE search_keys")
