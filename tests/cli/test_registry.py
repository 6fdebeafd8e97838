"""`cli.registry` lists each command's help line so `paperclip --help` imports no command: here
the lines are held equal to the commands' own help, and every command it names loads."""

import importlib
import inspect
import pkgutil

import pytest
import typer
from typer.core import TyperGroup
from typer.testing import CliRunner

import cli
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


def test_every_group_a_module_defines_is_reachable() -> None:
    """A group made in a module but left out of `cli.registry` (or of a `cli.groups` function)
    would never be loaded: every module-level `typer.Typer` of the CLI is somewhere in the tree."""
    names = [m.name for m in pkgutil.iter_modules(cli.__path__) if m.name != "__main__"]
    modules = [importlib.import_module(f"cli.{name}") for name in names]
    defined = {
        f"{module.__name__}.{name}": inspect.cleandoc(value.info.help)
        for module in modules
        for name, value in vars(module).items()
        if isinstance(value, typer.Typer) and value is not app
    }
    shown: set[str] = set()
    groups = [load(name) for name in COMMANDS]
    while groups:
        group = groups.pop()
        shown.add(inspect.cleandoc(group.help or ""))
        groups += [c for c in getattr(group, "commands", {}).values() if isinstance(c, TyperGroup)]
    assert len(defined) >= 20
    assert {where: help for where, help in defined.items() if help not in shown} == {}
