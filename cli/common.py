"""What every command shares: the console, common options, and the one way to fail.

Settings, the HTTP client and the board are imported when a command talks to the API, not when
the CLI starts: `paperclip --help` and a command's `--help` load none of them (`tests/cli/
test_import_weight.py`)."""

import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import TYPE_CHECKING, Annotated, NoReturn

import typer

from cli.output import PipeWideConsole

if TYPE_CHECKING:
    from paperclip.client import ApiClient
    from paperclip.settings import Settings

console = PipeWideConsole()
err_console = PipeWideConsole(stderr=True)


@contextmanager
def working(doing: str) -> Iterator[None]:
    """A spinner on stderr saying what a wait is for (`doing`, e.g. "Backing up …"), shown only on
    a terminal: a pipe or a file gets the command's own output and nothing else."""
    with err_console.status(doing, spinner="dots"):
        yield


ApiUrl = Annotated[
    str | None,
    typer.Option("--api-url", help="API base URL (default: PAPERCLIP_API_URL, else the local API)."),
]
Company = Annotated[
    str,
    typer.Option("--company", "-c", envvar="PAPERCLIP_COMPANY", help="Company id (or PAPERCLIP_COMPANY)."),
]


def fail(message: str) -> NoReturn:
    """Print one red line on stderr and exit with code 1."""
    err_console.print(f"[red]error:[/red] {message}", highlight=False, soft_wrap=True)
    raise typer.Exit(1)


def credential(settings: "Settings", api_url: str) -> str | None:
    """What the CLI sends to `api_url`: `PAPERCLIP_API_KEY`, else an agent's `PAPERCLIP_TASK_TOKEN`,
    else the board token of `PAPERCLIP_HOME` when the API is on this machine (`board.bearer_for`)."""
    from paperclip import board

    if settings.api_key is not None and not (settings.api_key.isascii() and settings.api_key.isprintable()):
        # A placeholder pasted as is (`pck_…`) cannot go in a header: say so rather than crash in httpx.
        fail(
            "PAPERCLIP_API_KEY is not a key: it holds a character no key has (a key is the whole pck_… "
            "line `paperclip token create` printed)"
        )
    try:
        return board.bearer_for(
            api_url,
            api_key=settings.api_key,
            task_token=os.environ.get("PAPERCLIP_TASK_TOKEN") or None,
            home=settings.home_dir,
            own_host=settings.host,
        )
    except board.BoardTokenError as error:
        fail(str(error))


def _no_credential(settings: "Settings", url: str) -> str:
    """Why a CLI that sent nothing was refused, and what to do."""
    from paperclip import board

    if board.on_this_machine(url, settings.host):
        return (
            f"the API at {url} wants a key, and this CLI has none: no PAPERCLIP_API_KEY, and no board token "
            f"in {settings.home_dir} (run it with the API's PAPERCLIP_HOME, or set PAPERCLIP_API_KEY)"
        )
    return (
        f"the API at {url} wants a key: set PAPERCLIP_API_KEY (paperclip token create); "
        "this machine's board token is sent only to an API on this machine"
    )


@contextmanager
def api(api_url: str | None) -> Iterator["ApiClient"]:
    """An API client for one command; an `ApiError` inside becomes one red line and exit 1."""
    from paperclip.client import ApiClient, ApiError
    from paperclip.settings import get_settings

    settings = get_settings()
    url = api_url or settings.resolved_api_url
    sent = credential(settings, url)
    key = settings.idempotency_key or str(uuid.uuid4())  # one per command: its change is made once
    client = ApiClient(url, api_key=sent, idempotency_key=key)
    try:
        yield client
    except ApiError as error:
        if error.status == 401 and sent is None:
            fail(_no_credential(settings, url))
        fail(str(error))
    finally:
        client.close()
