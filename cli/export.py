"""`paperclip company export` and `company import`: a company as one document, moved or read."""

import json
from pathlib import Path
from typing import Annotated, Any
from urllib.parse import urlencode

import typer
from rich.markup import escape

from cli.common import ApiUrl, api, console, fail, working
from cli.resources import TraceFormat


def company_export(
    company: Annotated[str, typer.Argument(envvar="PAPERCLIP_COMPANY", help="Company id.")],
    format: Annotated[
        TraceFormat, typer.Option("--format", "-f", help="json (to import) or md (to read).")
    ] = TraceFormat.JSON,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Write it to this file instead of standard output.")
    ] = None,
    api_url: ApiUrl = None,
) -> None:
    """Export a company: agents, goals, budgets, routines, tasks with their conversations, costs."""
    with api(api_url) as client:
        text = client.get_text(f"/api/companies/{company}/export", format=format.value)
    if output is None:
        typer.echo(text, nl=False)
        return
    output.write_text(text)
    console.print(f"Exported {company} to {escape(str(output))}", highlight=False)


def company_import(
    file: Annotated[Path, typer.Argument(help="A JSON export (`paperclip company export`).")],
    id: Annotated[str | None, typer.Option("--id", help="The new company's id (default: the exported one's).")] = None,
    name: Annotated[str | None, typer.Option(help="Its name (default: the exported one's).")] = None,
    prefix: Annotated[str | None, typer.Option(help="Its task prefix; the history's identifiers follow it.")] = None,
    team: Annotated[str | None, typer.Option(help="The team that owns it.")] = None,
    api_url: ApiUrl = None,
) -> None:
    """Found a new company from an export, with its finished tasks as history.

    The same agents, goals, budgets, org chart, projects and labels; its routines paused; the
    finished tasks with their conversations, costs, dependencies, documents, files and work
    products kept as the new company's history.
    """
    try:
        document: Any = json.loads(file.read_text())
    except (OSError, ValueError) as err:
        fail(f"cannot read {file}: {err}")
    query = urlencode({k: v for k, v in {"id": id, "name": name, "prefix": prefix, "team": team}.items() if v})
    with api(api_url) as client, working(f"Importing {file.name} …"):
        company = client.post("/api/companies/import" + (f"?{query}" if query else ""), document)
    console.print(
        f"Imported [bold]{company['id']}[/bold] ({escape(company['name'])}, prefix {company['prefix']}) from"
        f" {company['imported_from']}: {company['agents']} agents, {company['goals']} goals,"
        f" {company['tasks']} finished tasks, {company['cost_events']} model calls"
        + (f", {company['projects']} projects" if company.get("projects") else "")
        + (f", {company['labels']} labels" if company.get("labels") else ""),
        highlight=False,
    )
    if company["routines"]:
        console.print(f"Routines, paused: {', '.join(company['routines'])} (`paperclip routine resume`)")
    for note in company["notes"]:
        console.print(f"[yellow]note:[/yellow] {escape(note)}", highlight=False)
