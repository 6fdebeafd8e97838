"""The tools on tasks, `comment` and `read_task`, as the registry has them: they run in the task
workflow, run by default and are not risky; their arguments are checked before anything runs."""

import pytest

from paperclip.models import AgentSpec, ToolPolicy
from paperclip.tools import ToolArgumentsError, arguments_of, registry_tools, tools_for
from paperclip.tools.comment import COMMENT, MAX_COMMENT, CommentArguments
from paperclip.tools.read_task import READ_TASK, ReadTaskArguments
from paperclip.tools.registry import REGISTRY, TOOL_NAME
from workflows.task_tools import REGISTRY_HANDLERS


def test_they_run_in_the_workflow_by_default_and_are_not_risky() -> None:
    for name in (COMMENT, READ_TASK):
        tool = REGISTRY[name]
        assert TOOL_NAME.match(name)
        assert (tool.runs, tool.policy, tool.risky, tool.workspace) == ("workflow", ToolPolicy.ALLOW, False, False)
    workflow_tools = {name for name, tool in REGISTRY.items() if tool.runs == "workflow"}
    assert workflow_tools == set(REGISTRY_HANDLERS)


def test_an_agent_given_them_is_offered_their_generated_schemas() -> None:
    agent = AgentSpec(name="dev", role="engineer", tools=[COMMENT, READ_TASK])
    assert [t.name for t in registry_tools(agent.tools)] == [COMMENT, READ_TASK]
    offered = {t.name: t for t in tools_for([], extra=agent.tools)}
    body = offered[COMMENT].parameters["properties"]["body"]
    assert (body["maxLength"], body["minLength"], body["pattern"]) == (MAX_COMMENT, 1, r"\S")
    assert offered[COMMENT].parameters["required"] == ["body"]
    assert "pattern" in offered[READ_TASK].parameters["properties"]["task"]["anyOf"][0]
    assert "required" not in offered[READ_TASK].parameters


def test_a_comment_is_stripped_and_its_task_optional() -> None:
    assert arguments_of(COMMENT, {"body": "  On it.  "}) == CommentArguments(body="On it.", task=None)
    assert arguments_of(COMMENT, {"body": "x", "task": " ACME-12.3 "}) == CommentArguments(body="x", task="ACME-12.3")
    assert arguments_of(READ_TASK, {}) == ReadTaskArguments(task=None)
    assert REGISTRY[COMMENT].subject(CommentArguments(body="x", task="ACME-1")) == "ACME-1"


@pytest.mark.parametrize(
    ("tool", "arguments", "problem"),
    [
        (COMMENT, {}, "body: Field required"),
        (COMMENT, {"body": " \n "}, "body: String should have at least 1 character"),
        (COMMENT, {"body": "x" * (MAX_COMMENT + 1)}, "body: String should have at most 10000 characters"),
        (COMMENT, {"body": "x", "task": "../ACME-1"}, "task: '../ACME-1' is not a task identifier"),
        (READ_TASK, {"task": "acme-1"}, "task: 'acme-1' is not a task identifier"),
        (READ_TASK, {"task": "ACME-1.x"}, "is not a task identifier"),
        (READ_TASK, {"_raw": "{task"}, "are not a JSON object"),
    ],
)
def test_arguments_that_do_not_fit_are_an_error_the_model_reads(tool: str, arguments: dict, problem: str) -> None:
    with pytest.raises(ToolArgumentsError) as raised:
        arguments_of(tool, arguments)
    assert problem in str(raised.value), str(raised.value)
