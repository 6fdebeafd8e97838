"""Building blocks shared by the CLI-turn tests: the fake tools (`tests/fakes/bin`), the log each
of their runs appends to, and a turn's input."""

import json
import os
import sys
from pathlib import Path

import pytest

from activities.cli.activity import CliActivities
from paperclip.models import Adapter, CliConfig, CliTurnInput, SessionRef
from tests.activities.conftest import FakeStore

BIN = Path(__file__).resolve().parents[1] / "fakes" / "bin"
SESSION = SessionRef(company_id="acme", task="ACME-7", agent="dev", goal="G1")
TOOLS = {
    Adapter.CLAUDE_LOCAL: "claude",
    Adapter.CODEX_LOCAL: "codex",
    Adapter.OPENCODE_LOCAL: "opencode",
    Adapter.GEMINI_LOCAL: "gemini",
}
EACH = pytest.mark.parametrize("adapter", list(TOOLS), ids=list(TOOLS.values()))
FAKE_ENV: dict[str, str] = {}
"""The fakes' steering variables (`FAKE_CLI_LOG`, `FAKE_CLI_SCRIPT`), which every turn's spec
names in `cli.env`: the worker's own environment does not reach the tool."""


def fakes_on_path(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The fakes first on the worker's PATH, and this interpreter as their `python3`: what they
    run with is then exactly what the activity gave them (a version manager's `python3` shim
    would add variables of its own)."""
    interpreter = tmp_path / "python"
    interpreter.mkdir(exist_ok=True)
    if not (interpreter / "python3").exists():
        (interpreter / "python3").symlink_to(sys.executable)
    monkeypatch.setenv("PATH", os.pathsep.join([str(BIN), str(interpreter), os.environ["PATH"]]))


@pytest.fixture
def fake_cli(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> Path:
    """The fakes first on the worker's PATH (`fakes_on_path`); returns the log each run appends to."""
    fakes_on_path(tmp_path, monkeypatch)
    log = tmp_path / "runs.jsonl"
    monkeypatch.setitem(FAKE_ENV, "FAKE_CLI_LOG", str(log))
    monkeypatch.setitem(FAKE_ENV, "FAKE_CLI_SCRIPT", str(tmp_path / "script"))
    return log


@pytest.fixture
def turns(tmp_path: Path) -> tuple[CliActivities, FakeStore]:
    """CLI turns with no keys, `tmp_path` a workspace root."""
    store = FakeStore()
    acts = CliActivities(
        store, home=tmp_path / "home", api_url="http://127.0.0.1:8000", workspace_roots=[tmp_path], sandbox=False
    )
    return acts, store


def script(log: Path, *modes: str) -> None:
    (log.parent / "script").write_text("\n".join(modes))


def runs(log: Path) -> list[dict]:
    return [json.loads(line) for line in log.read_text().splitlines()] if log.exists() else []


def turn(adapter: Adapter, *, seq: int = 1, resume: str | None = None, **cli) -> CliTurnInput:
    cli["env"] = FAKE_ENV | cli.get("env", {})
    return CliTurnInput(
        session=SESSION,
        seq=seq,
        adapter=adapter,
        cli=CliConfig(**cli),
        prompt="Write the release notes\nfor version 2.",
        resume=resume,
    )
