"""Each tool's argument model is written once: the schema the model sees is generated from it,
the model's call is checked with it, and the API's body for the same action is it."""

import pytest
from fastapi.routing import APIRoute

from api.routes.tasks import router
from paperclip.models import AgentSpec
from paperclip.models.dependencies import NewBlocker
from paperclip.tools import (
    ARGUMENTS,
    COMPLETE_TASK,
    DELEGATE_TASK,
    HIRE_AGENT,
    REQUEST_APPROVAL,
    CompleteTaskArguments,
    DelegateTaskArguments,
    EscalateArguments,
    RequestApprovalArguments,
    ToolArgumentsError,
    arguments_of,
    tools_for,
)
from workflows.task_tools import HANDLERS

TEAM = [AgentSpec(name="cto", role="cto", reports_to="ceo"), AgentSpec(name="cmo", role="cmo", reports_to="ceo")]


def test_every_tool_has_a_handler_and_every_handler_a_tool() -> None:
    assert set(ARGUMENTS) == set(HANDLERS)
    assert all(arguments.tool == name for name, arguments in ARGUMENTS.items())


def test_the_schema_the_model_sees_is_the_argument_models() -> None:
    for spec in tools_for(TEAM, manager="board-chair", can_hire=True, strategy=True):
        model = ARGUMENTS[spec.name]
        generated = model.model_json_schema()
        assert spec.parameters["type"] == "object"
        assert set(spec.parameters["properties"]) == set(generated["properties"])
        assert spec.parameters.get("required", []) == generated.get("required", [])
        assert "title" not in spec.parameters  # pydantic's generated titles are noise to a model
        for field, schema in spec.parameters["properties"].items():
            assert schema["description"] == model.model_fields[field].description
    assert "title" in ARGUMENTS[DELEGATE_TASK].parameters()["properties"]  # a field named title stays


def test_a_turns_choices_narrow_the_schema_and_leave_the_model_alone() -> None:
    delegate, *_, approval = tools_for(TEAM, strategy=False)
    assert delegate.parameters["properties"]["agent"]["enum"] == ["cto", "cmo"]
    assert approval.name == REQUEST_APPROVAL and approval.parameters["properties"]["kind"]["enum"] == ["board"]
    with_strategy = tools_for([], strategy=True)[-1]
    assert with_strategy.parameters["properties"]["kind"]["enum"] == ["board", "strategy"]
    assert "enum" not in DelegateTaskArguments.parameters()["properties"]["agent"]  # the class's own is untouched
    assert [t.name for t in tools_for([])] == [COMPLETE_TASK, REQUEST_APPROVAL]
    assert HIRE_AGENT in [t.name for t in tools_for([], can_hire=True)]


def test_a_call_that_fits_is_its_model_with_defaults_and_stripped_text() -> None:
    call = arguments_of(DELEGATE_TASK, {"agent": "cto", "title": "  Build  "})
    assert call == DelegateTaskArguments(agent="cto", title="Build", brief="")
    approval = arguments_of(REQUEST_APPROVAL, {"title": "Buy"})
    assert isinstance(approval, RequestApprovalArguments) and approval.kind == "board"


@pytest.mark.parametrize(
    ("tool", "arguments", "message"),
    [
        (COMPLETE_TASK, {"result": 42}, "invalid arguments for complete_task: result: Input should be a valid string"),
        (COMPLETE_TASK, {}, "invalid arguments for complete_task: result: Field required"),
        (DELEGATE_TASK, {"agent": "cto", "title": " "}, "title: String should have at least 1 character"),
        (DELEGATE_TASK, {"agent": "cto", "title": "x" * 301}, "title: String should have at most 300 characters"),
        (REQUEST_APPROVAL, {"kind": "budget", "title": "t"}, "kind: Input should be 'board' or 'strategy'"),
        (COMPLETE_TASK, {"_raw": '{"result": "cut sho'}, 'not a JSON object: \'{"result": "cut sho\''),
        ("launch_rockets", {}, "unknown tool 'launch_rockets'."),
    ],
)
def test_a_call_that_does_not_fit_says_what_is_wrong(tool: str, arguments: dict[str, object], message: str) -> None:
    with pytest.raises(ToolArgumentsError) as refused:
        arguments_of(tool, arguments)
    assert message in str(refused.value)


def test_the_apis_bodies_for_the_same_actions_are_the_argument_models() -> None:
    bodies = {
        route.path.rsplit("/", 1)[-1]: route.body_field.field_info.annotation
        for route in router.routes
        if isinstance(route, APIRoute) and route.body_field is not None and "{identifier}/" in route.path
    }
    assert bodies == {
        "complete": CompleteTaskArguments,
        "subtasks": DelegateTaskArguments,
        "approval-requests": RequestApprovalArguments,
        "escalate": EscalateArguments,
        # The board's lever, not an agent's call on its own task: `add_blocker` names the task in
        # its arguments, the route in its path.
        "blockers": NewBlocker,
    }
