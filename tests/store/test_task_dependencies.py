"""Task dependencies in the store, on SQLite and PostgreSQL: a record keeps its blockers, inputs
and blocked reason; rows from before migration 0025 read as waiting on nothing."""

import sqlalchemy as sa

from paperclip.models import RecordInput, TaskStatus
from paperclip.store import Store
from tests.store.factories import migrate_to, task_record


def test_a_task_keeps_what_it_waits_for(store: Store) -> None:
    waiting = task_record("ACME-2", blocked_by=["ACME-1", "ACME-3"], inputs=["ACME-1"])
    blocked = task_record(
        "ACME-4", status=TaskStatus.BLOCKED, blocked_by=["ACME-1"], blocked_reason="its blocker ACME-1 failed"
    )
    store.record(RecordInput(tasks=[waiting, blocked, task_record("ACME-1")]))
    got = store.get_task("acme", "ACME-2")
    assert got is not None and got.blocked_by == ["ACME-1", "ACME-3"] and got.inputs == ["ACME-1"]
    got = store.get_task("acme", "ACME-4")
    assert got is not None and got.blocked_reason == "its blocker ACME-1 failed"
    plain = store.get_task("acme", "ACME-1")
    assert plain is not None and (plain.blocked_by, plain.inputs, plain.blocked_reason) == ([], [], None)


def test_rows_from_before_the_migration_wait_on_nothing_and_it_downgrades(database: str) -> None:
    store = Store(database)
    migrate_to(store, "0024")
    row = "INSERT INTO tasks (company_id, identifier, title, brief, assignee, priority, status, turns, input_tokens,"
    row += " output_tokens, cached_input_tokens, cost_usd, created_at, updated_at) VALUES ('acme', 'ACME-1', 't',"
    row += " '', 'ceo', 'medium', 'done', 1, 10, 1, 0, 0.5, '2025-01-01 12:00:00', '2025-01-01 12:00:00')"
    with store.engine.begin() as conn:
        conn.execute(sa.text(row))
    store.migrate()
    old = store.get_task("acme", "ACME-1")
    assert old is not None and old.blocked_by == [] and old.inputs == [] and old.blocked_reason is None
    migrate_to(store, "0024", down=True)
    assert "blocked_by" not in {c["name"] for c in sa.inspect(store.engine).get_columns("tasks")}
    store.dispose()
