"""What the offline brain does with workspace tools, so the demo shows agents that act.

An engineer (offered `write_file`, `run_command` and `git`) writes its plan as the task's `plan`
document first when offered `write_document`, then adds a function and its test, runs the test,
commits and pushes the task's branch; a reviewer (offered `git` but not `write_file`) reads the diff of the
task's branch and reports. One step a turn, each decided by which steps the conversation already
holds, so a conversation replays to the same moves. Every text starts with the brain's label.
"""

import re

from activities.providers.simulated_text import clip
from paperclip.models import Message, ToolCall, ToolSpec

WRITE_FILE, RUN_COMMAND, GIT, READ_FILE = "write_file", "run_command", "git", "read_file"
WRITE_DOCUMENT = "write_document"


def _called(messages: list[Message], name: str, **matching: str) -> int:
    """How many calls of `name` (with these argument values) the conversation holds."""
    return sum(
        1
        for m in messages
        if m.role == "assistant"
        for c in m.tool_calls
        if c.name == name and all(c.arguments.get(k) == v for k, v in matching.items())
    )


def _answers(messages: list[Message]) -> dict[str, str]:
    return {m.tool_call_id: m.content for m in messages if m.role == "tool" and m.tool_call_id}


def _ident(task: str) -> str:
    """A Python name made of the task's words (`add a slugify helper` → `slugify_helper`)."""
    words = [w for w in re.findall(r"[a-z]+", task.lower()) if w not in _FILLER][:3]
    return "_".join(words) or "feature"


_FILLER = {
    "a",
    "an",
    "the",
    "add",
    "with",
    "and",
    "to",
    "this",
    "of",
    "for",
    "in",
    "part",
    "function",
    "test",
    "its",
    "repository",
    "project",
}


def work(
    tools: list[ToolSpec], messages: list[Message], task: str, *, id_prefix: str, label: str
) -> tuple[str, list[ToolCall]] | str | None:
    """The next step of the work: (text, calls) while there is one, the report once the work is
    done (a string), or None when the agent has no workspace tools to work with."""
    names = {t.name for t in tools}
    if {WRITE_FILE, RUN_COMMAND, GIT} <= names:
        return _engineer(messages, task, id_prefix=id_prefix, label=label, plans=WRITE_DOCUMENT in names)
    if GIT in names and WRITE_FILE not in names:
        return _reviewer(messages, id_prefix=id_prefix, label=label)
    return None


def _engineer(
    messages: list[Message], task: str, *, id_prefix: str, label: str, plans: bool = False
) -> tuple[str, list[ToolCall]] | str:
    name = _ident(task)
    module, test = f"{name}.py", f"test_{name}.py"

    def call(tool: str, **arguments: object) -> list[ToolCall]:
        return [ToolCall(id=f"{id_prefix}-0", name=tool, arguments=dict(arguments))]

    if plans and not _called(messages, WRITE_DOCUMENT, key="plan"):
        plan = (
            f"# Plan: {clip(task, 80)}\n\n{label}\n\n1. Write `{name}()` in `{module}`.\n"
            f"2. Test it in `{test}` and run the test.\n3. Commit and push the task's branch.\n"
        )
        return f"{label} Writing the plan.", call(WRITE_DOCUMENT, key="plan", body=plan, base_revision=0)

    if not _called(messages, WRITE_FILE, path=module):
        source = f'def {name}(text: str) -> str:\n    """{clip(task, 60)}."""\n    return text.strip().lower()\n'
        return f"{label} Writing {module}.", call(WRITE_FILE, path=module, content=source)
    if not _called(messages, WRITE_FILE, path=test):
        source = (
            "import unittest\n\n"
            f"from {name} import {name}\n\n\n"
            f"class {name.title().replace('_', '')}Test(unittest.TestCase):\n"
            "    def test_it(self) -> None:\n"
            f"        self.assertEqual({name}('  Hello '), 'hello')\n\n\n"
            'if __name__ == "__main__":\n    unittest.main()\n'
        )
        return f"{label} Writing its test, {test}.", call(WRITE_FILE, path=test, content=source)
    command = f"python3 -m unittest {test[:-3]}"
    if not _called(messages, RUN_COMMAND, command=command):
        return f"{label} Running the test.", call(RUN_COMMAND, command=command)
    if not _called(messages, GIT, subcommand="add"):
        return f"{label} Staging the change.", call(GIT, subcommand="add", paths=[module, test])
    if not _called(messages, GIT, subcommand="commit"):
        return f"{label} Committing.", call(GIT, subcommand="commit", message=f"Add {name} with its test")
    if not _called(messages, GIT, subcommand="push"):
        return f"{label} Pushing the task's branch.", call(GIT, subcommand="push")
    return f"{label} Added {name}() in {module} with its test in {test}; the test ran; committed and pushed."


def _reviewer(messages: list[Message], *, id_prefix: str, label: str) -> tuple[str, list[ToolCall]] | str:
    if not _called(messages, GIT, subcommand="log"):
        call = ToolCall(id=f"{id_prefix}-0", name=GIT, arguments={"subcommand": "log"})
        return f"{label} Reading the branch's commits.", [call]
    if not _called(messages, GIT, subcommand="diff"):
        call = ToolCall(id=f"{id_prefix}-0", name=GIT, arguments={"subcommand": "diff"})
        return f"{label} Reading the diff.", [call]
    answers = _answers(messages)
    diff = next(
        (
            answers.get(c.id, "")
            for m in reversed(messages)
            if m.role == "assistant"
            for c in m.tool_calls
            if c.name == GIT and c.arguments.get("subcommand") == "diff"
        ),
        "",
    )
    files = sorted(set(re.findall(r"^\+\+\+ b/(\S+)", diff, re.MULTILINE)))
    return f"{label} Reviewed the diff ({len(diff.splitlines())} lines; files: {', '.join(files) or 'none'})."
