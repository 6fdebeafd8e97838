"""`paperclip task doc …`: the documents of a task (`plan`, `design`, `notes`), over the API.

`show` prints the body alone on stdout (its revision line goes to stderr), so that
`paperclip task doc show ACME-1 plan > plan.md`, an edit, and
`paperclip task doc save ACME-1 plan plan.md --base 3` round-trip a document.
"""

import sys
from datetime import datetime
from pathlib import Path
from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, Company, api, console, err_console, fail
from cli.output import JsonOption, Table, print_json

doc_app = typer.Typer(help="A task's documents: list, show, save, history, restore.", no_args_is_help=True)

Task = Annotated[str, typer.Argument(help="Task identifier, e.g. ACME-1.")]
Key = Annotated[str, typer.Argument(help="The document's key, e.g. plan, design, notes.")]


def _path(company: str, task: str, key: str | None = None) -> str:
    return f"/api/companies/{company}/tasks/{task}/documents" + (f"/{key}" if key else "")


def _when(at: str) -> str:
    return datetime.fromisoformat(at).strftime("%Y-%m-%d %H:%M:%S")


def _saved(document: dict[str, Any]) -> str:
    restored = f", restoring revision {document['restored_from']}" if document.get("restored_from") else ""
    return (
        f"{escape(document['task'])} {escape(document['key'])}: revision {document['revision']} "
        f"by {escape(document['author'])} at {_when(document['created_at'])}{restored}"
    )


@doc_app.command("list")
def doc_list(task: Task, company: Company, as_json: JsonOption = False, api_url: ApiUrl = None) -> None:
    """List the task's documents at their latest revision."""
    with api(api_url) as client:
        answer = client.get(_path(company, task))
    if as_json:
        print_json(answer)
        return
    documents = answer["data"]
    if not documents:
        console.print(f"{escape(task)} has no documents.", highlight=False)
        return
    table = Table("Key", "Revision", "By", "Saved", "Characters")
    for d in documents:
        table.add_row(
            escape(d["key"]), str(d["revision"]), escape(d["author"]), _when(d["updated_at"]), f"{d['chars']:,}"
        )
    console.print(table)


@doc_app.command("show")
def doc_show(
    task: Task,
    key: Key,
    company: Company,
    revision: Annotated[int | None, typer.Option(min=1, help="An earlier revision (default: the latest).")] = None,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """Print a document's body (its revision line on stderr)."""
    with api(api_url) as client:
        document = client.get(_path(company, task, key), revision=revision)
    if as_json:
        print_json(document)
        return
    err_console.print(_saved(document), style="dim", highlight=False)
    sys.stdout.write(document["body"] + ("" if document["body"].endswith("\n") else "\n"))


@doc_app.command("save")
def doc_save(
    task: Task,
    key: Key,
    file: Annotated[str, typer.Argument(help="The markdown file to save, or - for stdin.")],
    company: Company,
    base: Annotated[
        int | None,
        typer.Option(
            min=0,
            help="The revision you edited (0: a new document); refused if someone saved since. "
            "Default: the latest revision, whatever it is.",
        ),
    ] = None,
    api_url: ApiUrl = None,
) -> None:
    """Save a file as the document's next revision."""
    try:
        body = sys.stdin.read() if file == "-" else Path(file).read_text(encoding="utf-8")
    except (OSError, UnicodeDecodeError) as err:
        fail(f"cannot read {file}: {getattr(err, 'strerror', None) or err}")
    with api(api_url) as client:
        if base is None:
            listed = client.get(_path(company, task))["data"]
            base = next((d["revision"] for d in listed if d["key"] == key), 0)
        saved = client.put(_path(company, task, key), {"body": body, "base_revision": base})
    console.print(f"Saved {_saved(saved)}", highlight=False)


@doc_app.command("history")
def doc_history(task: Task, key: Key, company: Company, as_json: JsonOption = False, api_url: ApiUrl = None) -> None:
    """List a document's revisions, newest first."""
    with api(api_url) as client:
        answer = client.get(f"{_path(company, task, key)}/revisions")
    if as_json:
        print_json(answer)
        return
    revisions = answer["data"]
    table = Table("Revision", "By", "Saved", "Restored from")
    for r in revisions:
        restored = str(r["restored_from"]) if r.get("restored_from") else "-"
        table.add_row(str(r["revision"]), escape(r["author"]), _when(r["created_at"]), restored)
    console.print(table)


@doc_app.command("restore")
def doc_restore(
    task: Task,
    key: Key,
    revision: Annotated[int, typer.Argument(min=1, help="The revision whose body becomes the newest.")],
    company: Company,
    api_url: ApiUrl = None,
) -> None:
    """Make an earlier revision's body the document's newest revision."""
    with api(api_url) as client:
        saved = client.post(f"{_path(company, task, key)}/restore", {"revision": revision})
    console.print(f"Restored {_saved(saved)}", highlight=False)
