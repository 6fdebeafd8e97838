"""What a model call costs: published list prices in USD per million tokens.

`Usage.input_tokens` counts *all* prompt tokens, cache reads and writes included (OpenAI's
convention; the Anthropic provider adds its separately reported reads and writes in). So a call costs
`(input - cached - written) * input_price + cached * cached_price + written * cache_write_price
+ output * output_price`. Anthropic bills a (5-minute) cache write at 1.25x its input price and a
read at 0.1x; OpenAI writes nothing extra and bills cached input at each model's listed price.

Prices checked November 2026 against the providers' pricing pages. A model missing from the table
has no price (`None`): token-only accounting, never a silent zero.

An agent's own `ModelConfig.price` beats the table (`price_for`); settings-level overrides
(`PAPERCLIP_PRICES`) are written into that field when the agent is hired (`with_price`), because a
workflow must not read the environment. Everything here is pure and deterministic: workflows import
it to estimate what a call may cost before making it.
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import overload

from paperclip.models import AgentSpec, ModelConfig, ModelPrice, Provider, Usage


@dataclass(frozen=True)
class Price:
    """USD per million tokens."""

    input: float
    output: float
    cached_input: float
    cache_write: float | None = None
    """A prompt-cache write's price; None: the input price (OpenAI caches for free)."""

    @property
    def write(self) -> float:
        return self.input if self.cache_write is None else self.cache_write


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

CACHE_WRITE = 1.25
"""Anthropic's 5-minute cache write, per input price."""

CACHE_READ = 0.1
"""Anthropic's cache read, per input price."""


def _anthropic(input: float, output: float) -> Price:
    return Price(input, output, round(input * CACHE_READ, 6), round(input * CACHE_WRITE, 6))


_ANTHROPIC: dict[str, Price] = {
    "claude-opus-4": _anthropic(15.00, 75.00),  # also claude-opus-4-1
    "claude-opus-4-5": _anthropic(5.00, 25.00),
    "claude-opus-4-6": _anthropic(5.00, 25.00),
    "claude-opus-4-7": _anthropic(5.00, 25.00),
    "claude-opus-4-8": _anthropic(5.00, 25.00),
    "claude-opus-5": _anthropic(5.00, 25.00),
    "claude-sonnet-4": _anthropic(3.00, 15.00),  # also 4-5 and 4-6
    "claude-3-7-sonnet": _anthropic(3.00, 15.00),
    "claude-haiku-4-5": _anthropic(1.00, 5.00),
    "claude-3-5-haiku": _anthropic(0.80, 4.00),
    "claude-3-haiku": Price(0.25, 1.25, 0.03, 0.30),  # listed: not exactly 0.1x / 1.25x
}

_TABLES: dict[str, dict[str, Price]] = {
    Provider.OPENAI: _OPENAI,
    Provider.ANTHROPIC: _ANTHROPIC,
}

FREE = Price(0.0, 0.0, 0.0)
"""What a simulated call costs."""

_SEPARATORS = "-.:@"


def _family(keys: Iterable[str], model: str) -> str | None:
    """The key naming `model`: its own name, else the longest family prefix of it, else None."""
    name = model.lower().rsplit("/", 1)[-1]
    best: str | None = None
    for key in keys:
        if name == key or (name.startswith(key) and name[len(key)] in _SEPARATORS):
            if best is None or len(key) > len(best):
                best = key
    return best


def price(provider: Provider | str, model: str) -> Price | None:
    """The list price of `model`, or None when it is not in the table (or `provider` has none:
    a CLI tool or adapter as the ledger names it, such as `codex` or `process`).

    Dated or tagged names match their family by the longest prefix that ends at a separator
    (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`, `claude-sonnet-4-5-20250929` → `claude-sonnet-4`).
    A router's vendor prefix is ignored (`openai/gpt-4o` → `gpt-4o`).
    """
    table = _TABLES.get(provider, {})
    key = _family(table, model)
    return None if key is None else table[key]


def family(provider: Provider | str, model: str) -> str | None:
    """The price table's name for `model`'s family (`gpt-4o-mini-2024-07-18` → `gpt-4o-mini`),
    or None when the table does not know it: a bounded name to label metrics by."""
    return _family(_TABLES.get(provider, {}), model)


