"""`paperclip task products ID` and `paperclip artifacts`: what tasks produced, over the API."""

from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, Company, api, console
from cli.output import JsonOption, Table, print_json
from paperclip.vocabulary import WorkProductKind


def task_products(
    identifier: Annotated[str, typer.Argument(help="Task identifier, e.g. ACME-1.")],
    company: Company,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """List what a task produced: commits, branches, pull requests, files, documents, URLs."""
    with api(api_url) as client:
        answer = client.get(f"/api/companies/{company}/tasks/{identifier}/work-products")
    if as_json:
        print_json(answer)
        return
    found = answer.get("data", [])
    if not found:
        console.print(f"{identifier} has no work products yet.", highlight=False)
        return
    console.print(products_table(found, with_task=False))


def artifacts(
    company: Company,
    kind: Annotated[WorkProductKind | None, typer.Option("--kind", help="Only this kind.")] = None,
    task: Annotated[str | None, typer.Option("--task", help="Only this task's.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many, newest first.")] = 100,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """List what the company's tasks produced, newest first."""
    params: dict[str, Any] = (
        {"limit": limit} | ({"kind": kind.value} if kind else {}) | ({"task": task} if task else {})
    )
    with api(api_url) as client:
        answer = client.get(f"/api/companies/{company}/work-products", **params)
    if as_json:
        print_json(answer)
        return
    found = answer.get("data", [])
    if not found:
        console.print(f"No work products in {company}{f' of kind {kind.value}' if kind else ''} yet.", highlight=False)
        return
    console.print(products_table(found, with_task=True))


def products_table(products: list[dict[str, Any]], *, with_task: bool) -> Table:
    table = Table(show_lines=False)
    for column in (["task"] if with_task else []) + ["kind", "value", "title", "recorded by", "when"]:
        table.add_column(column, overflow="fold")
    for p in products:
        when = str(p.get("created_at", ""))[:19].replace("T", " ")
        cells = [p["kind"], p["value"], p.get("title", ""), p.get("recorded_by", ""), when]
        table.add_row(*[escape(str(c)) for c in ([p["task"]] if with_task else []) + cells])
    return table
