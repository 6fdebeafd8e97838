"""Prices beyond the table: an agent's own price, `PAPERCLIP_PRICES`, and what an unknown model costs."""

import logging

import pytest
from pydantic import ValidationError
from temporalio.testing import ActivityEnvironment

from activities.model_turn import ModelActivities
from activities.templates import TemplateActivities
from paperclip.models import AgentFromTemplateInput, AgentSpec, ModelConfig, ModelPrice, Provider, SessionRef, Usage
from paperclip.pricing import FREE, Price, cost_usd, no_price_warning, price_for, priced, with_price, worst_case
from paperclip.settings import Settings, get_settings
from tests.activities.conftest import FakeStore
from tests.activities.helpers import keys_for, run_turn, turn_input
from tests.fakes import FakeModelServer

MILLION = Usage(input_tokens=1_000_000, output_tokens=1_000_000, cached_input_tokens=500_000)


def test_an_agents_own_price_beats_the_table() -> None:
    own = ModelPrice(input=1, output=2, cached_input=0.5)
    config = ModelConfig(provider=Provider.OPENAI, model="gpt-4o", price=own)

    assert price_for(config) == Price(1, 2, 0.5)
    # 500k fresh at $1, 500k cached at $0.50, 1M out at $2 (the table would say $13.125).
    assert cost_usd(config, MILLION) == pytest.approx(0.5 + 0.25 + 2)
    assert cost_usd(Provider.OPENAI, "gpt-4o", MILLION) == pytest.approx(1.25 + 0.625 + 10)


def test_without_a_cached_price_cached_input_costs_the_input_price() -> None:
    config = ModelConfig(provider=Provider.OPENAI, model="local-llm", price=ModelPrice(input=1, output=2))
    assert price_for(config) == Price(1, 2, 1)


@pytest.mark.parametrize(
    ("provider", "cache_write", "expected"),
    [
        (Provider.ANTHROPIC, None, Price(2, 10, 0.2, 2.5)),  # as Anthropic bills: 1.25x the input price
        (Provider.ANTHROPIC, 3.0, Price(2, 10, 0.2, 3.0)),
        (Provider.OPENAI, None, Price(2, 10, 0.2, None)),  # OpenAI bills no writes: the input price
        (Provider.OPENAI, 0.0, Price(2, 10, 0.2, 0.0)),
    ],
)
def test_an_own_price_writes_to_the_cache_at_its_own_price_else_as_the_provider_bills(
    provider: Provider, cache_write: float | None, expected: Price
) -> None:
    own = ModelPrice(input=2, output=10, cached_input=0.2, cache_write=cache_write)
    config = ModelConfig(provider=provider, model="negotiated", max_tokens=1_000, price=own)

    assert price_for(config) == expected
    written = Usage(input_tokens=1_000_000, output_tokens=0, cache_write_tokens=400_000)
    assert cost_usd(config, written) == pytest.approx(600_000 * 2 / 1e6 + 400_000 * expected.write / 1e6)
    # A reservation covers a call that writes its whole prompt, at the dearer of the two prices.
    usd, _ = worst_case(config, 1_000_000)
    assert usd == pytest.approx(max(2, expected.write) + 1_000 * 10 / 1e6)


@pytest.mark.parametrize(
    ("price", "field"),
    [
        ({"input": 1, "output": 1, "cache_write": -0.01}, "cache_write"),
        ({"input": 1, "output": 1, "cache_write": float("inf")}, "cache_write"),
        ({"input": float("inf"), "output": 1}, "input"),
        ({"input": 1, "output": 1, "cached_input": float("nan")}, "cached_input"),
    ],
)
def test_a_price_is_a_finite_number_of_zero_or_more(price: dict[str, float], field: str) -> None:
    with pytest.raises(ValidationError) as raised:
        ModelPrice.model_validate(price)
    assert [e["loc"] for e in raised.value.errors()] == [(field,)]


@pytest.mark.parametrize(
    ("provider", "model", "expected"),
    [
        (Provider.OPENAI, "gpt-4o-2024-08-06", Price(2.50, 10.00, 1.25)),
        (Provider.ANTHROPIC, "claude-haiku-4-5-20251001", Price(1.00, 5.00, 0.10, 1.25)),
        (Provider.OPENAI, "gpt-4-turbo", None),
        (Provider.SIMULATED, "simulated", FREE),
    ],
)
def test_without_its_own_price_a_config_is_priced_by_the_table(provider, model, expected) -> None:
    config = ModelConfig(provider=provider, model=model)
    assert price_for(config) == expected
    assert cost_usd(config, MILLION) == (None if expected is None else cost_usd(provider, model, MILLION))


