from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from paperclip.settings import Settings
from paperclip.store import Store

TABLES = {
    "companies",
    "tasks",
    "messages",
    "cost_events",
    "activity_log",
    "credential_limits",
    "credentials",
    "endpoints",
    "teams",
    "users",
    "memberships",
    "api_keys",
    "company_teams",
    "idempotency_keys",
}


def table_names(store: Store) -> set[str]:
    return set(sa.inspect(store.engine).get_table_names())


def test_migrate_creates_the_tables_at_head(store: Store) -> None:
    assert TABLES <= table_names(store)
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "0009"


def test_migrate_again_changes_nothing(store: Store) -> None:
    store.migrate()
    store.migrate()
    assert TABLES <= table_names(store)
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one() == 1


def test_concurrent_migrations_of_a_new_database_both_succeed(database: str) -> None:
    stores = [Store(database) for _ in range(3)]
    with ThreadPoolExecutor(len(stores)) as pool:
        list(pool.map(lambda store: store.migrate(), stores))
    assert TABLES <= table_names(stores[0])
    for store in stores:
        store.dispose()


def test_ping_answers_before_any_migration(database: str) -> None:
    store = Store(database)
    store.ping()
    store.dispose()


def test_from_settings_creates_the_sqlite_folder(tmp_path: Path) -> None:
    store = Store.from_settings(Settings(home=tmp_path / "new" / "home"))
    store.migrate()
    assert (tmp_path / "new" / "home" / "paperclip.db").exists()
    with store.engine.connect() as conn:
        assert conn.exec_driver_sql("PRAGMA journal_mode").scalar_one() == "wal"
    store.dispose()


def test_a_postgresql_url_uses_psycopg_3() -> None:
    assert Store("postgresql://u:p@db/paperclip").url == "postgresql+psycopg://u:p@db/paperclip"
