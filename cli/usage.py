"""A usage error of any `paperclip` command — an unknown option, a missing argument, a value of
the wrong kind — is one line on stderr and exit code 1, like every other error of the CLI,
instead of click's usage box and exit code 2."""

import traceback
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any

import typer
from typer.core import TyperGroup

# Typer raises click's exceptions, or those of the copy of click it carries (newer releases):
# found from the one it exports, they are the same classes either way.
_USAGE_ERROR: type[Exception] = next(c for c in typer.BadParameter.__mro__ if c.__name__ == "UsageError")


def usage_line(error: Exception) -> str:
    """`paperclip: no such option: --frobnicate (see paperclip task assign --help)`."""
    message = " ".join(error.format_message().split()).rstrip(".")  # type: ignore[attr-defined]
    message = message.replace("Value error, ", "")  # how typer words a value its type refused
    return f"paperclip: {message[:1].lower()}{message[1:]} (see {_command_path(error)} --help)"


def _command_path(error: Exception) -> str:
    """The failing command's path (`paperclip task assign`). Click leaves the context off a few
    parse errors (an option without its value); the command's `parse_args(ctx, …)` frame has it."""
    context = getattr(error, "ctx", None)
    if context is None:
        frames = [frame.f_locals.get("ctx") for frame, _ in traceback.walk_tb(error.__traceback__)]
        context = next((c for c in reversed(frames) if hasattr(c, "command_path")), None)
    return "paperclip" if context is None else str(context.command_path)


@contextmanager
def _one_line() -> Iterator[None]:
    try:
        yield
    except _USAGE_ERROR as error:
        if type(error).__name__ == "NoArgsIsHelpError":
            raise  # a command group given nothing shows its help
        typer.echo(usage_line(error), err=True)
        raise typer.Exit(1) from None


class OneLineUsageErrors(TyperGroup):
    """The `paperclip` group: its own arguments and every command's under it are parsed inside
    its `make_context` and `invoke`, so a usage error anywhere is caught here."""

    def make_context(self, *args: Any, **kwargs: Any) -> Any:
        with _one_line():
            return super().make_context(*args, **kwargs)

    def invoke(self, *args: Any, **kwargs: Any) -> Any:
        with _one_line():
            return super().invoke(*args, **kwargs)
