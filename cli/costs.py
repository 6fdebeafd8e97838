"""`paperclip costs`: what a company's model calls cost, summed by agent, model, task, goal or day."""

from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, Company, api, console, err_console
from cli.output import JsonOption, Table, print_json
from paperclip.money import cost
from paperclip.vocabulary import CostGroup


def _usd(line: dict[str, Any]) -> str:
    """The priced calls' USD; `-` when every call of the line is unpriced (unknown, not $0)."""
    if line["calls"] and line["unpriced_calls"] == line["calls"]:
        return "-"
    return cost(line["cost_usd"])


def _row(label: str, line: dict[str, Any]) -> list[str]:
    usage = line["usage"]
    unpriced = line["unpriced_calls"]
    return [
        label,
        str(line["calls"]),
        f"{usage['input_tokens']:,}",
        f"{usage['cached_input_tokens']:,}",
        f"{usage.get('cache_write_tokens', 0):,}",
        f"{usage['output_tokens']:,}",
        _usd(line),
        f"[yellow]{unpriced}[/yellow]" if unpriced else "0",
        f"[yellow]{line['unconfirmed']['attempts']}[/yellow]" if line.get("unconfirmed", {}).get("attempts") else "0",
    ]


def costs(
    company: Company,
    by: Annotated[CostGroup, typer.Option("--by", help="Sum by agent, model, task, goal, project or day (UTC).")] = (
        CostGroup.AGENT
    ),
    since: Annotated[str | None, typer.Option(help="Only calls from this date or time on (UTC unless given).")] = None,
    until: Annotated[str | None, typer.Option(help="Only calls before this date or time (UTC unless given).")] = None,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """Show what the company's model calls cost: calls, tokens and USD per group, with a total.

    Calls of a model without a price count in tokens only; a warning names each such model.
    """
    with api(api_url) as client:
        report = client.get(f"/api/companies/{company}/costs", group_by=by.value, since=since, until=until)
    if as_json:
        print_json(report)
        return
    if not report["data"]:
        console.print(f"No model calls in {company} yet." if since is None and until is None else "No calls then.")
    else:
        table = Table(
            by.value.capitalize(),
            "Calls",
            "Input",
            "Cached",
            "Cache writes",
            "Output",
            "USD",
            "Unpriced",
            "Unconfirmed",
        )
        for column in table.columns[1:]:
            column.justify = "right"
        for line in report["data"]:
            table.add_row(*_row(escape(line["key"] or "(none)"), line))
        table.add_section()
        table.add_row(*_row("Total", report["total"]), style="bold")
        console.print(table)
    for warning in report.get("warnings", []):
        err_console.print(f"[yellow]warning: {escape(warning)}[/yellow]", highlight=False, soft_wrap=True)