def test_settings_read_prices_from_the_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv(
        "PAPERCLIP_PRICES",
        '{"OpenAI:gpt-4o": {"input": 2, "output": 8, "cached_input": 1},'
        ' "anthropic:my-claude": {"input": 1, "output": 3, "cache_write": 1.5}}',
    )
    assert Settings().prices == {
        "openai:gpt-4o": ModelPrice(input=2, output=8, cached_input=1),
        "anthropic:my-claude": ModelPrice(input=1, output=3, cache_write=1.5),
    }
    mine = with_price(ModelConfig(provider=Provider.ANTHROPIC, model="my-claude"), Settings().prices)
    assert price_for(mine) == Price(1, 3, 1, 1.5)


@pytest.mark.parametrize("key", ["gpt-4o", "simulated:x", "openai:"])
def test_a_price_must_name_a_provider_and_a_model(key: str) -> None:
    with pytest.raises(ValidationError, match="openai:<model>"):
        Settings(prices={key: {"input": 1, "output": 1}})


OVERRIDES = {
    "openai:gpt-4o": ModelPrice(input=2, output=8),
    "openai:my-model": ModelPrice(input=0.1, output=0.2),
}


@pytest.mark.parametrize(
    ("model", "expected"),
    [
        ("gpt-4o", OVERRIDES["openai:gpt-4o"]),
        ("gpt-4o-2024-08-06", OVERRIDES["openai:gpt-4o"]),
        ("my-model-v2", OVERRIDES["openai:my-model"]),
        ("gpt-4o-mini", None),  # a family of its own in the table, not a version of gpt-4o
        ("gpt-5", None),
    ],
)
def test_settings_prices_name_a_model_and_its_dated_versions(model: str, expected: ModelPrice | None) -> None:
    assert with_price(ModelConfig(provider=Provider.OPENAI, model=model), OVERRIDES).price == expected


def test_settings_prices_never_replace_a_price_the_spec_sets() -> None:
    own = ModelPrice(input=9, output=9)
    spec = AgentSpec(name="cto", model=ModelConfig(provider=Provider.OPENAI, model="gpt-4o", price=own))
    assert priced(spec, OVERRIDES) == spec
    bare = AgentSpec(name="cto", model=ModelConfig(provider=Provider.ANTHROPIC, model="gpt-4o"))
    assert priced(bare, OVERRIDES) == bare  # another provider's model of the same name


async def test_a_hire_by_an_agent_gets_its_price_from_the_settings(monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("PAPERCLIP_PRICES", '{"openai:gpt-4o-mini": {"input": 0.1, "output": 0.5}}')
    get_settings.cache_clear()
    try:
        spec = await ActivityEnvironment().run(
            TemplateActivities(None).agent_from_template,
            AgentFromTemplateInput(
                template="coder",
                name="dev",
                reports_to="cto",
                fallback=ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini"),
            ),
        )
    finally:
        get_settings.cache_clear()
    assert (spec.model.provider, spec.model.model) == (Provider.OPENAI, "gpt-4o-mini")
    assert spec.model.price == ModelPrice(input=0.1, output=0.5)


async def test_a_turn_on_an_unpriced_model_costs_none_and_says_so(
    server: FakeModelServer, store: FakeStore, caplog: pytest.LogCaptureFixture
) -> None:
    model = ModelConfig(provider=Provider.OPENAI, model="my-model", base_url=server.base_url_openai)
    inp = turn_input(model)
    inp.session = SessionRef(company_id="acme", task="ACME-1", agent="ceo", goal="G2")

    with caplog.at_level(logging.WARNING):
        result = await run_turn(ModelActivities(store, keys=keys_for(server)), inp)

    assert result.cost_usd is None and result.usage == server.usages[-1]
    event = store.costs[("acme", "ACME-1", "ceo", 1)]
    assert (event.cost_usd, event.usage, event.goal) == (None, server.usages[-1], "G2")
    assert no_price_warning(Provider.OPENAI, "my-model") in caplog.text
    assert no_price_warning(Provider.OPENAI, "my-model") == "openai:my-model has no price: token-only accounting"


async def test_a_turn_is_charged_at_the_agents_own_price(server: FakeModelServer, store: FakeStore) -> None:
    server.cached_input_tokens = 30
    own = ModelPrice(input=1.5, output=6, cached_input=0.75)
    model = ModelConfig(provider=Provider.OPENAI, model="my-model", base_url=server.base_url_openai, price=own)

    result = await run_turn(ModelActivities(store, keys=keys_for(server)), turn_input(model))

    usage = server.usages[-1]
    expected = ((usage.input_tokens - 30) * 1.5 + 30 * 0.75 + usage.output_tokens * 6) / 1_000_000
    assert result.cost_usd == pytest.approx(expected, abs=1e-12) and expected > 0
    assert store.costs[("acme", "ACME-1", "ceo", 1)].cost_usd == result.cost_usd
