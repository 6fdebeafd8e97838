"""Numbers short enough for a metric tile (pure functions, no Streamlit): a tile a fifth of the page
wide shows a dozen characters, so `1,466 in / 197 out` becomes `1.5k / 197` and the exact figures
go in the tile's help.
"""

from paperclip.models import Budget, Spend, Usage
from paperclip.money import cap_text, usd


def compact(n: float) -> str:
    """`197`, `1.5k`, `12.3k`, `456k`, `2.3M`, `1.1B`: a tenth of the unit below a hundred of it,
    no trailing `.0`."""
    for size, unit in ((1e9, "B"), (1e6, "M"), (1e3, "k")):
        if abs(n) >= size * 0.9995:
            scaled = n / size
            text = f"{scaled:.1f}" if abs(scaled) < 100 else f"{scaled:.0f}"
            return text.removesuffix(".0") + unit
    return f"{n:,.0f}" if isinstance(n, float) and not n.is_integer() else f"{int(n):,}"


def tokens_brief(usage: Usage) -> str:
    """`1.5k / 197`: input / output tokens, for a tile labelled so."""
    return f"{compact(usage.input_tokens)} / {compact(usage.output_tokens)}"


def tokens_exact(usage: Usage) -> str:
    """`1,466 in / 197 out`: the figures behind `tokens_brief`."""
    return f"{usage.input_tokens:,} in / {usage.output_tokens:,} out"


def budget_brief(budget: Budget) -> tuple[str, str | None]:
    """A monthly budget as a tile's value and second line: `$50.00` and `and 2M tokens`; a token
    budget alone is `2M tokens`; with neither, `none`."""
    if budget.monthly_usd is not None:
        tokens = None if budget.monthly_tokens is None else f"and {compact(budget.monthly_tokens)} tokens"
        return usd(budget.monthly_usd), tokens
    if budget.monthly_tokens is not None:
        return f"{compact(budget.monthly_tokens)} tokens", None
    return "none", None


def against_budget(spend: Spend, budget: Budget) -> str:
    """`12% of $50.00, 2,000,000 tokens`: the larger spent share of the month's caps and the caps;
    `no budget` when there is none (a token budget is a budget)."""
    if not budget.is_capped:
        return "no budget"
    return f"{spend.share(budget):.0%} of {cap_text(budget.monthly_usd, budget.monthly_tokens)}"
