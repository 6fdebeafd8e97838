"""What every command shares: the console, common options, and the one way to fail."""

import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Annotated, NoReturn

import typer
from rich.console import Console

from paperclip.cli.client import ApiClient, ApiError
from paperclip.settings import get_settings

console = Console()
err_console = Console(stderr=True)

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


@contextmanager
def api(api_url: str | None) -> Iterator[ApiClient]:
    """An API client for one command; an `ApiError` inside becomes one red line and exit 1."""
    settings = get_settings()
    key = settings.idempotency_key or str(uuid.uuid4())  # one per command: its change is made once
    client = ApiClient(api_url or settings.resolved_api_url, api_key=settings.api_key, idempotency_key=key)
    try:
        yield client
    except ApiError as error:
        fail(str(error))
    finally:
        client.close()
