"""`paperclip migrate`: bring the store's schema to the newest revision, once, as a job.

A deployment runs it before the new version's API and workers start (and sets
`PAPERCLIP_MIGRATE_ON_START=false` on them). `Store.migrate` holds the lock that serialises
migrations — a PostgreSQL advisory lock, SQLite's write lock (`BEGIN IMMEDIATE`, a lock on the
file) — for the whole upgrade, so two jobs, or a job and a process starting with the old setting,
migrate once and the second finds the schema at head.

`paperclip migrate --wait SECONDS` changes nothing: it waits for the job's work (the schema at the
newest revision this code knows), so a pod's init container can hold the API or a worker back
until then, where nothing orders the job before them (Kubernetes applies a Job and a Deployment at
once).
"""

from __future__ import annotations

import time
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import console, fail

if TYPE_CHECKING:  # the store and Alembic are imported by the command, not when the CLI starts
    from paperclip.doctor import SchemaRevisions
    from paperclip.store import Store

POLL_SECONDS = 2.0
FIX = "run `paperclip migrate`"


def _revisions(store: Store) -> SchemaRevisions | None:
    """Where the schema is, or None while the database does not answer (it may be starting too)."""
    from paperclip.doctor import schema_revisions

    try:
        return schema_revisions(store)
    except Exception:  # noqa: BLE001 - any driver error: not reachable yet, asked again
        return None


def _wait(store: Store, seconds: float) -> None:
    deadline = time.monotonic() + seconds
    while True:
        found = _revisions(store)
        if found is not None and found.at_head:
            console.print(f"store schema at revision {found.head}", highlight=False)
            return
        if time.monotonic() >= deadline:
            where = "the store did not answer" if found is None else f"it is at {found.current or 'empty'}"
            from paperclip.doctor.schema import head_revision

            head = head_revision()
            fail(f"the store's schema did not reach revision {head} within {seconds:g}s ({where}): {FIX}")
        time.sleep(POLL_SECONDS)


def migrate(
    wait: Annotated[
        float | None,
        typer.Option(
            "--wait",
            min=0,
            help="Migrate nothing: wait up to SECONDS for the schema to be at the newest revision (exit 1 if not).",
        ),
    ] = None,
) -> None:
    """Migrate the store (PAPERCLIP_DATABASE_URL, else SQLite in PAPERCLIP_HOME) to the newest schema."""
    from paperclip.doctor import schema_revisions
    from paperclip.settings import get_settings
    from paperclip.store import Store

    store = Store.from_settings(get_settings())
    try:
        if wait is not None:
            _wait(store, wait)
            return
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
