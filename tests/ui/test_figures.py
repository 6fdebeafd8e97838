"""Metric tiles' numbers: short enough to show whole, the exact figures kept for the help."""

import pytest

from paperclip.models import Budget, Spend, Usage
from ui.figures import against_budget, budget_brief, compact, tokens_brief, tokens_exact


@pytest.mark.parametrize(
    ("n", "said"),
    [
        (0, "0"),
        (197, "197"),
        (999, "999"),
        (1466, "1.5k"),
        (1000, "1k"),
        (12_345, "12.3k"),
        (456_400, "456k"),
        (2_300_000, "2.3M"),
    ],
)
def test_compact_keeps_a_tenth_of_the_unit_below_a_hundred(n: int, said: str) -> None:
    assert compact(n) == said


def test_tokens_read_in_over_out_briefly_and_exactly() -> None:
    usage = Usage(input_tokens=1466, output_tokens=197)
    assert tokens_brief(usage) == "1.5k / 197"
    assert tokens_exact(usage) == "1,466 in / 197 out"


def test_a_token_budget_is_a_budget() -> None:
    tokens_only = Budget(monthly_tokens=100_000)
    assert budget_brief(tokens_only) == ("100k tokens", None)
    assert against_budget(Spend(usd=0.0, tokens=2_674), tokens_only) == "3% of 100,000 tokens"
    both = Budget(monthly_usd=50.0, monthly_tokens=2_000_000)
    assert budget_brief(both) == ("$50.00", "and 2M tokens")
    assert budget_brief(Budget()) == ("none", None)
    assert against_budget(Spend(usd=1.0, tokens=0), Budget()) == "no budget"
