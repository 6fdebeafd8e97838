"""PostgreSQL for tests: a server URL, and a fresh database per test on it.

The server is `PAPERCLIP_TEST_DATABASE_URL` if set (a role that may create databases); else a
throwaway cluster started from Debian's binaries (`apt-get install postgresql`) in a temporary
folder, reached by a Unix socket there and removed at the end; else there is none.
"""

import os
import pwd
import shutil
import subprocess
import tempfile
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path
from uuid import uuid4

import sqlalchemy as sa
from sqlalchemy.engine import make_url
from sqlalchemy.pool import NullPool

from paperclip.store.store import normalise_url

ENV_URL = "PAPERCLIP_TEST_DATABASE_URL"
DEBIAN_BINARIES = Path("/usr/lib/postgresql")


@contextmanager
def postgresql_url() -> Iterator[str | None]:
    """Yield a PostgreSQL server URL for tests, or None when there is no PostgreSQL here."""
    if url := os.environ.get(ENV_URL):
        yield url
        return
    bindir = _debian_bindir()
    runner = _runner()
    if bindir is None or runner is None:
        yield None
        return
    with _throwaway_cluster(bindir, runner) as url:
        yield url


@contextmanager
def fresh_database(server_url: str) -> Iterator[str]:
    """Create a uniquely named database on the server, yield its URL, then drop it."""
    name = f"paperclip_test_{uuid4().hex[:16]}"
    admin = sa.create_engine(normalise_url(server_url), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'CREATE DATABASE "{name}"')
        try:
            yield make_url(normalise_url(server_url)).set(database=name).render_as_string(hide_password=False)
        finally:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)')
    finally:
        admin.dispose()


def _debian_bindir() -> Path | None:
    """The newest `/usr/lib/postgresql/<major>/bin` that has `initdb` and `pg_ctl`."""
    found = [
        path
        for path in DEBIAN_BINARIES.glob("*/bin")
        if path.parent.name.isdigit() and (path / "initdb").exists() and (path / "pg_ctl").exists()
    ]
    return max(found, key=lambda path: int(path.parent.name), default=None)


def _runner() -> list[str] | None:
    """The command prefix to run the server as: PostgreSQL refuses to run as root."""
    if os.geteuid() != 0:
        return []
    if shutil.which("runuser") is None:
        return None
    try:
        pwd.getpwnam("postgres")
    except KeyError:
        return None
    return ["runuser", "-u", "postgres", "--"]


@contextmanager
def _throwaway_cluster(bindir: Path, runner: list[str]) -> Iterator[str]:
    root = Path(tempfile.mkdtemp(prefix="paperclip-pg-"))
    data, log = root / "data", root / "server.log"
    if runner:
        owner = pwd.getpwnam("postgres")
        os.chown(root, owner.pw_uid, owner.pw_gid)
    options = f"-k {root} -c listen_addresses='' -p 5432 -c fsync=off -c synchronous_commit=off -c full_page_writes=off"
    started = False
    try:
        _run(
            [
                *runner,
                str(bindir / "initdb"),
                "-D",
                str(data),
                "-U",
                "postgres",
                "-A",
                "trust",
                "-E",
                "UTF8",
                "--no-locale",
                "--no-sync",
            ]
        )
        _run(
            [*runner, str(bindir / "pg_ctl"), "-D", str(data), "-l", str(log), "-o", options, "-w", "-t", "30", "start"]
        )
        started = True
        yield f"postgresql+psycopg://postgres@/postgres?host={root}&port=5432"
    finally:
        if started:
            subprocess.run(
                [*runner, str(bindir / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"],
                capture_output=True,
                check=False,
            )
        shutil.rmtree(root, ignore_errors=True)


def _run(command: list[str]) -> None:
    done = subprocess.run(command, capture_output=True, text=True, check=False)
    if done.returncode != 0:
        raise RuntimeError(f"{command[len(command) - 1]} failed ({done.returncode}): {done.stderr or done.stdout}")
