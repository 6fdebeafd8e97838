"""The base every part of the store builds on: the engine, its transactions and the schema.

`StoreCore` holds the URL and the engine (built on first use, never at import), opens read and
write transactions, writes rows (plain inserts in the dialect's form, idempotent upserts), runs
the migrations and answers a ping. The store's parts (`paperclip.store.conversations`,
`records`, `access`, …) derive from it and use nothing else of each other; `paperclip.store.Store`
puts them together.

SQLite: every connection waits for another process's write (busy timeout), uses WAL, and a
write transaction takes the write lock at its start (`BEGIN IMMEDIATE`), where the timeout
applies. PostgreSQL: psycopg 3, with pre-ping.
"""

import sqlite3
import threading
import time
from collections.abc import Callable, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any, Self

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from alembic.runtime.migration import MigrationContext
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url

from paperclip.errors import InvalidInput
from paperclip.settings import Settings

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_SECONDS = 15.0
"""How long a SQLite writer waits for another process (worker, API) to finish its write."""
_MIGRATION_LOCK = 7_263_117_001
"""PostgreSQL advisory lock id held while migrating, so concurrent starts migrate once."""
_WRITE = "paperclip_write"
"""The execution option that marks a write transaction (SQLite begins it IMMEDIATE)."""


class UnsupportedDatabase(InvalidInput):
    """The URL names a database the store does not support (only SQLite and PostgreSQL)."""


def normalise_url(url: str) -> str:
    """`url` with PostgreSQL pointed at psycopg 3 (`postgresql://` would mean psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def utc_now() -> datetime:
    """Now, in UTC (what the store's timestamps are written in)."""
    return datetime.now(UTC)


class StoreCore:
    """The engine and the transactions of a store. Thread-safe; builds its engine on first use.

    Args:
        url: a SQLAlchemy URL: `sqlite:///path/to/file.db` or `postgresql://user:pw@host/db`.

    Raises:
        UnsupportedDatabase: the URL names another database.
    """

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        backend = make_url(self.url).get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise UnsupportedDatabase(f"the store runs on SQLite or PostgreSQL, not {backend!r}")
        self.dialect = backend
        self._engine: Engine | None = None
        self._engine_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> Self:
        """The store `settings` name; creates the folder of a SQLite file if missing."""
        url = make_url(settings.resolved_database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return cls(settings.resolved_database_url)

    def __repr__(self) -> str:
        return f"{type(self).__name__}({make_url(self.url)!r})"

    # ------------------------------------------------------------------ engine

    @property
    def engine(self) -> Engine:
        """The engine, built on first use (never at import)."""
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    self._engine = self._create_engine()
        return self._engine

    def _create_engine(self) -> Engine:
        if self.dialect == "postgresql":
            return sa.create_engine(self.url, pool_pre_ping=True)
        engine = sa.create_engine(self.url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        return engine

    def dispose(self) -> None:
        """Close the pooled connections (the store stays usable and reconnects on demand)."""
        if self._engine is not None:
            self._engine.dispose()

    # ------------------------------------------------------------------ writing rows (for the parts)

    def _write(self) -> Any:
        """A write transaction; on SQLite it takes the write lock up front (`BEGIN IMMEDIATE`)."""
        return self.engine.execution_options(**{_WRITE: True}).begin()

    def _insert(self, table: sa.Table) -> Any:
        """An INSERT into `table` in the dialect's form (which has `on_conflict_do_…`)."""
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def _upsert(
        self,
        conn: Connection,
        table: sa.Table,
        rows: Sequence[dict[str, Any]],
        *,
        keys: Sequence[str],
        keep: Iterable[str] = (),
        where: Callable[[Any], sa.ColumnElement[bool]] | None = None,
    ) -> None:
        """Insert `rows`, or update the row with the same `keys` (except the columns in `keep`).

        `where`, given the proposed row (`excluded`), says when the update applies.
        """
        if not rows:
            return
        stmt = self._insert(table)
        fixed = set(keys) | set(keep)
        update = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in fixed}
        statement = stmt.on_conflict_do_update(
            index_elements=list(keys), set_=update, where=None if where is None else where(stmt.excluded)
        )
        conn.execute(statement, rows)

    # ------------------------------------------------------------------ lifecycle

    def migrate(self) -> str | None:
        """Bring the schema to the newest revision (Alembic `upgrade head`); answers the revision
        it found, read under the lock (None: an empty database).

        Safe on every start and from several processes at once: the upgrade runs in one
        transaction holding a lock (SQLite's write lock, a PostgreSQL advisory lock).
        """
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
        with self._write() as conn:
            if self.dialect == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
            found = MigrationContext.configure(conn).get_current_revision()
            config.attributes["connection"] = conn
            command.upgrade(config, "head")
        return found

    def ping(self) -> None:
        """Raise (a SQLAlchemy `OperationalError`) unless the database answers."""
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))


# ---------------------------------------------------------------------- SQLite connection setup


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's `begin` event issue BEGIN (pysqlite's own would be deferred, and late).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
    _use_wal(cursor)
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL (it stays so). Changing the journal mode ignores the busy timeout:
    a process opening the file while another migrates it is told "locked" at once, so wait."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_SECONDS
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_on_begin(conn: Connection) -> None:
    # A writer takes the lock at BEGIN, where the busy timeout applies; a deferred transaction
    # that upgrades to a write later may fail at once with SQLITE_BUSY instead of waiting.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")
