"""`cli.registry` lists each command's help line so `paperclip --help` imports no command: here
the lines are held equal to the commands' own help, and every command it names loads."""

import inspect

import pytest
from typer.core import TyperGroup
from typer.testing import CliRunner

from cli import app
from cli.lazy import load
from cli.registry import COMMANDS
from cli.search import SearchKind as CliSearchKind
from paperclip.constants import TASK_QUEUE
from paperclip.settings import DEFAULT_TASK_QUEUE, Settings
from paperclip.store.search import SearchKind


@pytest.mark.parametrize("name", list(COMMANDS))
def test_the_listed_line_is_the_commands_own_first_paragraph(name: str) -> None:
    command = load(name)
    assert command.name == name
    assert COMMANDS[name].help == inspect.cleandoc(command.help or "").split("\n\n")[0]


def test_a_group_keeps_every_command_its_modules_give_it() -> None:
    task = load("task")
    assert isinstance(task, TyperGroup)
    assert {"list", "show", "wait", "cancel", "attach", "products", "doc"} <= set(task.commands)
    pipeline = load("pipeline")
    assert isinstance(pipeline, TyperGroup)
    assert "runs" in pipeline.commands  # added by cli.pipeline_runs


def test_the_top_help_lists_the_commands_in_the_registrys_order() -> None:
    result = CliRunner().invoke(app, ["--help"])
    assert result.exit_code == 0
    rows = [line.split()[1] for line in result.output.splitlines() if line.startswith("│ ") and "──" not in line]
    listed = [word for word in rows if word in COMMANDS]
    assert listed == list(COMMANDS)


def test_an_unknown_command_is_one_line_with_a_suggestion() -> None:
    result = CliRunner().invoke(app, ["tsk"])
    assert result.exit_code == 1
    assert result.output.strip() == "paperclip: no such command 'tsk'. Did you mean 'task'? (see paperclip --help)"


def test_the_clis_search_kinds_are_the_stores() -> None:
    assert [k.value for k in CliSearchKind] == [k.value for k in SearchKind]


def test_the_settings_default_queue_is_the_constant() -> None:
    assert DEFAULT_TASK_QUEUE == TASK_QUEUE == Settings().task_queue
