from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import sqlalchemy as sa

from paperclip.keyring import Keyring
from paperclip.keys import BoundKey
from paperclip.models import Endpoint, EndpointKind
from paperclip.secrets import SecretBox
from paperclip.settings import Settings
from paperclip.store import Store
from tests.store.factories import T0, migrate_to

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
    "approvals",
    "mcp_servers",
    "standing",
    "cli_usage_baselines",
    "agent_revisions",
    "pipelines",
    "pipeline_runs",
    "hooks",
    "hook_deliveries",
    "webhook_subscriptions",
    "github_monitors",
    "pull_request_reviews",
    "documents",
    "document_revisions",
    "attachments",
    "labels",
    "work_products",
}


def table_names(store: Store) -> set[str]:
    return set(sa.inspect(store.engine).get_table_names())


def test_migrate_creates_the_tables_at_head(store: Store) -> None:
    assert TABLES <= table_names(store)
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "0028"


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


def test_credentials_and_endpoints_kept_by_the_migration_are_the_deployments_bound_to_their_urls(
    database: str,
) -> None:
    store = Store(database)
    migrate_to(store, "0008")
    box = SecretBox(b"k" * 32)
    with store.engine.begin() as conn:
        for name, url, has_key in (
            ("my-llm", "http://LLM.example:8080/v1/", True),
            ("ollama", "http://127.0.0.1:11434/v1", False),
        ):
            conn.execute(
                sa.text(
                    "INSERT INTO endpoints (name, kind, url, model, has_key, created_at)"
                    " VALUES (:name, 'openai-compatible', :url, NULL, :has_key, :at)"
                ),
                {"name": name, "url": url, "has_key": has_key, "at": T0},
            )
        for name in ("my-llm", "loose"):
            conn.execute(
                sa.text("INSERT INTO credentials (name, sealed, updated_at) VALUES (:name, :sealed, :at)"),
                {"name": name, "sealed": box.seal(name, f"sk-{name}"), "at": T0},
            )

    store.migrate()

    assert store.list_endpoints() == [
        Endpoint(name="my-llm", kind=EndpointKind.OPENAI_COMPATIBLE, url="http://LLM.example:8080/v1/", has_key=True),
        Endpoint(name="ollama", kind=EndpointKind.OPENAI_COMPATIBLE, url="http://127.0.0.1:11434/v1"),
    ]
    kept = {(c.team, c.name): (c.urls, c.endpoint, c.sealed is not None) for c in store.list_credentials()}
    assert kept == {
        (None, "my-llm"): (("http://llm.example:8080/v1",), True, True),
        (None, "ollama"): (("http://127.0.0.1:11434/v1",), True, False),
        (None, "loose"): ((), False, True),  # no endpoint: bound nowhere until given URLs
    }
    keys = Keyring(store, Settings(), box, environ={}, cache_seconds=0)
    assert keys.resolve("red", "my-llm") == BoundKey(
        name="my-llm", secret="sk-my-llm", urls=("http://llm.example:8080/v1",), bucket="my-llm"
    )
    assert keys.resolve(None, "ollama") == BoundKey(
        name="ollama", secret="no-key", urls=("http://127.0.0.1:11434/v1",), bucket="ollama"
    )
    assert keys.resolve(None, "loose") is not None and not keys.resolve(None, "loose").allows("http://llm.example")

    migrate_to(store, "0008", down=True)  # back: the deployment's keyed rows only
    with store.engine.connect() as conn:
        assert sorted(conn.execute(sa.text("SELECT name FROM credentials")).scalars()) == ["loose", "my-llm"]
        assert sorted(conn.execute(sa.text("SELECT name FROM endpoints")).scalars()) == ["my-llm", "ollama"]
    store.dispose()
