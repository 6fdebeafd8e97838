"""List prices and what a call costs."""

import pytest

from paperclip.models import Provider, Usage
from paperclip.pricing import Price, cost_usd, no_price_warning, price


@pytest.mark.parametrize(
    ("provider", "model", "expected"),
    [
        ("openai", "gpt-4o-mini-2024-07-18", Price(0.15, 0.60, 0.075)),
        ("openai", "gpt-4o", Price(2.50, 10.00, 1.25)),
        ("openai", "gpt-4.1-nano", Price(0.10, 0.40, 0.025)),
        ("openai", "openai/gpt-5-mini", Price(0.25, 2.00, 0.025)),
        ("openai", "o3-mini-2025-01-31", Price(1.10, 4.40, 0.55)),
        ("anthropic", "claude-sonnet-4-5-20250929", Price(3.00, 15.00, 0.30, 3.75)),
        ("anthropic", "claude-opus-4-1-20250805", Price(15.00, 75.00, 1.50, 18.75)),
        ("anthropic", "claude-opus-4-5", Price(5.00, 25.00, 0.50, 6.25)),
        ("anthropic", "claude-3-5-haiku-latest", Price(0.80, 4.00, 0.08, 1.00)),
    ],
)
def test_dated_and_tagged_names_find_their_family(provider, model, expected) -> None:
    assert price(provider, model) == expected


@pytest.mark.parametrize(
    ("provider", "model"),
    [
        ("openai", "llama3.1:8b"),
        ("openai", "gpt-4-turbo"),
        ("openai", "o30"),
        ("anthropic", "gpt-4o"),
        # The ledger names a CLI tool or adapter as the provider of its calls: no table of its own.
        ("codex", "gpt-5"),
        ("claude-code", "claude-sonnet-4-5"),
        ("process", "default"),
    ],
)
def test_an_unknown_model_has_no_price(provider, model) -> None:
    assert price(provider, model) is None
    assert cost_usd(provider, model, Usage(input_tokens=10, output_tokens=10)) is None


def test_cached_input_is_charged_at_the_cached_rate() -> None:
    usage = Usage(input_tokens=1_000_000, output_tokens=100_000, cached_input_tokens=400_000)
    # 600k fresh at $2.50, 400k cached at $1.25, 100k out at $10.
    assert cost_usd(Provider.OPENAI, "gpt-4o", usage) == pytest.approx(1.5 + 0.5 + 1.0)


def test_simulated_costs_nothing() -> None:
    assert cost_usd(Provider.SIMULATED, "simulated", Usage(input_tokens=5, output_tokens=5)) == 0.0


def test_the_warning_names_any_provider_the_ledger_keeps() -> None:
    assert no_price_warning(Provider.OPENAI, "my-model") == "openai:my-model has no price: token-only accounting"
    assert no_price_warning("codex", "gpt-5") == "codex:gpt-5 has no price: token-only accounting"
