"""`paperclip budget`: the company's and its agents' monthly budgets (show, set), over the API."""

from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from paperclip.cli.common import ApiUrl, Company, api, console, fail

budget_app = typer.Typer(help="Monthly budgets: show them with this month's spend, set one.", no_args_is_help=True)

COMPANY = "company"
STATUS_STYLE = {"ok": "green", "warning": "yellow", "paused": "red"}


def usd(value: float) -> str:
    """`$12.50`, or `$0.0042` below a dollar (a cent is too coarse for single calls)."""
    return f"${value:,.2f}" if value >= 1 or value == 0 else f"${value:.4f}"


def cap_text(monthly_usd: float | None, monthly_tokens: int | None) -> str:
    """`$50.00, 2,000,000 tokens`; `no cap` with neither."""
    parts = [usd(monthly_usd)] if monthly_usd is not None else []
    parts += [f"{monthly_tokens:,} tokens"] if monthly_tokens is not None else []
    return ", ".join(parts) or "no cap"


def _amount(dollars: float, tokens: int) -> str:
    return f"{usd(dollars)}, {tokens:,} tokens"


def _share(line: dict[str, Any]) -> str:
    return "-" if line["share"] is None else f"{line['share']:.0%}"


def _status(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"


def _cap(given: float | None, *, clear: bool, kept: Any) -> Any:
    """The cap to send: None when cleared, else the one given, else the one the scope has."""
    return None if clear else given if given is not None else kept


def _path(company: str, scope: str | None = None) -> str:
    base = f"/api/companies/{company}/budgets"
    return base if scope is None else f"{base}/{scope}"


@budget_app.command("show")
def budget_show(company: Company, api_url: ApiUrl = None) -> None:
    """Show every budget with this month's spend: the company's, then each agent's."""
    with api(api_url) as client:
        report = client.get(_path(company))
    month = next((line["month"] for line in report["data"] if line["month"]), None)
    console.print(
        f"Budgets of [bold]{company}[/bold]{f' in {month}' if month else ''} (UTC month; warned at "
        f"{report['soft_limit']:.0%})",
        highlight=False,
    )
    table = Table("Scope", "Cap", "Spent", "Reserved", "Share", "Status")
    table.columns[4].justify = "right"
    for line in report["data"]:
        table.add_row(
            escape(line["scope"]),
            cap_text(line["monthly_usd"], line["monthly_tokens"]),
            _amount(line["spent_usd"], line["spent_tokens"]),
            _amount(line["reserved_usd"], line["reserved_tokens"]),
            _share(line),
            _status(line["status"]),
        )
    console.print(table)
    for warning in report["warnings"]:
        console.print(f"[yellow]{escape(warning)}[/yellow]", highlight=False, soft_wrap=True)


@budget_app.command("set")
def budget_set(
    company: Company,
    scope: Annotated[str, typer.Argument(help="`company`, or an agent's name.")] = COMPANY,
    usd_cap: Annotated[float | None, typer.Option("--usd", min=0, help="Monthly cap in USD.")] = None,
    tokens: Annotated[int | None, typer.Option("--tokens", min=0, help="Monthly cap in tokens.")] = None,
    no_usd: Annotated[bool, typer.Option("--no-usd", help="Remove the USD cap.")] = False,
    no_tokens: Annotated[bool, typer.Option("--no-tokens", help="Remove the token cap.")] = False,
    api_url: ApiUrl = None,
) -> None:
    """Set a monthly budget; a cap not mentioned stays as it is. A scope its budget paused
    resumes once the new budget leaves room."""
    if (usd_cap is not None and no_usd) or (tokens is not None and no_tokens):
        fail("give a cap or remove it, not both (--usd with --no-usd, --tokens with --no-tokens)")
    if usd_cap is None and tokens is None and not no_usd and not no_tokens:
        fail("nothing to change: give --usd, --tokens, --no-usd or --no-tokens")
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
