"""`paperclip budget`: the company's and its agents' monthly budgets and the lifetime caps of
tasks and goals (show, set), over the API."""

from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, Company, api, console, fail
from cli.output import JsonOption, Table, print_json
from paperclip.money import cap_text, usd
from paperclip.vocabulary import COMPANY_SCOPE

budget_app = typer.Typer(
    help="Monthly budgets and lifetime caps: show them with their spend, set one.", no_args_is_help=True
)

STATUS_STYLE = {"ok": "green", "warning": "yellow", "paused": "red"}


def _amount(dollars: float, tokens: int) -> str:
    return f"{usd(dollars)}, {tokens:,} tokens"


def _unconfirmed(line: dict[str, Any]) -> str:
    """`(of which $0.05 unconfirmed)`: calls lost with their worker, charged at their worst case."""
    if not line.get("unconfirmed_tokens") and not line.get("unconfirmed_usd"):
        return ""
    return f"\n[yellow](of which {usd(line['unconfirmed_usd'])} unconfirmed)[/yellow]"


def _share(line: dict[str, Any]) -> str:
    return "-" if line["share"] is None else f"{line['share']:.0%}"


def _status(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"


def _cap(given: float | None, *, clear: bool, kept: Any) -> Any:
    """The cap to send: None when cleared, else the one given, else the one the scope has."""
    return None if clear else given if given is not None else kept


LIFETIME = {"task": "tasks", "goal": "goals", "project": "projects"}
"""Scopes of lifetime caps (`task:ACME-3`, `goal:G2`, `project:WEB`) and their path below the budgets."""


def _lifetime(scope: str) -> bool:
    return scope.partition(":")[0] in LIFETIME and ":" in scope


def _path(company: str, scope: str | None = None) -> str:
    base = f"/api/companies/{company}/budgets"
    if scope is None:
        return base
    if _lifetime(scope):
        kind, _, key = scope.partition(":")
        return f"{base}/{LIFETIME[kind]}/{key}"
    return f"{base}/{scope}"


def _table(heading: str, rows: list[tuple[dict[str, Any], str]]) -> Table:
    """Budget lines (each with its cap as text): scope, cap, spent, reserved, share, status."""
    table = Table(heading, "Cap", "Spent", "Reserved", "Share", "Status")
    table.columns[4].justify = "right"
    for line, cap in rows:
        table.add_row(
            escape(line["scope"]),
            cap,
            _amount(line["spent_usd"], line["spent_tokens"]) + _unconfirmed(line),
            _amount(line["reserved_usd"], line["reserved_tokens"]),
            _share(line),
            _status(line["status"]),
        )
    return table


@budget_app.command("show")
def budget_show(company: Company, as_json: JsonOption = False, api_url: ApiUrl = None) -> None:
    """Show every budget with this month's spend: the company's, then each agent's."""
    with api(api_url) as client:
        report = client.get(_path(company))
    if as_json:
        print_json(report)
        return
    month = next((line["month"] for line in report["data"] if line["month"]), None)
    console.print(
        f"Budgets of [bold]{company}[/bold]{f' in {month}' if month else ''} (UTC month; warned at "
        f"{report['soft_limit']:.0%})",
        highlight=False,
    )
    console.print(
        _table("Scope", [(line, cap_text(line["monthly_usd"], line["monthly_tokens"])) for line in report["data"]])
    )
    if report.get("caps"):
        console.print(
            _table("Lifetime cap", [(line, cap_text(line["usd"], line["tokens"])) for line in report["caps"]])
        )
    for warning in report["warnings"]:
        console.print(f"[yellow]{escape(warning)}[/yellow]", highlight=False, soft_wrap=True)


@budget_app.command("set")
def budget_set(
    company: Company,
    scope: Annotated[
        str,
        typer.Argument(
            help="`company` or an agent's name (monthly); `task:ACME-3`, `goal:G2` or `project:WEB` (lifetime)."
        ),
    ] = COMPANY_SCOPE,
    usd_cap: Annotated[float | None, typer.Option("--usd", min=0, help="Cap in USD.")] = None,
    tokens: Annotated[int | None, typer.Option("--tokens", min=0, help="Cap in tokens.")] = None,
    no_usd: Annotated[bool, typer.Option("--no-usd", help="Remove the USD cap.")] = False,
    no_tokens: Annotated[bool, typer.Option("--no-tokens", help="Remove the token cap.")] = False,
    api_url: ApiUrl = None,
) -> None:
    """Set a monthly budget, or a task's or goal's lifetime cap; a cap not mentioned stays as it
    is. A scope its budget stopped goes on once the new one leaves room."""
    if (usd_cap is not None and no_usd) or (tokens is not None and no_tokens):
        fail("give a cap or remove it, not both (--usd with --no-usd, --tokens with --no-tokens)")
    if usd_cap is None and tokens is None and not no_usd and not no_tokens:
        fail("nothing to change: give --usd, --tokens, --no-usd or --no-tokens")
    if _lifetime(scope):
        _set_cap(company, scope, usd_cap, tokens, no_usd=no_usd, no_tokens=no_tokens, api_url=api_url)
        return
    with api(api_url) as client:
        current = next((line for line in client.get(_path(company))["data"] if line["scope"] == scope), None)
        body = {
            "monthly_usd": _cap(usd_cap, clear=no_usd, kept=current and current["monthly_usd"]),
            "monthly_tokens": _cap(tokens, clear=no_tokens, kept=current and current["monthly_tokens"]),
        }
        line = client.put(_path(company, scope), body)
    console.print(
        f"Budget of [bold]{escape(scope)}[/bold] in {company}: {cap_text(line['monthly_usd'], line['monthly_tokens'])}"
        f" a month; spent {_amount(line['spent_usd'], line['spent_tokens'])} ({_share(line)}), "
        f"{_status(line['status'])}",
        highlight=False,
    )


def _set_cap(
    company: str,
    scope: str,
    usd_cap: float | None,
    tokens: int | None,
    *,
    no_usd: bool,
    no_tokens: bool,
    api_url: str | None,
) -> None:
    with api(api_url) as client:
        current = next((line for line in client.get(_path(company))["caps"] if line["scope"] == scope), None)
        body = {
            "usd": _cap(usd_cap, clear=no_usd, kept=current and current["usd"]),
            "tokens": _cap(tokens, clear=no_tokens, kept=current and current["tokens"]),
        }
        line = client.put(_path(company, scope), body)
    if line is None:
        console.print(f"[bold]{escape(scope)}[/bold] in {company} has no cap now", highlight=False)
        return
    console.print(
        f"Cap of [bold]{escape(scope)}[/bold] in {company}: {cap_text(line['usd'], line['tokens'])} in all; "
        f"spent {_amount(line['spent_usd'], line['spent_tokens'])} ({line['share']:.0%}), {_status(line['status'])}",
        highlight=False,
    )
