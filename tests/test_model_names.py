"""Names in the vocabulary (`paperclip.models.names`): each checked field states its pattern in the
schema and refuses a bad value with a sentence that names the field, the same sentence wherever
the name is taken (the API answers it as it is)."""

from typing import Any

import pytest
from pydantic import BaseModel, ValidationError

from api.routes.endpoints import EndpointBody
from api.schemas import CompanyCreate
from paperclip.errors import InvalidInput
from paperclip.models import (
    PREFIX,
    SLUG,
    AgentSpec,
    AgentStatus,
    CompanySpec,
    Endpoint,
    GoalStatus,
    InvalidTransition,
    RoutineSpec,
    TaskStatus,
    check_agent_transition,
    check_goal_transition,
    check_transition,
)
from paperclip.templates.models import AgentTemplate, CompanyMember, CompanyTemplate

SLUG_RULE = "must be 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit"
PREFIX_RULE = "prefix must be 1-10 uppercase letters or digits, starting with a letter"

AGENT_TEMPLATE = {"name": "coder", "description": "d", "role": "engineer", "title": "t", "capabilities": "c"}
AGENT_TEMPLATE |= {"system_prompt": "p"}
COMPANY_TEMPLATE = {"name": "shop", "description": "d", "mission": "m", "prefix": "SHOP", "goals": ["g"]}
COMPANY_TEMPLATE |= {"agents": [{"name": "ceo", "template": "ceo"}]}

CASES: list[tuple[type[BaseModel], dict[str, Any], str, str]] = [
    (AgentSpec, {}, "name", f"agent name {SLUG_RULE}"),
    (CompanySpec, {"name": "Acme", "prefix": "ACME"}, "id", f"company id {SLUG_RULE}"),
    (Endpoint, {"type": "anthropic", "url": "http://x"}, "name", f"endpoint name {SLUG_RULE}"),
    (RoutineSpec, {"agent": "pm", "title": "t", "every": 60}, "name", f"routine name {SLUG_RULE}"),
    (AgentTemplate, AGENT_TEMPLATE, "name", f"template name {SLUG_RULE}"),
    (CompanyTemplate, COMPANY_TEMPLATE, "name", f"template name {SLUG_RULE}"),
    (CompanyMember, {"template": "ceo"}, "name", f"agent name {SLUG_RULE}"),
    (CompanyCreate, {"name": "Acme"}, "id", f"company id {SLUG_RULE}"),
    (EndpointBody, {"type": "anthropic", "url": "http://x"}, "name", f"an endpoint name {SLUG_RULE}"),
]


def refusal(model: type[BaseModel], data: dict[str, Any]) -> tuple[tuple[str | int, ...], str]:
    with pytest.raises(ValidationError) as caught:
        model.model_validate(data)
    (error,) = caught.value.errors()
    return error["loc"], error["msg"]


def patterns(model: type[BaseModel], field: str) -> list[str | None]:
    """The patterns the model's schema states for the field (of each option, when it may be null)."""
    schema = model.model_json_schema()["properties"][field]
    return [schema.get("pattern")] + [option.get("pattern") for option in schema.get("anyOf", [])]


@pytest.mark.parametrize(("model", "fields", "field", "sentence"), CASES, ids=lambda v: getattr(v, "__name__", None))
def test_a_bad_name_is_refused_with_the_fields_sentence(
    model: type[BaseModel], fields: dict[str, Any], field: str, sentence: str
) -> None:
    for bad in ("Not A Slug", "-lead", "x" * 64, "café"):
        assert refusal(model, fields | {field: bad}) == ((field,), f"Value error, {sentence}")
    model.model_validate(fields | {field: "a-good_name2"})


@pytest.mark.parametrize(("model", "fields", "field", "sentence"), CASES, ids=lambda v: getattr(v, "__name__", None))
def test_the_schema_states_the_names_pattern(
    model: type[BaseModel], fields: dict[str, Any], field: str, sentence: str
) -> None:
    assert SLUG.pattern in patterns(model, field)


@pytest.mark.parametrize(
    ("model", "fields"),
    [
        (CompanySpec, {"id": "acme", "name": "Acme"}),
        (CompanyCreate, {"name": "Acme"}),
        (CompanyTemplate, COMPANY_TEMPLATE),
    ],
    ids=lambda v: getattr(v, "__name__", None),
)
def test_a_bad_prefix_is_refused_in_words(model: type[BaseModel], fields: dict[str, Any]) -> None:
    for bad in ("acme", "1ACME", "ACMECORPORATION", ""):
        assert refusal(model, fields | {"prefix": bad}) == (("prefix",), f"Value error, {PREFIX_RULE}")
    model.model_validate(fields | {"prefix": "AC1"})
    assert PREFIX.pattern in patterns(model, "prefix")


def test_an_absent_optional_name_is_not_checked() -> None:
    body = CompanyCreate.model_validate({"name": "Acme", "id": None, "prefix": None})
    assert (body.id, body.prefix) == (None, None)


def test_a_refused_transition_is_bad_input() -> None:
    for check, old, new in [
        (check_transition, TaskStatus.DONE, TaskStatus.RUNNING),
        (check_agent_transition, AgentStatus.TERMINATED, AgentStatus.ACTIVE),
        (check_goal_transition, GoalStatus.CANCELLED, GoalStatus.ACTIVE),
    ]:
        with pytest.raises(InvalidTransition) as caught:
            check(old, new)  # type: ignore[operator]
        assert isinstance(caught.value, InvalidInput) and isinstance(caught.value, ValueError)
        assert caught.value.kind == "invalid_input"
        assert f"cannot go from {old} to {new}" in caught.value.message