def price_for(config: ModelConfig) -> Price | None:
    """What `config`'s calls cost: its own `price` if set, else free when simulated, else the table's
    list price; None when none of these knows (token-only accounting). An own price without a
    cache-write price writes to the cache as the provider bills it: 1.25x its input price on
    Anthropic, its input price on OpenAI (which bills no writes)."""
    if config.price is not None:
        own = config.price
        cached = own.input if own.cached_input is None else own.cached_input
        write = own.cache_write
        if write is None and config.provider is Provider.ANTHROPIC:
            write = own.input * CACHE_WRITE
        return Price(own.input, own.output, cached, write)
    if config.is_simulated:
        return FREE
    return price(config.provider, config.model)


def no_price_warning(provider: Provider | str, model: str) -> str:
    """What is said about calls of a model without a price (`openai:my-model has no price: …`);
    `provider` is any the ledger keeps, a `Provider` or a tool (`codex:gpt-5-codex has no price: …`)."""
    return f"{provider}:{model} has no price: token-only accounting"


def with_price(config: ModelConfig, overrides: Mapping[str, ModelPrice]) -> ModelConfig:
    """`config` carrying its price from `overrides` (`PAPERCLIP_PRICES`: `provider:model` → price);
    unchanged when it sets its own price or no override names it.

    An override names its model's dated versions too, as the table does, but not a family of its
    own in the table: `openai:gpt-4o` prices `gpt-4o-2024-08-06`, not `gpt-4o-mini`.
    """
    if config.price is not None or not overrides:
        return config
    prefix = f"{config.provider.value}:"
    mine = {key.lower().removeprefix(prefix): p for key, p in overrides.items() if key.lower().startswith(prefix)}
    key = _family(mine, config.model)
    listed = _family(_TABLES.get(config.provider, {}), config.model)
    if key is None or (listed is not None and len(listed) > len(key)):
        return config
    return config.model_copy(update={"price": mine[key]})


def priced(spec: AgentSpec, overrides: Mapping[str, ModelPrice]) -> AgentSpec:
    """`spec` with `with_price` applied to its model."""
    model = with_price(spec.model, overrides)
    return spec if model is spec.model else spec.model_copy(update={"model": model})


def call_cost(p: Price, usage: Usage) -> float:
    """What `usage` costs in USD at price `p`."""
    cached = min(usage.cached_input_tokens, usage.input_tokens)
    written = min(usage.cache_write_tokens, usage.input_tokens - cached)
    plain = usage.input_tokens - cached - written
    total = plain * p.input + cached * p.cached_input + written * p.write + usage.output_tokens * p.output
    return round(total / 1_000_000, 10)


@overload
def cost_usd(config: ModelConfig, usage: Usage, /) -> float | None: ...


@overload
def cost_usd(provider: Provider | str, model: str, usage: Usage, /) -> float | None: ...


def cost_usd(*args: ModelConfig | Provider | str | Usage) -> float | None:
    """What `usage` costs in USD, or None when the price is unknown; 0.0 when simulated.

    Called as `cost_usd(config, usage)` (the agent's own price first, see `price_for`) or as
    `cost_usd(provider, model, usage)` (the table only).
    """
    match args:
        case (ModelConfig() as config, Usage() as usage):
            p = price_for(config)
        case (str() as provider, str() as model, Usage() as usage):
            p = FREE if provider == Provider.SIMULATED else price(provider, model)
        case _:
            raise TypeError("cost_usd(config, usage) or cost_usd(provider, model, usage)")
    return None if p is None else call_cost(p, usage)


def worst_case(model: ModelConfig, prompt_tokens: int, *, cache_writes: bool = True) -> tuple[float, int]:
    """The most a call can cost (USD, tokens): a prompt of at most `prompt_tokens` at the dearer
    of the input and cache-write prices (an Anthropic call may write its whole prompt to the
    cache; at the input price alone without `cache_writes`, as tasks reserved before they knew)
    and a full `max_tokens` reply. A model with no price costs 0 USD here (token-only)."""
    tokens = prompt_tokens + model.max_tokens
    p = price_for(model)
    if p is None or model.is_simulated:
        return 0.0, tokens
    prompt_price = max(p.input, p.write) if cache_writes else p.input
    return (prompt_tokens * prompt_price + model.max_tokens * p.output) / 1_000_000, tokens
