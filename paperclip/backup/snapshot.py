"""Consistent copies of live databases, and putting them back.

SQLite (the store, and the embedded Temporal dev server's file): SQLite's online backup API,
copying every page in one step under a read lock, so the copy is the database at one instant even
while other processes write to it (a writer waits at most the copy's few milliseconds per MB).
PostgreSQL: `pg_dump` in its custom format (one snapshot transaction), restored by `pg_restore`;
both from PATH (Debian: `apt-get install postgresql-client`).
"""

import os
import shutil
import sqlite3
import subprocess
from pathlib import Path

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from paperclip.errors import PaperclipError
from paperclip.store.engine import normalise_url

SQLITE_BUSY_MS = 15_000
"""How long the copy waits for a writer holding the database's lock."""


class SnapshotError(PaperclipError):
    """A database could not be copied or put back; the message says which and why."""

    kind = "internal"


def sqlite_copy(source: Path, target: Path) -> None:
    """Copy the SQLite database `source` (live or not) into the new file `target`."""
    if not source.exists():
        raise SnapshotError(f"{source} does not exist")
    src = sqlite3.connect(source, timeout=SQLITE_BUSY_MS / 1000)  # not read-only: a WAL file may need its -shm made
    try:
        dst = sqlite3.connect(target)
        try:
            src.backup(dst)  # pages=-1: all at once, so the copy is one instant of the source
            dst.execute("PRAGMA journal_mode = DELETE")  # one self-contained file, no -wal beside it
        finally:
            dst.close()
    except sqlite3.Error as error:
        raise SnapshotError(f"could not copy {source}: {error}") from None
    finally:
        src.close()


def sqlite_put_back(snapshot: Path, target: Path) -> None:
    """Make `target` the database of `snapshot` (any old file and its -wal/-shm removed first)."""
    target.parent.mkdir(parents=True, exist_ok=True)
    for leftover in (target, target.with_name(target.name + "-wal"), target.with_name(target.name + "-shm")):
        leftover.unlink(missing_ok=True)
    shutil.copyfile(snapshot, target)


def sqlite_path(url: str) -> Path:
    """The file of a `sqlite:///…` store URL."""
    database = make_url(url).database
    if not database or database == ":memory:":
        raise SnapshotError("an in-memory SQLite store cannot be backed up")
    return Path(database).expanduser()


def _libpq(url: str) -> tuple[str, dict[str, str]]:
    """A libpq URI for `pg_dump`/`pg_restore`, and the environment that carries its password
    (never the command line, which other users of the host can read)."""
    parsed = make_url(normalise_url(url))
    env = {**os.environ}
    if parsed.password is not None:
        env["PGPASSWORD"] = str(parsed.password)
    uri = parsed.set(drivername="postgresql", password=None).render_as_string(hide_password=False)
    return uri, env


def _pg_tool(name: str) -> str:
    found = shutil.which(name)
    if found is None:
        raise SnapshotError(f"{name} is not on PATH: install PostgreSQL's client tools (Debian: postgresql-client)")
    return found


def _run(command: list[str], env: dict[str, str]) -> None:
    done = subprocess.run(command, env=env, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        detail = (done.stderr or done.stdout).strip().splitlines()
        raise SnapshotError(f"{Path(command[0]).name} failed: {detail[-1] if detail else done.returncode}")


def pg_dump(url: str, target: Path) -> None:
    """Dump the PostgreSQL store at `url` into `target` (custom format, one snapshot)."""
    uri, env = _libpq(url)
    _run([_pg_tool("pg_dump"), "--format=custom", "--no-owner", "--no-privileges", "--file", str(target), uri], env)


def pg_restore(snapshot: Path, url: str, *, clean: bool) -> None:
    """Load a `pg_dump` into the database at `url`; `clean` drops what the dump holds first."""
    uri, env = _libpq(url)
    command = [_pg_tool("pg_restore"), "--no-owner", "--no-privileges", "--exit-on-error", "--single-transaction"]
    if clean:
        command += ["--clean", "--if-exists"]
    _run([*command, "--dbname", uri, str(snapshot)], env)


def migration_head(url: str) -> str | None:
    """The store's Alembic revision (None: an empty database, never migrated)."""
    engine = sa.create_engine(normalise_url(url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            if not sa.inspect(conn).has_table("alembic_version"):
                return None
            return conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar()
    finally:
        engine.dispose()


def has_tables(url: str) -> bool:
    """Whether the database at `url` holds a store already (any table at all)."""
    engine = sa.create_engine(normalise_url(url), poolclass=NullPool)
    try:
        with engine.connect() as conn:
            return bool(sa.inspect(conn).get_table_names())
    finally:
        engine.dispose()
