"""The `paperclip` group, which imports a command's module only when that command is run or
asked for its help: most commands are clients of the API over HTTP, and none should pay at
start for what another imports (the store, Temporal's SDK, every model of the product).

Its help lists the commands from `cli.registry` without importing them; running one, or its
`--help`, loads it and converts it as typer would have, had it been registered on the app.
"""

import importlib
from collections.abc import Iterator, MutableMapping
from typing import Any

import typer
from typer.core import TyperCommand

from cli.registry import COMMANDS
from cli.usage import OneLineUsageErrors


def load(name: str) -> Any:
    """The click command of `name` (a function, a `typer.Typer`, or a `cli.groups` function
    returning one), built by typer exactly as `app.command(name)` / `app.add_typer(…, name=name)`
    would have built it (a click command, of the copy of click typer carries), its help showing
    every option's name whole (`cli.help`)."""
    from cli.help import WholeNamesHelp, whole_names  # with the command: `import cli` loads no command module

    module, _, attribute = COMMANDS[name].target.partition(":")
    target: Any = getattr(importlib.import_module(module), attribute)
    if module == "cli.groups":
        target = target()
    holder = typer.Typer()
    if isinstance(target, typer.Typer):
        holder.add_typer(whole_names(target), name=name)
    else:
        holder.command(name, cls=WholeNamesHelp)(target)
    return typer.main.get_group(holder).commands[name]


class _Commands(MutableMapping[str, Any]):
    """The group's `commands`: every name of the registry, each command loaded when first read
    (click and typer read a group's commands through this mapping, and so may a test)."""

    def __init__(self) -> None:
        self._loaded: dict[str, Any] = {}

    def __getitem__(self, name: str) -> Any:
        if name not in COMMANDS:
            raise KeyError(name)
        if name not in self._loaded:
            self._loaded[name] = load(name)
        return self._loaded[name]

    def __setitem__(self, name: str, command: Any) -> None:
        self._loaded[name] = command

    def __delitem__(self, name: str) -> None:
        raise TypeError("the commands of `paperclip` are cli.registry's")

    def __iter__(self) -> Iterator[str]:
        return iter(COMMANDS)

    def __len__(self) -> int:
        return len(COMMANDS)


class LazyCommands(OneLineUsageErrors):
    """The root group: its commands are `cli.registry`'s, each loaded when first resolved."""

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.commands = _Commands()
        self._stubs = {name: TyperCommand(name, help=entry.help) for name, entry in COMMANDS.items()}
        self._listing = False

    def list_commands(self, ctx: Any) -> list[str]:
        return list(COMMANDS)  # the names alone: typer's own would read (load) every command

    def get_command(self, ctx: Any, cmd_name: str) -> Any:
        if self._listing:  # the help's list: a stub carrying the command's line
            return self._stubs.get(cmd_name)
        return self.commands.get(cmd_name)

    def format_help(self, ctx: Any, formatter: Any) -> None:
        """The help lists the stubs: their lines are the commands' own (`cli.registry`)."""
        self._listing = True
        try:
            super().format_help(ctx, formatter)
        finally:
            self._listing = False
