"""Money as the product writes it (`paperclip.money`): one module for the CLI, the dashboard,
traces, exports and the company's activity log."""

import pytest

from paperclip.money import cap_text, cost, short, usd


@pytest.mark.parametrize(
    ("value", "text"),
    [(0, "$0.00"), (0.0042, "$0.0042"), (0.5, "$0.5000"), (1, "$1.00"), (12.5, "$12.50"), (1250, "$1,250.00")],
)
def test_an_amount_shows_cents_from_a_dollar_and_a_hundredth_of_a_cent_below(value: float, text: str) -> None:
    assert usd(value) == text


def test_a_cost_always_shows_four_decimals() -> None:
    assert [cost(v) for v in (0, 0.0042, 0.1, 12.5)] == ["$0.0000", "$0.0042", "$0.1000", "$12.5000"]


@pytest.mark.parametrize(
    ("usd", "text"),
    [(0, "$0"), (0.5, "$0.5"), (0.25, "$0.25"), (0.0042, "$0.0042"), (0.00001, "$0"), (1, "$1.00"), (12.5, "$12.50")],
)
def test_money_shows_cents_from_a_dollar_and_up_to_four_decimals_below(usd: float, text: str) -> None:
    assert short(usd) == text


def test_a_limit_names_what_it_caps() -> None:
    assert cap_text(50, 2_000_000) == "$50.00, 2,000,000 tokens"
    assert (cap_text(None, 10), cap_text(0.25, None), cap_text(None, None)) == ("10 tokens", "$0.2500", "no cap")
