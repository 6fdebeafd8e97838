"""`paperclip migrate`: bring the store's schema to the newest revision, once, as a job.

A deployment runs it before the new version's API and workers start (and sets
`PAPERCLIP_MIGRATE_ON_START=false` on them). `Store.migrate` holds the lock that serialises
migrations — a PostgreSQL advisory lock, SQLite's write lock (`BEGIN IMMEDIATE`, a lock on the
file) — for the whole upgrade, so two jobs, or a job and a process starting with the old setting,
migrate once and the second finds the schema at head.
"""

from cli.common import console, fail
from paperclip.doctor import schema_revisions
from paperclip.settings import get_settings
from paperclip.store import Store


def migrate() -> None:
    """Migrate the store (PAPERCLIP_DATABASE_URL, else SQLite in PAPERCLIP_HOME) to the newest schema."""
    store = Store.from_settings(get_settings())
    try:
        before = store.migrate()
        after = schema_revisions(store)
    except Exception as error:  # noqa: BLE001 - the driver's or Alembic's error, as one line
        fail(f"the store was not migrated: {type(error).__name__}: {str(error).splitlines()[0]}")
    finally:
        store.dispose()
    if before == after.current:
        console.print(f"store schema already at revision {after.head}", highlight=False)
    else:
        console.print(f"store schema migrated from {before or 'empty'} to revision {after.current}", highlight=False)
