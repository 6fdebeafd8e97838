"""The compose file's and the manifests' one-shot setup jobs, run for real: the namespace and
search-attribute registration (compose's script and the Kubernetes Job's) and Temporal's schema
job with stand-ins for Temporal's own tools (which need a Temporal cluster), and the store's
database job against a real PostgreSQL."""

import os
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
import sqlalchemy as sa
from sqlalchemy.engine import URL, make_url
from sqlalchemy.pool import NullPool

from paperclip.store import Store
from paperclip.store.store import normalise_url
from tests.deploy.files import ROOT, load, search_attribute_names
from tests.deploy.stubs import Stubs, finish

# The `temporal` CLI as a Temporal without the namespace but with one of the search attributes.
TEMPORAL = """case "$2 $3" in
  "namespace describe") echo "Namespace $5 is not found" >&2; exit 1 ;;
  "search-attribute list") printf 'Name              Type\\nPaperclipCompany  Keyword\\n' ;;
esac"""


def compose_job() -> tuple[list[str], dict[str, str]]:
    return ["sh", str(ROOT / "docker/temporal/register-namespace.sh")], {
        "TEMPORAL_ADDRESS": "temporal:7233",
        "PAPERCLIP_TEMPORAL_NAMESPACE": "acme",
        "NAMESPACE_RETENTION": "720h",
    }


def kubernetes_job() -> tuple[list[str], dict[str, str]]:
    job = load(ROOT / "deploy/kubernetes/temporal-namespace.yaml")
    [container] = job["spec"]["template"]["spec"]["containers"]
    literals = load(ROOT / "deploy/kubernetes/kustomization.yaml")["configMapGenerator"][0]["literals"]
    env = dict(literal.split("=", 1) for literal in literals)
    env |= {e["name"]: e["value"] for e in container["env"]}
    env["PAPERCLIP_TEMPORAL_NAMESPACE"] = "acme"
    return [*container["command"], *container["args"]], env


@pytest.mark.parametrize("job", [compose_job, kubernetes_job], ids=["compose", "kubernetes"])
def test_the_namespace_job_registers_what_is_missing_of_our_search_attributes(tmp_path: Path, job) -> None:  # type: ignore[no-untyped-def]
    stubs = Stubs(tmp_path)
    stubs.add("temporal", TEMPORAL)
    argv, env = job()
    code, _, err = finish(stubs.run(argv, env))
    assert code == 0, err
    calls = [c.args for c in stubs.calls("temporal")]
    assert all(f"--address={env['TEMPORAL_ADDRESS']}" in " ".join(c).replace("--address ", "--address=") for c in calls)
    [create] = [c for c in calls if c[1:3] == ["namespace", "create"]]
    assert create[create.index("--namespace") + 1] == "acme" and create[create.index("--retention") + 1] == "720h"
    made = [c for c in calls if c[1:3] == ["search-attribute", "create"]]
    assert all(c[c.index("--type") + 1] == "Keyword" and c[c.index("--namespace") + 1] == "acme" for c in made)
    names = sorted(c[c.index("--name") + 1] for c in made)
    assert names == sorted(set(search_attribute_names()) - {"PaperclipCompany"})  # the existing one is kept


@pytest.mark.parametrize("job", [compose_job, kubernetes_job], ids=["compose", "kubernetes"])
def test_the_namespace_job_fails_when_temporal_refuses_a_search_attribute(tmp_path: Path, job) -> None:  # type: ignore[no-untyped-def]
    stubs = Stubs(tmp_path)
    stubs.add("temporal", TEMPORAL.replace("esac", '  "search-attribute create") exit 1 ;;\nesac'))
    argv, env = job()
    code, _, _ = finish(stubs.run(argv, env))
    assert code != 0


def sql_tool_calls(stubs: Stubs) -> list[tuple[str, str, list[str]]]:
    """(database, action, its arguments) of each `temporal-sql-tool` call."""
    found = []
    for call in stubs.calls("temporal-sql-tool"):
        args = call.args
        assert args[:8] == ["--plugin", "postgres12", "--ep", "postgresql", "-p", "5432", "-u", "temporal"]
        database = args[args.index("--db") + 1]
        rest = args[args.index("--db") + 2 :]
        found.append((database, rest[0], rest[1:]))
    return found


SCHEMA_ENV = {"POSTGRES_SEEDS": "postgresql", "DB_PORT": "5432", "POSTGRES_USER": "temporal", "SQL_PASSWORD": "pw"}


