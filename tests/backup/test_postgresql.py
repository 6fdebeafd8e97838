"""A PostgreSQL store is backed up with `pg_dump` and restored with `pg_restore` into a fresh
database; a database that holds a store already is replaced only with `force`."""

from collections.abc import Iterator
from pathlib import Path

import pytest

from paperclip.backup import RestoreRefused, backup_key, create_backup, restore_backup
from paperclip.backup.snapshot import migration_head
from paperclip.models import CompanySpec, Message, SessionRef
from paperclip.secrets import SecretBox, load_key
from paperclip.settings import Settings
from paperclip.store import Store
from tests.pg import fresh_database
from tests.store.factories import cost_event

SESSION = SessionRef(company_id="acme", task="ACME-1", agent="ceo")


@pytest.fixture
def server(postgresql_server: str | None) -> str:
    if postgresql_server is None:
        pytest.fail("no PostgreSQL: set PAPERCLIP_TEST_DATABASE_URL or install Debian's postgresql package")
    return postgresql_server


@pytest.fixture
def source(server: str) -> Iterator[str]:
    with fresh_database(server) as url:
        yield url


def fill(store: Store, home: Path) -> None:
    store.migrate()
    store.upsert_company(CompanySpec(id="acme", name="Acme", prefix="ACME"))
    reply = Message(role="assistant", content="On it.")
    asked = [Message(role="user", content="Launch")]
    store.save_turn(SESSION, seq=1, new_messages=asked, reply=reply, cost=cost_event(1))
    store.put_credential(
        None, "OPENAI_API_KEY", SecretBox(load_key(home)).seal("OPENAI_API_KEY", "sk-pg"), ["https://x"]
    )


def contents(store: Store) -> tuple[object, ...]:
    return (
        [c.id for c in store.list_companies()],
        [(m.role, m.content) for m in store.list_messages("acme", "ACME-1")],
        [(c.seq, c.cost_usd) for c in store.list_cost_events("acme")],
    )


def test_a_postgresql_store_restores_into_a_fresh_database(source: str, server: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = Settings(home=home, database_url=source, temporal_address="127.0.0.1:7233")
    store = Store(source)
    fill(store, home)
    before = contents(store)
    store.dispose()
    archive, manifest = create_backup(settings, backup_key(settings))
    assert manifest.store_kind == "postgresql" and [f.name for f in manifest.files] == ["store.pgdump"]
    assert manifest.migration_head == migration_head(source)

    with fresh_database(server) as target:
        fresh = Settings(home=tmp_path / "fresh", database_url=target, temporal_address="127.0.0.1:7233")
        _, done = restore_backup(archive, fresh, backup_key(settings), secret_key=load_key(home))
        assert done[0] == "store → the database PAPERCLIP_DATABASE_URL names"
        restored = Store(target)
        try:
            assert contents(restored) == before
            sealed = restored.get_credential(None, "OPENAI_API_KEY")
            assert sealed is not None and sealed.sealed is not None
            assert SecretBox(load_key(tmp_path / "fresh")).open(sealed.bucket, sealed.sealed) == "sk-pg"
            restored.upsert_company(CompanySpec(id="later", name="Later", prefix="LATE"))
        finally:
            restored.dispose()

        with pytest.raises(RestoreRefused, match="already holds a store"):
            restore_backup(archive, fresh, backup_key(settings), force=False)
        restore_backup(archive, fresh, backup_key(settings), force=True)
        again = Store(target)
        try:
            assert contents(again) == before  # the company made after the backup is gone
        finally:
            again.dispose()


def test_a_sqlite_archive_does_not_restore_into_a_postgresql_deployment(source: str, tmp_path: Path) -> None:
    home = tmp_path / "home"
    sqlite = Settings(home=home, temporal_address="127.0.0.1:7233")
    Store.from_settings(sqlite).migrate()
    archive, _ = create_backup(sqlite, backup_key(sqlite))
    postgres = Settings(home=home, database_url=source, temporal_address="127.0.0.1:7233")
    with pytest.raises(RestoreRefused, match="holds a sqlite store and this deployment's store is postgresql"):
        restore_backup(archive, postgres, backup_key(sqlite))
