"""A hire over a template, and the model an agent falls back to without its provider's key."""

import pytest

from paperclip.models import AgentSpec, ModelConfig, Provider
from paperclip.templates import TemplateInvalid, builtin_registry, hire_from_template, runnable
from tests.templates.tools import CODER_TOOLS

CODER = builtin_registry().agent("coder")


def test_to_agent_spec_takes_every_template_field() -> None:
    spec = CODER.to_agent_spec("dev", reports_to="cto", overrides={"title": "Backend Engineer"})
    assert spec.template == "coder" and spec.reports_to == "cto" and spec.title == "Backend Engineer"
    assert spec.tools == CODER_TOOLS and spec.max_turns == CODER.max_turns
    assert spec.budget.model_dump() == CODER.budget.model_dump() and spec.heartbeat.interval_seconds is None
    with pytest.raises(ValueError, match="overrides cannot set name"):
        CODER.to_agent_spec("dev", overrides={"name": "x"})


def test_a_hire_keeps_the_template_and_overrides_only_what_it_sets() -> None:
    request = AgentSpec.model_validate(
        {"name": "dev", "template": "coder", "title": "Frontend Engineer", "model": {"max_tokens": 500}}
    )
    spec = hire_from_template(CODER, request, manager="cto")
    assert spec.title == "Frontend Engineer" and spec.system_prompt == CODER.system_prompt.strip()
    assert spec.model.provider is Provider.OPENAI and spec.model.model == "gpt-4o-mini"
    assert spec.model.max_tokens == 500 and spec.reports_to == "cto" and spec.template == "coder"


@pytest.mark.parametrize(
    ("provider", "model"), [("simulated", "simulated"), ("anthropic", "claude-haiku-4-5"), ("openai", "gpt-4o-mini")]
)
def test_naming_only_a_provider_gets_its_default_model(provider: str, model: str) -> None:
    request = AgentSpec.model_validate({"name": "dev", "model": {"provider": provider}})
    spec = hire_from_template(CODER, request, manager=None)
    assert (spec.model.provider, spec.model.model) == (provider, model)
    assert spec.model.max_tokens == CODER.model.max_tokens


def test_an_invalid_combination_names_the_field() -> None:
    request = AgentSpec.model_construct(name="dev", max_turns=0)
    request.model_fields_set.add("max_turns")
    with pytest.raises(TemplateInvalid, match="template 'coder': max_turns: Input should be greater"):
        hire_from_template(CODER, request, manager=None)


def test_without_the_providers_key_the_agent_falls_back_and_says_so() -> None:
    spec = CODER.to_agent_spec("dev")
    fallback = ModelConfig(provider=Provider.SIMULATED, model="simulated")
    moved, note = runnable(spec, missing_credential=lambda m: "OPENAI_API_KEY", fallback=fallback)
    assert moved.model.is_simulated and moved.model.max_tokens == spec.model.max_tokens
    assert note == (
        "dev: openai:gpt-4o-mini needs OPENAI_API_KEY, which is not set where the API runs; it runs on simulated"
    )
    same, note = runnable(spec, missing_credential=lambda m: None, fallback=fallback)
    assert same == spec and note is None
