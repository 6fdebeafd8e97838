"""The `paperclip` command line (typer + rich).

Process commands (`up`, `worker`, `api`, `ui`) run the stack; resource commands are
clients of the API over HTTP, like the dashboard. The commands are listed in `cli.registry`
and imported only when one runs (`cli.lazy`), so that the CLI starts fast.
"""

import sys

import typer

from cli.lazy import LazyCommands

app = typer.Typer(
    name="paperclip",
    help="Paperclip on Temporal: run companies of AI agents on durable execution.",
    no_args_is_help=True,
    pretty_exceptions_enable=False,
    cls=LazyCommands,
)


def _version(asked: bool) -> None:
    if asked:
        from importlib.metadata import version

        typer.echo(f"paperclip {version('paperclip-temporal')}")
        raise typer.Exit()


@app.callback()
def _root(
    version: bool = typer.Option(False, "--version", is_eager=True, callback=_version, help="Print the version."),
) -> None:
    """Nothing to do before a command: typer makes the app a group because it has a callback."""


def main() -> None:
    """The `paperclip` command: a bad `PAPERCLIP_*` setting ends it with one readable line."""
    try:
        app(prog_name="paperclip")
    except Exception:
        settings = sys.modules.get("paperclip.settings")  # only a command that read them can fail on them
        if settings is None:
            raise
        with settings.bad_settings_exit():
            raise


__all__ = ["app", "main"]
