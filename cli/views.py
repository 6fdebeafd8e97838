"""`paperclip activity` and `paperclip org`: read-only views of a company, over the API."""

from datetime import datetime
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.tree import Tree

from cli.common import ApiUrl, Company, api, console
from cli.output import JsonOption, Table, print_json
from paperclip.money import cost

STATUS_STYLE = {"active": "green", "idle": "green", "running": "yellow", "paused": "magenta", "error": "red"}


def activity(
    company: Company,
    kind: Annotated[str | None, typer.Option(help="A kind (task.created) or a family (task.*).")] = None,
    agent: Annotated[str | None, typer.Option(help="Only entries about this agent.")] = None,
    task: Annotated[str | None, typer.Option(help="Only entries about this task.")] = None,
    actor: Annotated[str | None, typer.Option(help="Only entries by board, system, an agent or routine:NAME.")] = None,
    limit: Annotated[int, typer.Option(min=1, max=1000, help="How many of the latest entries.")] = 50,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """Show the company's activity log (the latest entries, oldest first)."""
    params = {"kind": kind, "agent": agent, "task": task, "actor": actor, "limit": limit, "order": "desc"}
    with api(api_url) as client:
        answer = client.get(f"/api/companies/{company}/activity", **params)
    if as_json:
        print_json(answer)
        return
    entries = list(reversed(answer.get("data", [])))
    if not entries:
        console.print(f"No activity in {company} matches.")
        return
    table = Table("#", "At", "Kind", "Actor", "Task", "Agent", "Summary")
    for entry in entries:
        table.add_row(
            str(entry["seq"]),
            datetime.fromisoformat(entry["at"]).strftime("%Y-%m-%d %H:%M:%S"),
            escape(entry["kind"]),
            escape(entry["actor"]),
            escape(entry.get("task") or ""),
            escape(entry.get("agent") or ""),
            escape(entry.get("summary") or ""),
        )
    console.print(table)


def _label(node: dict[str, Any]) -> str:
    status = node["status"]
    model = "[yellow]simulated[/yellow]" if node.get("simulated") else escape(node["model"])
    title = f" — {escape(node['title'])}" if node.get("title") else ""
    running = f", {node['running']} running" if node.get("running") else ""
    wakes = ""
    if node.get("heartbeat_seconds"):
        wakes = (
            f" · wakes every {node['heartbeat_seconds']} s"
            f" ({node.get('wakes', 0)} with work, {node.get('skipped_wakes', 0)} skipped)"
        )
    reason = f" ({escape(node['pause_reason'])})" if node.get("pause_reason") else ""
    retrying = "".join(
        f" · [red]↻ {escape(task)} retrying {escape(_retry_brief(retry))}[/red]"
        for task, retry in (node.get("retrying") or {}).items()
    )
    return (
        f"[bold]{escape(node['name'])}[/bold]{title} [dim]({node['role']})[/dim] · {model} · "
        f"[{STATUS_STYLE.get(status, 'dim')}]{status}{reason}[/]{running}{retrying} · "
        f"{cost(node.get('cost_usd', 0.0))}{wakes}"
    )


def _grow(tree: Tree, node: dict[str, Any]) -> None:
    branch = tree.add(_label(node))
    for report in node.get("reports", []):
        _grow(branch, report)


def org(company: Company, as_json: JsonOption = False, api_url: ApiUrl = None) -> None:
    """Show the org chart: who reports to whom, with status, model and spend."""
    with api(api_url) as client:
        chart = client.get(f"/api/companies/{company}/org")
    if as_json:
        print_json(chart)
        return
    tree = Tree(f"[bold]{escape(chart['company_id'])}[/bold] ({chart['count']} agents)")
    for root in chart.get("data", []):
        _grow(tree, root)
    console.print(tree)


def _retry_brief(retry: dict) -> str:
    from paperclip.models import RetryState  # the models only for an agent whose task is retrying

    return RetryState.model_validate(retry).brief()
