"""A usage error of any command — an unknown option, a missing argument, a value of the wrong
kind — is one line on stderr naming the command's help, and exit code 1."""

import os
import subprocess
import sys

import pytest
from typer.testing import CliRunner

from cli import app

runner = CliRunner()


@pytest.mark.parametrize(
    ("argv", "line"),
    [
        (
            ["task", "assign", "--frobnicate"],
            "paperclip: no such option: --frobnicate (see paperclip task assign --help)",
        ),
        (
            ["task", "assign", "-c", "acme"],
            "paperclip: missing argument 'agent' (see paperclip task assign --help)",
        ),
        (
            ["task", "list"],
            "paperclip: missing option '--company' / '-c' (env var: 'PAPERCLIP_COMPANY') "
            "(see paperclip task list --help)",
        ),
        (
            ["task", "assign", "-c", "acme", "ceo", "Do it", "--priority", "urgent"],
            "paperclip: invalid value for '--priority': 'urgent' is not one of 'critical', 'high', 'medium', 'low' "
            "(see paperclip task assign --help)",
        ),
        (
            ["costs", "-c", "acme", "--by", "colour"],
            "paperclip: invalid value for '--by': 'colour' is not one of 'agent', 'model', 'task', 'day', 'goal', "
            "'project' (see paperclip costs --help)",
        ),
        (
            ["routine", "add", "-c", "acme", "--agent", "cmo", "--title", "x", "--catchup"],
            "paperclip: option '--catchup' requires an argument (see paperclip routine add --help)",
        ),
        (["frobnicate"], "paperclip: no such command 'frobnicate' (see paperclip --help)"),
        (["--frobnicate"], "paperclip: no such option: --frobnicate (see paperclip --help)"),
    ],
)
def test_a_usage_error_is_one_line_and_exit_code_1(argv: list[str], line: str) -> None:
    result = runner.invoke(app, argv, env={"COLUMNS": "80"})
    assert result.exit_code == 1, result.output
    assert result.stderr.splitlines() == [line]
    assert result.stdout == ""


@pytest.mark.parametrize(
    ("argv", "option"),
    [
        (["activity", "-c", "acme", "--limit", "many"], "--limit"),
        (["budget", "set", "-c", "acme", "--tokens", "-3"], "--tokens"),
        (["agent", "hire", "x", "-c", "acme", "--heartbeat", "soon"], "--heartbeat"),
    ],
)
def test_a_value_of_the_wrong_kind_names_the_option(argv: list[str], option: str) -> None:
    result = runner.invoke(app, argv, env={"COLUMNS": "80"})
    assert result.exit_code == 1, result.output
    (line,) = result.stderr.splitlines()
    assert line.startswith(f"paperclip: invalid value for '{option}': ") and line.endswith(" --help)")


def test_a_group_given_nothing_still_shows_its_help() -> None:
    result = runner.invoke(app, ["task"], env={"COLUMNS": "80"})
    assert "assign" in result.output and "list" in result.output and "paperclip:" not in result.output


def test_the_installed_command_prints_one_line_on_stderr_and_exits_1(tmp_path) -> None:
    env = os.environ | {"PAPERCLIP_HOME": str(tmp_path)}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "task", "assign", "--frobnicate"],
        env=env,
        capture_output=True,
        text=True,
        timeout=60,
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr == "paperclip: no such option: --frobnicate (see paperclip task assign --help)\n"


def test_a_key_with_a_character_no_key_has_is_one_line_not_a_traceback(tmp_path) -> None:
    # The README's placeholder pasted as is: the ellipsis cannot go in an HTTP header.
    env = os.environ | {"PAPERCLIP_HOME": str(tmp_path), "PAPERCLIP_API_KEY": "pck_…"}
    done = subprocess.run(
        [sys.executable, "-m", "cli", "company", "list"], env=env, capture_output=True, text=True, timeout=60
    )
    assert (done.returncode, done.stdout) == (1, "")
    assert done.stderr.startswith("error: PAPERCLIP_API_KEY is not a key: it holds a character no key has")
    assert len(done.stderr.splitlines()) == 1


def test_version_prints_the_installed_version() -> None:
    from importlib.metadata import version

    from typer.testing import CliRunner

    from cli import app

    result = CliRunner().invoke(app, ["--version"])
    assert result.exit_code == 0 and result.output.strip() == f"paperclip {version('paperclip-temporal')}"
