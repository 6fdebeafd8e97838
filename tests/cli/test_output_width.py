"""Tables and help readable at 80 columns and in pipes (issue 21 item 4): no column clipped, short
cells (ids, statuses, costs) whole, long ones (titles) folded without losing a character, and
every option name of every command's `--help` whole. Against a real HTTP server that answers like
the API; the terminal is a real pseudo-terminal 80 columns wide, the pipe a real pipe."""

import fcntl
import os
import pty
import re
import select
import struct
import subprocess
import sys
import termios
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner

from cli import app
from cli.lazy import load
from cli.registry import COMMANDS
from tests.cli.fake_api import FakeApi, agent_json, serve, snapshot_json, task_json

runner = CliRunner()
ROOT = Path(__file__).resolve().parents[2]
LONG_TITLE = "Write the launch announcement for the new warehouse robot line, with a tagline"
ANSI = re.compile(r"\x1b\[[0-9;?]*[A-Za-z]|\x1b\][^\x07\x1b]*(\x07|\x1b\\)")


def _snapshot() -> dict[str, Any]:
    tasks = [
        task_json("ACME-1", "running", title=LONG_TITLE, cost_usd=0.0123, goal="G1"),
        task_json("ACME-12", "queued", title="Plan", blocked_by=["ACME-1"], cost_usd=0.5),
    ]
    agents = [agent_json("ceo"), agent_json("engineer-frontend", "openai", "ceo")]
    return snapshot_json(agents, tasks)


def _fake() -> FakeApi:
    snapshot = _snapshot()
    return FakeApi(
        routes={
            "GET /api/companies/acme": (200, snapshot),
            "GET /api/companies/acme/tasks": (200, {"data": snapshot["tasks"], "count": 2, "total": 2}),
            "GET /api/companies/acme/agents": (200, {"data": snapshot["agents"], "count": 2, "total": 2}),
        }
    )


def _in_terminal(argv: list[str], columns: int) -> str:
    """`paperclip ARGV` in a pseudo-terminal `columns` wide: what the terminal received, plain."""
    leader, follower = pty.openpty()
    fcntl.ioctl(follower, termios.TIOCSWINSZ, struct.pack("HHHH", 24, columns, 0, 0))
    env = {k: v for k, v in os.environ.items() if k not in ("COLUMNS", "LINES")}
    child = subprocess.Popen(
        [sys.executable, "-m", "cli", *argv], stdin=follower, stdout=follower, stderr=follower, cwd=ROOT, env=env
    )
    os.close(follower)
    received = b""
    try:
        while select.select([leader], [], [], 60)[0]:
            try:
                chunk = os.read(leader, 65536)
            except OSError:  # the child closed the terminal
                break
            if not chunk:
                break
            received += chunk
    finally:
        os.close(leader)
        assert child.wait(timeout=60) == 0, received.decode(errors="replace")
    return ANSI.sub("", received.decode()).replace("\r", "")


def _cells(text: str, column: tuple[str, str], anchor: tuple[str, str]) -> list[str]:
    """One column's cells, read from a printed table by the characters its header spans (from its
    header up to the next one's): a row's lines are joined, a new row starting where the `anchor`
    column (one whose cells are never folded) has text; spaces are dropped, folding's included."""
    lines = text.splitlines()
    top = next(i for i, line in enumerate(lines) if all(name in line for name in (*column, *anchor)))
    start, end = (lines[top].index(name) for name in column)
    a_start, a_end = (lines[top].index(name) for name in anchor)
    cells: list[str] = []
    for line in lines[top + 1 :]:
        if not line.strip(" │┃─━┡┩╇└┘┴"):
            if cells:
                break  # the table's end
            continue
        if line[a_start:a_end].strip(" │┃"):
            cells.append("")
        if cells:
            cells[-1] += line[start:end].replace(" ", "").strip("│┃")
    return cells


def _whole_in(text: str, *cells: str) -> None:
    for cell in cells:
        assert cell in text, f"{cell!r} is clipped or broken:\n{text}"


