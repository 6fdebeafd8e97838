"""`paperclip storage configure`: the store's database as a setting of `$PAPERCLIP_HOME/.env`.

The URL is written only after it connects, so a mistyped host leaves the file as it was; the
password comes from a file or a hidden prompt, never from an argument (the shell's history and
`ps` would show it), and is never printed."""

from enum import StrEnum
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer
from rich.markup import escape

from cli.common import console, fail

if TYPE_CHECKING:
    from sqlalchemy.engine import URL

storage_app = typer.Typer(
    help="Where the store lives: PostgreSQL or the default SQLite file (configure).", no_args_is_help=True
)

SETTING = "PAPERCLIP_DATABASE_URL"
CONNECT_SECONDS = 5


class StorageType(StrEnum):
    POSTGRES = "postgres"
    SQLITE = "sqlite"


def _password(password_file: Path | None) -> str:
    """The password: the file's first line, else asked for (hidden; empty for none)."""
    if password_file is None:
        return str(typer.prompt("Password (hidden; empty for none)", default="", hide_input=True, show_default=False))
    try:
        lines = password_file.read_text(encoding="utf-8").splitlines()
    except (OSError, UnicodeDecodeError) as err:
        fail(f"cannot read the password file {password_file}: {err.strerror if isinstance(err, OSError) else err}")
    return lines[0] if lines else ""


def _url(*, host: str, port: int, database: str, user: str, password: str) -> "URL":
    """A psycopg URL; a host that is a path (a Unix socket's folder) goes in the query, as libpq takes it."""
    from sqlalchemy.engine import URL

    socket = host.startswith("/")
    return URL.create(
        "postgresql+psycopg",
        username=user,
        password=password or None,
        host=None if socket else host,
        port=None if socket else port,
        database=database,
        query={"host": host, "port": str(port)} if socket else {},
    )


def _check(url: "URL") -> None:
    """Connect once and run `SELECT 1`; any failure is one line (the driver's first) and exit 1."""
    import sqlalchemy as sa
    from sqlalchemy.pool import NullPool

    engine = sa.create_engine(url, poolclass=NullPool, connect_args={"connect_timeout": CONNECT_SECONDS})
    try:
        with engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))
    except Exception as err:  # noqa: BLE001 - every driver error says the same: it does not connect
        reason = str(getattr(err, "orig", None) or err).strip().splitlines()
        shown = url.render_as_string(hide_password=True)
        fail(
            f"cannot connect to {shown}: {reason[0] if reason else type(err).__name__}; the settings file is unchanged"
        )
    finally:
        engine.dispose()


@storage_app.command("configure")
def storage_configure(
    type: Annotated[StorageType, typer.Option("--type", help="postgres, or sqlite (the default file).")],
    host: Annotated[str | None, typer.Option(help="PostgreSQL's host (or a Unix socket's folder).")] = None,
    port: Annotated[int, typer.Option(min=1, max=65535, help="PostgreSQL's port.")] = 5432,
    database: Annotated[str | None, typer.Option(help="The database's name.")] = None,
    user: Annotated[str | None, typer.Option(help="The user to connect as.")] = None,
    password_file: Annotated[
        Path | None,
        typer.Option("--password-file", help="A file whose first line is the password (else it is asked, hidden)."),
    ] = None,
) -> None:
    """Point the store at PostgreSQL (or back at SQLite): PAPERCLIP_DATABASE_URL in $PAPERCLIP_HOME/.env.

    With `--type postgres` the URL is checked to connect before it is written; the password is read
    from `--password-file` or asked for, never shown. `--type sqlite` removes the setting: the store
    is `$PAPERCLIP_HOME/paperclip.db` again. Either way, run `paperclip migrate` next.
    """
    import os

    from paperclip.envfile import EnvFileError, home_env_file, update_env_file
    from paperclip.settings import get_settings

    settings = get_settings()
    path = home_env_file(settings.home_dir)
    if type is StorageType.SQLITE:
        value = None
        where = f"SQLite at {settings.home_dir / 'paperclip.db'} (the default)"
    else:
        missing = [f"--{name}" for name, given in (("host", host), ("database", database), ("user", user)) if not given]
        if missing:
            fail(f"--type postgres needs {', '.join(missing)}")
        assert host and database and user  # for the type checker: checked just above
        url = _url(host=host, port=port, database=database, user=user, password=_password(password_file))
        _check(url)
        value = url.render_as_string(hide_password=False)
        where = f"PostgreSQL at {url.render_as_string(hide_password=True)}"
    try:
        update_env_file(path, {SETTING: value})
    except (EnvFileError, OSError) as err:
        fail(str(err))
    console.print(f"store: {escape(where)} ({SETTING} in {escape(str(path))})", highlight=False)
    if os.environ.get(SETTING):
        console.print(f"[yellow]note:[/yellow] {SETTING} is set in the environment, which wins over the file")
    console.print("Next: `paperclip migrate` (creates or upgrades its tables), then `paperclip up`.", highlight=False)
