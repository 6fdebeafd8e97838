"""What the store forgets: a deleted company's every row (in every table that has one, found
from the metadata) with its search entries, and expired rows by kind (`paperclip.lifecycle`)."""

from datetime import UTC, datetime, timedelta

import sqlalchemy as sa

from paperclip.attachments import AttachmentStorage
from paperclip.lifecycle.retention import PurgeInput, RetentionKind, purge_expired
from paperclip.models import SessionRef
from paperclip.store import Store
from paperclip.store.lifecycle import company_tables
from paperclip.store.tables import activity_log, messages, metadata, tasks, tool_outputs
from tests.lifecycle.rows import counts, fill, insert
from tests.store.factories import migrate_to

NOW = datetime(2026, 6, 1, tzinfo=UTC)
OLD = NOW - timedelta(days=100)
RECENT = NOW - timedelta(days=5)


def test_the_company_tables_are_every_table_with_a_company_id_and_companies() -> None:
    names = {table.name for table, _ in company_tables()}
    assert names == {t.name for t in metadata.tables.values() if "company_id" in t.c} | {"companies"}
    assert {"messages", "tasks", "activity_log", "tool_outputs", "hooks", "cost_events"} <= names


def test_deleting_a_company_empties_each_of_its_tables_and_leaves_another_company_untouched(store: Store) -> None:
    fill(store, "acme")
    fill(store, "beta")
    assert set(counts(store, "acme").values()) == {1}
    assert {hit.company_id for hit in store.search(None, "rocket")} == {"acme", "beta"}
    kinds = {hit.kind for hit in store.search(["beta"], "rocket")}
    assert {"message", "task"} <= kinds

    removed = store.delete_company_rows("acme")

    assert removed == {table.name: 1 for table, _ in company_tables()}
    assert set(counts(store, "acme").values()) == {0}
    assert set(counts(store, "beta").values()) == {1}
    hits = store.search(None, "rocket")
    assert {hit.company_id for hit in hits} == {"beta"} and {hit.kind for hit in hits} == kinds
    if store.dialect == "sqlite":  # the search index's own tables follow by triggers
        with store.engine.connect() as conn:
            keys = conn.execute(sa.text("SELECT company_id, count(*) FROM search_keys GROUP BY company_id")).all()
        assert dict(keys) == {"beta": len(kinds)}  # one entry of each kind
    assert store.delete_company_rows("acme") == {}


def conversation(store: Store, task: str, status: str, updated_at: datetime, words: str) -> None:
    insert(store, tasks, "acme", identifier=task, status=status, updated_at=updated_at, title=f"{task} title")
    for seq in (1, 2):
        insert(store, messages, "acme", words, task=task, seq=seq, idx=0, created_at=OLD)


def message_tasks(store: Store) -> dict[str, int]:
    with store.engine.connect() as conn:
        query = sa.select(messages.c.task, sa.func.count()).group_by(messages.c.task)
        return {task: n for task, n in conn.execute(query).all()}


def test_a_finished_tasks_conversation_goes_whole_once_the_task_is_older_than_the_cutoff(store: Store) -> None:
    conversation(store, "ACME-1", "done", OLD, "alpha saturn")
    conversation(store, "ACME-2", "cancelled", RECENT, "bravo saturn")
    conversation(store, "ACME-3", "running", OLD, "charlie saturn")  # open: its next turn loads them
    conversation(store, "ACME-4", "blocked", OLD, "delta saturn")

    assert store.purge_conversations(NOW - timedelta(days=30)) == 2

    assert message_tasks(store) == {"ACME-2": 2, "ACME-3": 2, "ACME-4": 2}
    assert store.search(["acme"], "alpha", kinds=["message"]) == []
    assert {hit.task for hit in store.search(["acme"], "saturn", kinds=["message"])} == {"ACME-2", "ACME-3", "ACME-4"}
    with store.engine.connect() as conn:  # the tasks' records stay
        assert len(conn.execute(sa.select(tasks.c.identifier)).all()) == 4


def test_tool_outputs_and_activity_go_by_age(store: Store) -> None:
    session = SessionRef(company_id="acme", task="ACME-1", agent="ceo")
    old, new = store.save_tool_output(session, "c1", "old"), store.save_tool_output(session, "c2", "new")
    with store.engine.begin() as conn:
        conn.execute(sa.update(tool_outputs).where(tool_outputs.c.ref == old).values(created_at=OLD))
    insert(store, activity_log, "acme", id="a-old", at=OLD)
    insert(store, activity_log, "acme", id="a-new", at=RECENT)

    assert store.purge_tool_outputs(NOW - timedelta(days=30)) == 1
    assert store.tool_output("acme", old) is None and store.tool_output("acme", new) is not None
    assert store.purge_activity(NOW - timedelta(days=30)) == 1
    with store.engine.connect() as conn:
        assert conn.execute(sa.select(activity_log.c.id)).scalars().all() == ["a-new"]


def unopened() -> AttachmentStorage:
    raise AssertionError("the attachments' storage is opened only to purge attachments")


def test_purge_expired_purges_each_kind_by_its_days_and_never_one_kept_forever(store: Store) -> None:
    insert(store, activity_log, "acme", id="a-old", at=OLD)
    session = SessionRef(company_id="acme", task="ACME-1", agent="ceo")
    ref = store.save_tool_output(session, "c1", "old")
    with store.engine.begin() as conn:
        conn.execute(sa.update(tool_outputs).values(created_at=OLD))
    keep = {RetentionKind.ACTIVITY: 200, RetentionKind.TOOL_OUTPUTS: 30, RetentionKind.CONVERSATIONS: 0}

    result = purge_expired(store, PurgeInput(keep_days=keep), unopened, now=NOW)

    assert result.purged == {RetentionKind.ACTIVITY: 0, RetentionKind.TOOL_OUTPUTS: 1}
    assert result.before[RetentionKind.TOOL_OUTPUTS] == NOW - timedelta(days=30)
    assert store.tool_output("acme", ref) is None
    later = purge_expired(store, PurgeInput(keep_days=keep), unopened, now=NOW + timedelta(days=150))
    assert later.purged[RetentionKind.ACTIVITY] == 1


def index_columns(store: Store) -> set[tuple[str, ...]]:
    inspector = sa.inspect(store.engine)
    return {
        (table, *(c for c in index["column_names"] if c))
        for table in ("activity_log", "tool_outputs", "tasks")
        for index in inspector.get_indexes(table)
    }


def test_migration_0022_indexes_what_the_purges_delete_by_and_goes_back(store: Store) -> None:
    wanted = {("activity_log", "at"), ("tool_outputs", "created_at"), ("tasks", "status", "updated_at")}
    assert wanted <= index_columns(store)
    migrate_to(store, "0021", down=True)
    assert not wanted & index_columns(store)
    store.migrate()
    assert wanted <= index_columns(store)
