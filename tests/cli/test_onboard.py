"""`paperclip onboard` and `paperclip storage configure`: settings written to `$PAPERCLIP_HOME/.env`
(mode 0600, other lines kept, no key printed), the first company founded through the real API."""

import asyncio
import stat
import uuid
from pathlib import Path

import httpx
import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool
from typer.testing import CliRunner, Result

from cli import app
from paperclip.envfile import read_env_file
from paperclip.settings import Settings, get_settings
from paperclip.store.store import normalise_url
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.cli.fake_api import free_port
from tests.pg import fresh_database

runner = CliRunner()
KEY = "sk-test-0123456789abcdef"


def run(*args: str, input: str | None = None) -> Result:
    get_settings.cache_clear()
    return runner.invoke(app, list(args), input=input, env={"COLUMNS": "200", "PAPERCLIP_ENV_FILE": None})


async def arun(*args: str, input: str | None = None) -> Result:
    return await asyncio.to_thread(run, *args, input=input)


def _env(home: Path) -> Path:
    return home / ".env"


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_onboard_with_options_writes_the_file_and_founds_a_company(
    api: httpx.AsyncClient,  # noqa: F811
    settings: Settings,  # noqa: F811
) -> None:
    home, globex = settings.home_dir, f"globex-{uuid.uuid4().hex[:8]}"  # the Temporal server is the session's
    _env(home).write_text("# mine\nPAPERCLIP_API_PORT=8000\n")
    done = await arun(
        "onboard", "--yes", "--provider", "simulated", "--company", globex, "--template", "software-studio",
        "--home", str(home), "--api-url", str(api.base_url),
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    assert "Model: simulated (offline demo)" in done.output
    assert f"Created company {globex}" in done.output and "from template software-studio" in done.output
    assert read_env_file(_env(home)) == {"PAPERCLIP_API_PORT": "8000", "PAPERCLIP_HOME": str(home)}
    assert _env(home).read_text().startswith("# mine\n") and _mode(_env(home)) == 0o600
    company = (await api.get(f"/api/companies/{globex}")).json()
    assert len(company["agents"]) >= 3

    again = await arun("onboard", "-y", "--company", globex, "--home", str(home), "--api-url", str(api.base_url))
    assert again.exit_code == 0, again.output
    assert "nothing to change" in again.output and f"Company {globex} exists already: left as it is." in again.output


async def test_onboard_asks_hides_the_key_and_defaults_to_the_starter_template(
    api: httpx.AsyncClient,  # noqa: F811
    settings: Settings,  # noqa: F811
) -> None:
    home, initech = settings.home_dir, f"initech-{uuid.uuid4().hex[:8]}"
    answers = f"{home}\nopenai\n{KEY}\nhttp://127.0.0.1:11434/v1\ny\n\n{initech}\n"
    done = await arun("onboard", "--api-url", str(api.base_url), input=answers)
    assert done.exit_code == 0, done.output
    said = " ".join(done.output.split())  # a long line (a deep home's path) wraps even at 200 columns
    assert KEY not in done.output and "OPENAI_API_KEY (set, not shown)" in said
    assert "software-studio" in done.output and "research-lab" in done.output  # the templates, listed
    assert f"Created company {initech}" in done.output and "from template software-studio" in done.output
    assert read_env_file(_env(home)) == {
        "PAPERCLIP_HOME": str(home),
        "OPENAI_API_KEY": KEY,
        "OPENAI_BASE_URL": "http://127.0.0.1:11434/v1",
    }
    assert _mode(_env(home)) == 0o600

    # Run again: every stored answer is offered as it is; nothing is replaced unasked.
    kept = await arun("onboard", "--api-url", str(api.base_url), input=f"{home}\nopenai\nn\n\nn\n")
    assert kept.exit_code == 0, kept.output
    assert "nothing to change" in kept.output and KEY not in kept.output
    assert read_env_file(_env(home))["OPENAI_API_KEY"] == KEY


async def test_an_unknown_template_is_one_line_and_founds_nothing(
    api: httpx.AsyncClient,  # noqa: F811
    settings: Settings,  # noqa: F811
) -> None:
    done = await arun(
        "onboard", "-y", "--company", "globex", "--template", "no-such", "--home", str(settings.home_dir),
        "--api-url", str(api.base_url),
    )  # fmt: skip
    assert done.exit_code == 1
    assert done.stderr.strip().startswith("error: no company template 'no-such': one of ")
    assert "software-studio" in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert (await api.get("/api/companies")).json()["data"] == []


def test_with_no_api_it_writes_the_settings_and_says_what_to_run(tmp_path: Path) -> None:
    done = run(
        "onboard", "-y", "--provider", "simulated", "--company", "globex", "--home", str(tmp_path),
        "--api-url", f"http://127.0.0.1:{free_port()}",
    )  # fmt: skip
    assert done.exit_code == 0, done.output
    told = [line for line in done.output.splitlines() if "paperclip up" in line]
    assert len(told) == 1 and "`paperclip company create 'globex' --template software-studio`" in told[0]
    assert read_env_file(_env(tmp_path)) == {"PAPERCLIP_HOME": str(tmp_path)}


def test_a_key_comes_from_a_file_and_is_never_printed(tmp_path: Path) -> None:
    (tmp_path / "key").write_text(KEY + "\n")
    _env(tmp_path).write_text("ANTHROPIC_API_KEY=old-one\nOTHER='x y'\n")
    done = run(
        "onboard", "-y", "--provider", "anthropic", "--api-key-file", str(tmp_path / "key"), "--home", str(tmp_path)
    )
    assert done.exit_code == 0, done.output
    assert KEY not in done.output and "old-one" not in done.output
    assert read_env_file(_env(tmp_path)) == {"ANTHROPIC_API_KEY": KEY, "OTHER": "x y", "PAPERCLIP_HOME": str(tmp_path)}
    again = run("onboard", "-y", "--provider", "anthropic", "--home", str(tmp_path))  # no key named: none replaced
    assert again.exit_code == 0 and "nothing to change" in again.output, again.output
    assert read_env_file(_env(tmp_path))["ANTHROPIC_API_KEY"] == KEY


@pytest.mark.parametrize(
    ("args", "message"),
    [
        (["--provider", "openai"], "error: --provider openai needs its key: --api-key-file FILE"),
        (["--provider", "simulated", "--template", "x"], "error: --template needs --company"),
        (["--provider", "openai", "--api-key-file", "/no/such/file"], "error: cannot read the key file /no/such/file"),
        (["--provider", "watson"], "invalid value for '--provider': 'watson' is not one of"),
    ],
)
def test_bad_options_are_one_line_and_leave_the_file(
    args: list[str], message: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.delenv("OPENAI_API_KEY", raising=False)
    _env(tmp_path).write_text("FOO=bar\n")
    done = run("onboard", "-y", "--home", str(tmp_path), *args)
    assert done.exit_code == 1, done.output
    assert message in done.stderr and len(done.stderr.strip().splitlines()) == 1
    assert _env(tmp_path).read_text() == "FOO=bar\n"


def test_a_bad_answer_is_one_line(tmp_path: Path) -> None:
    done = run("onboard", "--api-url", f"http://127.0.0.1:{free_port()}", input=f"{tmp_path}\nwatson\n")
    assert done.exit_code == 1
    assert "error: no provider 'watson': openai, anthropic or simulated" in done.stderr
    assert not _env(tmp_path).exists()


# --------------------------------------------------------------------------- storage configure


def test_an_unreachable_database_is_one_line_and_leaves_the_file(tmp_path: Path) -> None:
    _env(tmp_path).write_text("FOO=bar\n")
    (tmp_path / "pw").write_text("s3cret-pw\n")
    done = run(
        "storage", "configure", "--type", "postgres", "--host", "127.0.0.1", "--port", str(free_port()),
        "--database", "paperclip", "--user", "paperclip", "--password-file", str(tmp_path / "pw"),
    )  # fmt: skip
    assert done.exit_code == 1
    assert done.stderr.startswith("error: cannot connect to postgresql+psycopg://paperclip:***@127.0.0.1:")
    assert "the settings file is unchanged" in done.stderr and "s3cret-pw" not in done.output + done.stderr
    assert _env(tmp_path).read_text() == "FOO=bar\n"


def test_postgres_needs_its_host_database_and_user(tmp_path: Path) -> None:
    done = run("storage", "configure", "--type", "postgres", "--host", "db.internal")
    assert done.exit_code == 1 and done.stderr.strip() == "error: --type postgres needs --database, --user"


def test_a_database_that_connects_is_written_then_sqlite_puts_it_back(
    tmp_path: Path, postgresql_server: str | None
) -> None:
    if postgresql_server is None:
        pytest.fail("no PostgreSQL: set PAPERCLIP_TEST_DATABASE_URL or install Debian's postgresql package")
    role = f"paperclip_onboard_{uuid.uuid4().hex[:8]}"
    admin = sa.create_engine(normalise_url(postgresql_server), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    try:
        with admin.connect() as conn:  # a user whose awkward password the server really checks
            conn.exec_driver_sql(f"CREATE ROLE \"{role}\" LOGIN PASSWORD 'p@ss:w/rd'''")
        with fresh_database(postgresql_server) as fresh:
            with admin.connect() as conn:
                conn.exec_driver_sql(f'ALTER DATABASE "{make_url(fresh).database}" OWNER TO "{role}"')
            _configure_then_put_back(make_url(fresh).set(username=role, password=None), tmp_path)
    finally:
        with admin.connect() as conn:
            conn.exec_driver_sql(f'DROP ROLE IF EXISTS "{role}"')
        admin.dispose()


def _configure_then_put_back(server: URL, tmp_path: Path) -> None:
    host = server.host or str(server.query["host"])
    port = str(server.port or server.query.get("port") or 5432)
    _env(tmp_path).write_text("FOO=bar\n")
    done = run(
        "storage", "configure", "--type", "postgres", "--host", host, "--port", port,
        "--database", server.database or "postgres", "--user", server.username or "postgres",
        input="p@ss:w/rd'\n",
    )  # fmt: skip
    assert done.exit_code == 0, done.output + done.stderr
    assert "p@ss" not in done.output and "paperclip migrate" in done.output
    written = read_env_file(_env(tmp_path))
    assert written["FOO"] == "bar" and _mode(_env(tmp_path)) == 0o600
    url = make_url(written["PAPERCLIP_DATABASE_URL"])
    assert url.password == "p@ss:w/rd'" and url.database == (server.database or "postgres")
    get_settings.cache_clear()
    migrated = runner.invoke(app, ["migrate"], env={"PAPERCLIP_ENV_FILE": str(_env(tmp_path))})
    assert migrated.exit_code == 0 and "store schema migrated" in migrated.output, migrated.output

    back = run("storage", "configure", "--type", "sqlite")
    assert back.exit_code == 0 and f"SQLite at {tmp_path / 'paperclip.db'}" in back.output
    assert read_env_file(_env(tmp_path)) == {"FOO": "bar"}
