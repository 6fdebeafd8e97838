"""`paperclip search`: find words in conversation messages, task titles and documents, over the API."""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.text import Text

from cli.common import ApiUrl, api, console
from cli.output import JsonOption, Table, print_json

MATCH_STYLE = "bold yellow"


class SearchKind(StrEnum):
    """What a hit is: the values of the store's `paperclip.store.search.SearchKind` (a test holds
    them equal), written here because importing the store brings SQLAlchemy into every command."""

    MESSAGE = "message"
    TASK = "task"
    DOCUMENT = "document"


def _match(hit: dict[str, Any]) -> Text:
    text = Text(hit["snippet"])
    for start, end in hit["marks"]:
        text.stylize(MATCH_STYLE, start, end)
    return text


def search(
    words: Annotated[list[str], typer.Argument(help='Words to find, all of them, and "quoted phrases".')],
    company: Annotated[
        str | None, typer.Option("--company", "-c", help="Only this company (default: every one you may see).")
    ] = None,
    kind: Annotated[SearchKind | None, typer.Option(help="Only messages, task titles or documents.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=100, help="How many hits, best first.")] = 20,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """Search conversation messages, task titles and task documents, best match first.

    Words match in any form: rockets finds rocket. A phrase goes in double quotes:
    paperclip search '"engine test"' budget
    """
    query = " ".join(words)
    path = "/api/search" if company is None else f"/api/companies/{company}/search"
    with api(api_url) as client:
        answer = client.get(path, q=query, kind=None if kind is None else kind.value, limit=limit)
    if as_json:
        print_json(answer)
        return
    hits = answer["data"]
    if not hits:
        console.print(f"Nothing matches {query}" + ("." if company is None else f" in {company}."), highlight=False)
        return
    table = Table(*(["Company"] if company is None else []), "Task", "Kind", "Who", "At", "Match")
    for hit in hits:
        title = f"\n[dim]{escape(hit['title'])}[/dim]" if hit.get("title") else ""
        table.add_row(
            *([escape(hit["company_id"])] if company is None else []),
            escape(hit["task"]) + title,
            hit["kind"] + (f" {escape(hit['document'])}" if hit.get("document") else ""),
            escape(hit.get("author") or hit["agent"]),
            datetime.fromisoformat(hit["at"]).strftime("%Y-%m-%d %H:%M:%S"),
            _match(hit),
        )
    console.print(table)