def test_the_schema_job_creates_and_migrates_both_databases_and_runs_again(tmp_path: Path) -> None:
    stubs = Stubs(tmp_path)
    # The second run: the databases and their schemas exist, so `create` and `setup-schema` fail.
    stubs.add("temporal-sql-tool", 'case "$*" in *" create"|*"setup-schema"*) exit 1 ;; esac')
    code, out, err = finish(stubs.run(["sh", str(ROOT / "docker/temporal/setup-schema.sh")], SCHEMA_ENV))
    assert code == 0, err
    schemas = "/etc/temporal/schema/postgresql/v12"
    assert sql_tool_calls(stubs) == [
        ("temporal", "create", []),
        ("temporal", "setup-schema", ["-v", "0.0"]),
        ("temporal", "update-schema", ["-d", f"{schemas}/temporal/versioned"]),
        ("temporal_visibility", "create", []),
        ("temporal_visibility", "setup-schema", ["-v", "0.0"]),
        ("temporal_visibility", "update-schema", ["-d", f"{schemas}/visibility/versioned"]),
    ]
    assert "database temporal_visibility: schema up to date" in out


def test_the_schema_job_fails_when_a_migration_fails(tmp_path: Path) -> None:
    stubs = Stubs(tmp_path)
    stubs.add("temporal-sql-tool", 'case "$*" in *update-schema*) exit 1 ;; esac')
    code, _, _ = finish(stubs.run(["sh", str(ROOT / "docker/temporal/setup-schema.sh")], SCHEMA_ENV))
    assert code != 0
    assert [action for _, action, _ in sql_tool_calls(stubs)] == ["create", "setup-schema", "update-schema"]


@pytest.fixture
def server(postgresql_server: str | None) -> Iterator[URL]:
    if postgresql_server is None:
        pytest.fail("no PostgreSQL: set PAPERCLIP_TEST_DATABASE_URL or install Debian's postgresql package")
    yield make_url(normalise_url(postgresql_server))


def libpq_env(url: URL) -> dict[str, str]:
    host = url.host or str(url.query.get("host", ""))
    return {"PGHOST": host, "PGPORT": str(url.port or url.query.get("port") or 5432),
            "PGUSER": url.username or "postgres", "PGPASSWORD": url.password or ""}  # fmt: skip


def test_the_store_database_job_makes_a_role_and_database_the_store_migrates(tmp_path: Path, server: URL) -> None:
    name = f"paperclip_job_{uuid.uuid4().hex[:8]}"
    env = {**libpq_env(server), "STORE_DB": name, "STORE_USER": name, "STORE_PASSWORD": "first"}
    script = ["sh", str(ROOT / "docker/postgres/create-paperclip-db.sh")]
    admin = sa.create_engine(server.set(database="postgres"), isolation_level="AUTOCOMMIT", poolclass=NullPool)
    stubs = Stubs(tmp_path)
    try:
        for password in ("first", "second"):  # a second run changes only the password
            code, out, err = finish(stubs.run(script, env | {"STORE_PASSWORD": password}))
            assert code == 0, err
            assert out.strip() == f"database {name} ready for {name}"
        with admin.connect() as conn:
            owner = conn.execute(
                sa.text("SELECT pg_get_userbyid(datdba) FROM pg_database WHERE datname = :n"), {"n": name}
            ).scalar_one()
            login = conn.execute(
                sa.text("SELECT rolcanlogin FROM pg_roles WHERE rolname = :n"), {"n": name}
            ).scalar_one()
        assert owner == name and login
        store = Store(server.set(database=name, username=name, password="second").render_as_string(hide_password=False))
        store.migrate()  # the store's own tables, made by its own role
        with store.engine.connect() as conn:
            assert conn.execute(sa.text("SELECT current_user")).scalar_one() == name
            assert conn.execute(sa.text("SELECT count(*) FROM alembic_version")).scalar_one() == 1
        store.engine.dispose()
    finally:
        with admin.connect() as conn:
            conn.execute(sa.text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
            conn.execute(sa.text(f'DROP ROLE IF EXISTS "{name}"'))
        admin.dispose()


def test_no_script_here_needs_more_than_posix_sh() -> None:
    for script in (ROOT / "docker").rglob("*.sh"):
        assert script.read_text().startswith("#!/bin/sh\n"), script
        assert os.access(script, os.X_OK), script
