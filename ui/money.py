"""What the costs page draws, from the API's `CostReport` and `BudgetReport` (`paperclip.api_models`;
pure functions, no Streamlit): chart rows of spend by agent, model or day, the period they cover,
the prompt cache's part of the input, and the budget lines with spent against limit.
"""

from datetime import UTC, datetime, timedelta
from typing import Any, Literal

from paperclip.models import BudgetLine, BudgetReport, BudgetStatus, CapLine, CostGroup, CostLine, Provider, Usage
from paperclip.money import cap_text, usd
from ui.rows import SIMULATED_LABEL

Measure = Literal["USD", "tokens"]

THIS_MONTH, ALL_TIME = "This month (UTC)", "All time"
_DAYS_BACK = {"Last 7 days": 7, "Last 30 days": 30}
PERIODS = [THIS_MONTH, *_DAYS_BACK, ALL_TIME]
"""The periods the costs page offers; this month is the one budgets count."""

STATUS_ICON: dict[BudgetStatus, str] = {"ok": "✅ ok", "warning": "⚠️ warning", "paused": "⛔ paused"}


def since(period: str, now: datetime) -> datetime | None:
    """When `period` (one of `PERIODS`) starts, seen at `now`; None for all time."""
    if period == THIS_MONTH:
        return now.astimezone(UTC).replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    days = _DAYS_BACK.get(period)
    return None if days is None else now - timedelta(days=days)


def cost_label(key: str | None, group: CostGroup) -> str:
    """A cost line's key as the page shows it: the simulated model labelled so, a task's missing goal named."""
    if key is None:
        return "(no goal)"
    if group is CostGroup.MODEL and key.partition(":")[0] == Provider.SIMULATED:
        return SIMULATED_LABEL
    return key


def tokens(line: CostLine) -> int:
    """Tokens as budgets count them: input and output."""
    return line.usage.input_tokens + line.usage.output_tokens


def cache_text(usage: Usage) -> str:
    """`9,000 read / 1,200 written`: the input tokens read from the provider's prompt cache and
    written to it (each billed at its own price)."""
    return f"{usage.cached_input_tokens:,} read / {usage.cache_write_tokens:,} written"


def uses_cache(usage: Usage) -> bool:
    """Whether any of `usage`'s input was read from the prompt cache or written to it."""
    return bool(usage.cached_input_tokens or usage.cache_write_tokens)


def chart_rows(lines: list[CostLine], *, group: CostGroup, measure: Measure) -> list[dict[str, Any]]:
    """One row per line, in the API's order: its label under the group's name, and its USD or tokens."""
    return [
        {group.value: cost_label(line.key, group), measure: line.cost_usd if measure == "USD" else tokens(line)}
        for line in lines
    ]


def _row(scope: str, limit: str, line: BudgetLine | CapLine) -> dict[str, Any]:
    return {
        "scope": scope,
        "limit": limit,
        "spent": f"{usd(line.spent_usd)}, {line.spent_tokens:,} tokens"
        + (f" (of which {usd(line.unconfirmed_usd)} unconfirmed)" if line.unconfirmed_tokens else ""),
        "reserved": f"{usd(line.reserved_usd)}, {line.reserved_tokens:,} tokens",
        "share": line.share,
        "status": STATUS_ICON[line.status],
    }


def budget_rows(report: BudgetReport) -> list[dict[str, Any]]:
    """The monthly budgets: scope, limit, spent and reserved this month, the spent share, status."""
    return [_row(line.scope, cap_text(line.monthly_usd, line.monthly_tokens), line) for line in report.data]


def cap_rows(report: BudgetReport) -> list[dict[str, Any]]:
    """The lifetime caps, with what their scope spent since each was set."""
    return [_row(line.scope, cap_text(line.usd, line.tokens), line) for line in report.caps]


def budget_body(monthly_usd: float | None, monthly_tokens: int | None) -> dict[str, Any]:
    """The PUT body of a scope's whole monthly budget: an empty field is no cap of that kind."""
    return {"monthly_usd": monthly_usd, "monthly_tokens": None if monthly_tokens is None else int(monthly_tokens)}
