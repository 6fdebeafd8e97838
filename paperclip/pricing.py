"""What a model call costs: published list prices in USD per million tokens.

`Usage.input_tokens` counts *all* prompt tokens, cached ones included (OpenAI's convention; the
Anthropic provider adds cache reads and writes in). So a call costs
`(input - cached) * input_price + cached * cached_price + output * output_price`.
Anthropic cache *writes* are priced as plain input here (they list at 1.25x): we never ask for
prompt caching, so they do not occur.

Prices checked November 2026 against the providers' pricing pages. A model missing from the table
has no price (`None`): token-only accounting, never a silent zero.
"""

from dataclasses import dataclass

from paperclip.models import Provider, Usage


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float
    cached_input: float


_OPENAI: dict[str, Price] = {
    "gpt-4o": Price(2.50, 10.00, 1.25),
    "gpt-4o-mini": Price(0.15, 0.60, 0.075),
    "gpt-4.1": Price(2.00, 8.00, 0.50),
    "gpt-4.1-mini": Price(0.40, 1.60, 0.10),
    "gpt-4.1-nano": Price(0.10, 0.40, 0.025),
    "o1": Price(15.00, 60.00, 7.50),
    "o3": Price(2.00, 8.00, 0.50),
    "o3-mini": Price(1.10, 4.40, 0.55),
    "o3-pro": Price(20.00, 80.00, 20.00),
    "o4-mini": Price(1.10, 4.40, 0.275),
    "gpt-5": Price(1.25, 10.00, 0.125),
    "gpt-5-mini": Price(0.25, 2.00, 0.025),
    "gpt-5-nano": Price(0.05, 0.40, 0.005),
    "gpt-5-pro": Price(15.00, 120.00, 15.00),
    "gpt-5.2": Price(1.75, 14.00, 0.175),
    "gpt-5.4": Price(2.50, 15.00, 0.25),
    "gpt-5.4-mini": Price(0.75, 4.50, 0.075),
}

_ANTHROPIC: dict[str, Price] = {
    "claude-opus-4": Price(15.00, 75.00, 1.50),  # also claude-opus-4-1
    "claude-opus-4-5": Price(5.00, 25.00, 0.50),
    "claude-opus-4-6": Price(5.00, 25.00, 0.50),
    "claude-opus-4-7": Price(5.00, 25.00, 0.50),
    "claude-opus-4-8": Price(5.00, 25.00, 0.50),
    "claude-opus-5": Price(5.00, 25.00, 0.50),
    "claude-sonnet-4": Price(3.00, 15.00, 0.30),  # also 4-5 and 4-6
    "claude-3-7-sonnet": Price(3.00, 15.00, 0.30),
    "claude-haiku-4-5": Price(1.00, 5.00, 0.10),
    "claude-3-5-haiku": Price(0.80, 4.00, 0.08),
    "claude-3-haiku": Price(0.25, 1.25, 0.03),
}

_TABLES: dict[Provider, dict[str, Price]] = {
    Provider.OPENAI: _OPENAI,
    Provider.ANTHROPIC: _ANTHROPIC,
}

_SEPARATORS = "-.:@"


def price(provider: Provider | str, model: str) -> Price | None:
    """The list price of `model`, or None when it is not in the table.

    Dated or tagged names match their family by the longest prefix that ends at a separator
    (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`, `claude-sonnet-4-5-20250929` → `claude-sonnet-4`).
    A router's vendor prefix is ignored (`openai/gpt-4o` → `gpt-4o`).
    """
    table = _TABLES.get(Provider(provider))
    if not table:
        return None
    name = model.lower().rsplit("/", 1)[-1]
    best: str | None = None
    for key in table:
        if name == key or (name.startswith(key) and name[len(key)] in _SEPARATORS):
            if best is None or len(key) > len(best):
                best = key
    return table[best] if best else None


def cost_usd(provider: Provider | str, model: str, usage: Usage) -> float | None:
    """What `usage` on `model` costs in USD: 0.0 when simulated, None when the price is unknown."""
    if Provider(provider) is Provider.SIMULATED:
        return 0.0
    p = price(provider, model)
    if p is None:
        return None
    cached = min(usage.cached_input_tokens, usage.input_tokens)
    total = (usage.input_tokens - cached) * p.input + cached * p.cached_input + usage.output_tokens * p.output
    return round(total / 1_000_000, 10)
