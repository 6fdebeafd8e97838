"""A command's `--help` that shows every option's name whole, at any width.

Typer's rich help sets a command's options in a six-column table that, at 80 columns, cuts long
option names (`--wake-on-assi…`). A command's help is rich's when that shows every name whole,
else click's plain layout: one option a line, its help wrapped beside or under it."""

import io
from contextlib import redirect_stdout
from typing import Any, Literal

import typer
from typer.core import TyperCommand


class WholeNamesHelp(TyperCommand):
    """A typer command whose help never truncates an option's name."""

    def format_help(self, ctx: Any, formatter: Any) -> None:
        mode = self.rich_markup_mode
        if mode is not None and not self._rich_shows_every_name(ctx, mode):
            asked, self.rich_markup_mode = self.rich_markup_mode, None
            try:
                super().format_help(ctx, formatter)
            finally:
                self.rich_markup_mode = asked
            return
        super().format_help(ctx, formatter)

    def _rich_shows_every_name(self, ctx: Any, mode: Literal["markdown", "rich"]) -> bool:
        """Whether rich's help, at the width it would be printed in, has every option name whole
        (rich prints it itself, to stdout: caught here, at the same width, to be read)."""
        from typer import rich_utils

        printed = io.StringIO()
        with redirect_stdout(printed):
            rich_utils.rich_format_help(obj=self, ctx=ctx, markup_mode=mode)
        words = set(printed.getvalue().replace(",", " ").split())
        names = [name for param in self.params for name in (*param.opts, *param.secondary_opts)]
        return all(name in words for name in names if name.startswith("-"))


def whole_names(app: typer.Typer) -> typer.Typer:
    """Give every command of `app`, and of its groups, the help above (unless it asked for a class
    of its own); idempotent, so a group assembled once may be passed again."""
    for info in app.registered_commands:
        if info.cls in (None, TyperCommand):  # typer's default
            info.cls = WholeNamesHelp
    for group in app.registered_groups:
        if group.typer_instance is not None:
            whole_names(group.typer_instance)
    return app
