"""What the CLI imports (issue 20 item 6): a resource command is a client of the API over HTTP,
so neither it nor any `--help` brings Temporal's SDK, SQLAlchemy, Alembic or the workflows into
the process; `paperclip --help` imports no command's module at all. Structural, not timed: each
case runs in a fresh interpreter and reads its `sys.modules`."""

import json
import os
import socket
import subprocess
import sys
import textwrap
from pathlib import Path

import pytest

HEAVY = ("temporalio", "sqlalchemy", "alembic", "workflows", "activities", "workers", "api", "ui")
"""What the CLI never needs to talk to the API (the last four it may not import at all)."""

_PROBE = textwrap.dedent(
    """
    import json, sys
    from typer.testing import CliRunner

    import cli

    result = CliRunner().invoke(cli.app, sys.argv[1:])
    print(json.dumps({"exit": result.exit_code, "output": result.output, "modules": sorted(sys.modules)}))
    """
)


def _run(args: list[str], home: Path) -> dict:
    """`paperclip ARGS` in a fresh interpreter: its exit code, output and loaded modules."""
    env = os.environ | {"PAPERCLIP_HOME": str(home)}
    env.pop("PAPERCLIP_API_URL", None)
    done = subprocess.run(
        [sys.executable, "-c", _PROBE, *args], env=env, capture_output=True, text=True, timeout=120, check=True
    )
    return json.loads(done.stdout.strip().splitlines()[-1])


def _heavy(modules: list[str]) -> list[str]:
    return sorted({m.split(".")[0] for m in modules} & set(HEAVY))


def _closed_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


def test_importing_the_cli_imports_none_of_its_commands() -> None:
    done = subprocess.run(
        [sys.executable, "-c", "import json, sys, cli; print(json.dumps(sorted(sys.modules)))"],
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    modules = json.loads(done.stdout)
    assert _heavy(modules) == []
    assert [m for m in modules if m.startswith("cli.") and m not in ("cli.lazy", "cli.registry", "cli.usage")] == []
    assert "paperclip.models" not in modules and "paperclip.settings" not in modules


def test_the_top_help_lists_every_command_without_importing_one(tmp_path: Path) -> None:
    found = _run(["--help"], tmp_path)
    assert found["exit"] == 0
    assert "Run the embedded stack" in found["output"] and "Assign and list tasks." in found["output"]
    assert _heavy(found["modules"]) == []
    assert not any(m.startswith(("cli.resources", "cli.up", "paperclip.models", "httpx")) for m in found["modules"])


@pytest.mark.parametrize(
    "args",
    [
        ["task", "list", "--help"],
        ["company", "--help"],
        ["agent", "hire", "--help"],
        ["pipeline", "runs", "--help"],
        ["search", "--help"],
        ["costs", "--help"],
        ["up", "--help"],
        ["doctor", "--help"],
        ["migrate", "--help"],
        ["purge", "--help"],
        ["backup", "create", "--help"],
        ["onboard", "--help"],
        ["storage", "configure", "--help"],
        ["export", "--help"],
        ["workspace", "create", "--help"],
    ],
)
def test_a_commands_help_brings_no_temporal_store_or_workflows(args: list[str], tmp_path: Path) -> None:
    found = _run(args, tmp_path)
    assert found["exit"] == 0, found["output"]
    assert "Usage: paperclip " + " ".join(a for a in args if a != "--help") in " ".join(found["output"].split())
    assert _heavy(found["modules"]) == []


@pytest.mark.parametrize(
    "args",
    [["company", "list"], ["task", "list", "-c", "acme"], ["agent", "list", "-c", "acme"], ["costs", "-c", "acme"]],
)
def test_a_resource_command_talks_http_without_temporal_or_the_store(args: list[str], tmp_path: Path) -> None:
    """The whole command runs (settings, credential, the HTTP request): the API is not there, so it
    fails with the CLI's one line, having imported nothing of the stack's, nor the product's models
    (their vocabulary, `paperclip.vocabulary`, is enough for its options)."""
    found = _run([*args, "--api-url", f"http://127.0.0.1:{_closed_port()}"], tmp_path)
    assert found["exit"] == 1
    assert "error:" in found["output"]
    assert "httpx" in found["modules"] and "paperclip.settings" in found["modules"]
    assert _heavy(found["modules"]) == []
    assert "paperclip.vocabulary" in found["modules"] and "paperclip.models" not in found["modules"]


def test_a_process_command_still_imports_what_it_needs(tmp_path: Path) -> None:
    """The lazy imports are the commands' own: `paperclip migrate` opens the store (SQLAlchemy,
    Alembic) when it runs."""
    found = _run(["migrate"], tmp_path)
    assert found["exit"] == 0, found["output"]
    assert "store schema migrated" in found["output"]
    assert {"sqlalchemy", "alembic"} <= set(_heavy(found["modules"]))
