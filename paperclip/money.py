"""Money as the product writes it, the same in the CLI, the dashboard, traces and exports.

`usd` is the one formatter: whole-dollar amounts as `$12.50` (grouped: `$1,250.00`), amounts under
a dollar to a hundredth of a cent (`$0.0042`), because a single model call costs less than a cent
and rounding it to `$0.00` would hide it. `cost` is the same number where a column of single
calls' costs is compared line by line: always four decimals (`$0.0420`, `$1.2500`). `short` is
how the company's activity log writes an amount inside a sentence (`$0.5 of $2.00`).
"""

COST_DECIMALS = 4
"""Decimals of a single call's or a task's cost (`$0.0042`)."""


def usd(value: float) -> str:
    """`$12.50` from a dollar up (and for nothing: `$0.00`), `$0.0042` below a dollar."""
    return f"${value:,.2f}" if value >= 1 or value == 0 else f"${value:.{COST_DECIMALS}f}"


def cost(value: float) -> str:
    """A call's, a turn's or a task's cost to four decimals (`$0.0042`, `$12.5000`)."""
    return f"${value:.{COST_DECIMALS}f}"


def cap_text(usd_limit: float | None, tokens_limit: int | None) -> str:
    """A budget's or a cap's limits: `$50.00, 2,000,000 tokens`; `no cap` with neither."""
    parts = [usd(usd_limit)] if usd_limit is not None else []
    parts += [f"{tokens_limit:,} tokens"] if tokens_limit is not None else []
    return ", ".join(parts) or "no cap"


def short(value: float) -> str:
    """An amount inside a sentence of the activity log: cents from a dollar up (`$12.50`), else up
    to four decimals without trailing zeros (`$0.0042`, `$0.5`)."""
    return f"${value:.{COST_DECIMALS}f}".rstrip("0").rstrip(".") if value < 1 else f"${value:.2f}"
