"""The offline brain works with the workspace tools it is offered: the steps an engineer and a
reviewer take, one a turn, decided from the conversation so far."""

from activities.providers.simulated import LABEL, decide
from paperclip.models import Message, ToolSpec


def _offer(*names: str) -> list[ToolSpec]:
    return [ToolSpec(name=n, description=n, parameters={"type": "object", "properties": {}}) for n in names]


def _run(tools: list[ToolSpec], task: str, answer: dict[str, str] | None = None) -> list[Message]:
    """Play the brain against answers that say `ok` (or `answer[tool]`) until it stops calling."""
    messages = [Message(role="user", content=f"Task ACME-1: {task}")]
    for turn in range(12):
        decision = decide(tools, messages, id_prefix=f"t{turn}")
        messages.append(Message(role="assistant", content=decision.content, tool_calls=decision.tool_calls))
        if not decision.tool_calls or decision.tool_calls[0].name == "complete_task":
            return messages
        for call in decision.tool_calls:
            content = (answer or {}).get(call.name, "ok")
            messages.append(Message(role="tool", tool_call_id=call.id, content=content))
    raise AssertionError("the brain did not finish in 12 turns")


def test_an_engineer_writes_a_function_and_its_test_runs_it_and_commits_then_completes() -> None:
    tools = _offer("read_file", "write_file", "run_command", "git", "complete_task")
    messages = _run(tools, "Add a slugify helper with a test")
    calls = [(c.name, c.arguments) for m in messages for c in m.tool_calls]
    assert [name for name, _ in calls] == [
        "write_file",
        "write_file",
        "run_command",
        "git",
        "git",
        "git",
        "complete_task",
    ]
    module, test = calls[0][1], calls[1][1]
    assert module["path"] == "slugify_helper.py" and "def slugify_helper(" in module["content"]
    assert test["path"] == "test_slugify_helper.py" and "from slugify_helper import slugify_helper" in test["content"]
    assert calls[2][1] == {"command": "python3 -m unittest test_slugify_helper"}
    assert [calls[i][1]["subcommand"] for i in (3, 4, 5)] == ["add", "commit", "push"]
    result = calls[6][1]["result"]
    assert result.startswith(LABEL) and "slugify_helper" in result and "pushed" in result
    # The module and its test are real Python: the test passes against the module.
    namespace: dict[str, object] = {}
    exec(module["content"], namespace)  # noqa: S102 - the brain's own fixed text
    assert namespace["slugify_helper"]("  Hello ") == "hello"  # type: ignore[operator]


def test_a_reviewer_reads_the_log_and_the_diff_and_reports_the_files() -> None:
    diff = "diff --git a/x.py b/x.py\n--- /dev/null\n+++ b/x.py\n@@ -0,0 +1 @@\n+x = 1\n"
    messages = _run(_offer("read_file", "git", "complete_task"), "Review the change", {"git": diff})
    calls = [(c.name, c.arguments) for m in messages for c in m.tool_calls]
    assert [a.get("subcommand") for n, a in calls if n == "git"] == ["log", "diff"]
    assert "files: x.py" in calls[-1][1]["result"]


def test_without_workspace_tools_a_leaf_completes_at_once() -> None:
    messages = _run(_offer("complete_task"), "Write the plan")
    assert [c.name for m in messages for c in m.tool_calls] == ["complete_task"]


def test_an_engineer_offered_documents_writes_its_plan_first() -> None:
    tools = _offer("write_document", "write_file", "run_command", "git", "complete_task")
    messages = _run(tools, "Add a slugify helper with a test")
    calls = [(c.name, c.arguments) for m in messages for c in m.tool_calls]
    assert [name for name, _ in calls][:2] == ["write_document", "write_file"]
    assert [name for name, _ in calls].count("write_document") == 1
    plan = calls[0][1]
    assert (plan["key"], plan["base_revision"]) == ("plan", 0)
    assert plan["body"].startswith("# Plan: Add a slugify helper") and "`slugify_helper.py`" in plan["body"]
