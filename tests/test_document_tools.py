"""The document tools, `read_document` and `write_document`, as the registry has them: they run
in the task workflow, run by default and are not risky; their arguments are checked before
anything runs, and `write_document` names no task (an agent writes its own task's only)."""

import pytest

from paperclip.models import AgentSpec, ToolPolicy
from paperclip.models.documents import MAX_DOCUMENT_CHARS
from paperclip.tools import ToolArgumentsError, arguments_of, tools_for
from paperclip.tools.read_document import READ_DOCUMENT, ReadDocumentArguments
from paperclip.tools.registry import REGISTRY
from paperclip.tools.write_document import WRITE_DOCUMENT, WriteDocumentArguments
from workflows.task_tools import REGISTRY_HANDLERS


def test_they_run_in_the_workflow_by_default_and_are_not_risky() -> None:
    for name in (READ_DOCUMENT, WRITE_DOCUMENT):
        tool = REGISTRY[name]
        assert (tool.runs, tool.policy, tool.risky, tool.workspace) == ("workflow", ToolPolicy.ALLOW, False, False)
        assert name in REGISTRY_HANDLERS
    assert (REGISTRY[READ_DOCUMENT].concurrent, REGISTRY[WRITE_DOCUMENT].concurrent) == (True, False)


def test_an_agent_given_them_is_offered_schemas_where_only_reading_names_a_task() -> None:
    agent = AgentSpec(name="dev", role="engineer", tools=[READ_DOCUMENT, WRITE_DOCUMENT])
    offered = {t.name: t.parameters for t in tools_for([], extra=agent.tools)}
    assert "task" in offered[READ_DOCUMENT]["properties"] and "required" not in offered[READ_DOCUMENT]
    assert set(offered[WRITE_DOCUMENT]["properties"]) == {"key", "body", "base_revision"}
    assert offered[WRITE_DOCUMENT]["required"] == ["key", "body"]
    assert offered[WRITE_DOCUMENT]["properties"]["body"]["maxLength"] == MAX_DOCUMENT_CHARS
    assert offered[WRITE_DOCUMENT]["properties"]["key"]["pattern"] == "^[a-z0-9][a-z0-9_-]{0,62}$"


def test_calls_are_checked() -> None:
    assert arguments_of(READ_DOCUMENT, {}) == ReadDocumentArguments()
    assert arguments_of(WRITE_DOCUMENT, {"key": "plan", "body": "x"}) == WriteDocumentArguments(
        key="plan", body="x", base_revision=0
    )
    assert REGISTRY[WRITE_DOCUMENT].subject(WriteDocumentArguments(key="plan", body="")) == "plan"


@pytest.mark.parametrize(
    ("tool", "arguments", "problem"),
    [
        (READ_DOCUMENT, {"key": "../plan"}, "key: document key must be 1-63 lowercase letters"),
        (READ_DOCUMENT, {"task": "other-co/ACME-1"}, "is not a task identifier"),
        (READ_DOCUMENT, {"revision": 0}, "revision: Input should be greater than or equal to 1"),
        (WRITE_DOCUMENT, {"body": "x"}, "key: Field required"),
        (WRITE_DOCUMENT, {"key": "plan", "body": "x", "base_revision": -1}, "base_revision: Input should be"),
        (WRITE_DOCUMENT, {"key": "plan", "body": "x" * (MAX_DOCUMENT_CHARS + 1)}, "at most 200000 characters"),
    ],
)
def test_bad_calls_are_refused_with_what_is_wrong(tool: str, arguments: dict[str, object], problem: str) -> None:
    with pytest.raises(ToolArgumentsError) as refused:
        arguments_of(tool, arguments)
    assert problem in str(refused.value)