def test_an_80_column_terminal_folds_titles_and_keeps_ids_statuses_and_costs_whole() -> None:
    with serve(_fake()) as api:
        shown = _in_terminal(["company", "show", "acme", "--api-url", api.url], 80)

    assert max(len(line) for line in shown.splitlines()) <= 80, shown
    _whole_in(shown, "ACME-1 ", "ACME-12", "running", "queued", "$0.0123", "$0.5000", "simulated", "Reports to")
    assert "…" not in shown
    titles = _cells(shown, ("Title", "Assignee"), ("Priority", "Goal"))
    assert titles == [LONG_TITLE.replace(" ", ""), "Plan"], shown  # folded, not a character lost
    assert len(next(line for line in shown.splitlines() if "ACME-1 " in line).split()) > 8  # not one word a line
    agents = shown[: shown.index(" Tasks ")]  # the table above the tasks'
    assert _cells(agents, ("Agent", "Title"), ("Role", "Reports to")) == ["ceo", "engineer-frontend"], shown


def test_a_pipe_gets_every_row_on_one_line() -> None:
    env = {k: v for k, v in os.environ.items() if k != "COLUMNS"}
    with serve(_fake()) as api:
        done = subprocess.run(
            [sys.executable, "-m", "cli", "company", "show", "acme", "--api-url", api.url],
            cwd=ROOT,
            env=env,
            stdin=subprocess.DEVNULL,
            capture_output=True,
            text=True,
            timeout=60,
        )

    assert done.returncode == 0, done.stderr
    row = next(line for line in done.stdout.splitlines() if "ACME-1 " in line)
    _whole_in(row, LONG_TITLE, "running", "high", "G1", "$0.0123")
    header = next(line for line in done.stdout.splitlines() if "Assignee" in line)
    _whole_in(header, "Task", "Title", "Status", "Priority", "Goal", "Turns", "Cost")
    ceo = next(line for line in done.stdout.splitlines() if "engineer-frontend" in line)
    _whole_in(ceo, "ENGINEER-FRONTEND", "openai:gpt-4o-mini", "active", "$0.0000")


@pytest.mark.parametrize("argv", [["task", "list", "-c", "acme"], ["agent", "list", "-c", "acme"]])
def test_lists_at_80_columns_lose_no_column(argv: list[str]) -> None:
    with serve(_fake()) as api:
        result = runner.invoke(app, [*argv, "--api-url", api.url], env={"COLUMNS": "80"})

    assert result.exit_code == 0, result.output
    assert max(len(line) for line in result.stdout.splitlines()) <= 80, result.stdout
    if argv[0] == "task":
        _whole_in(result.stdout, "ACME-12", "$0.0123", "$0.5000", "Cost", "Turns")
        titles = _cells(result.stdout, ("Title", "Assignee"), ("Priority", "Goal"))
        assert titles == [LONG_TITLE.replace(" ", ""), "Plan"], result.stdout
    else:
        _whole_in(result.stdout, "simulated", "active", "$0.0000", "Running", "Cost")
        models = _cells(result.stdout, ("Model", "Status"), ("Role", "Reports to"))
        assert models == ["simulated", "openai:gpt-4o-mini"], result.stdout


def _leaves(command: Any, path: list[str]) -> list[tuple[list[str], Any]]:
    children = getattr(command, "commands", None)
    if not children:
        return [(path, command)]
    return [leaf for name, child in children.items() for leaf in _leaves(child, [*path, name])]


def test_every_commands_help_at_80_columns_shows_every_option_name_whole() -> None:
    cut: dict[str, list[str]] = {}
    for path, command in (leaf for name in COMMANDS for leaf in _leaves(load(name), [name])):
        result = runner.invoke(app, [*path, "--help"], env={"COLUMNS": "80"})
        assert result.exit_code == 0, (path, result.output)
        words = set(result.stdout.replace(",", " ").split())
        names = [n for p in command.params for n in (*p.opts, *p.secondary_opts) if n.startswith("-")]
        if missing := [n for n in names if n not in words]:
            cut[" ".join(path)] = missing
    assert not cut


def test_agent_hire_help_in_an_80_column_terminal_has_its_long_option_names() -> None:
    shown = _in_terminal(["agent", "hire", "--help"], 80)

    words = set(shown.replace(",", " ").split())
    for name in ("--wake-on-assignment", "--no-wake-on-assignment", "--max-concurrent-runs", "--turn-budget-tokens"):
        assert name in words, shown


def test_a_wide_terminal_keeps_richs_help_where_it_fits() -> None:
    result = runner.invoke(app, ["company", "list", "--help"], env={"COLUMNS": "200"})

    assert "╭─ Options" in result.stdout and "--json" in result.stdout.split()
