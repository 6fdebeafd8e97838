"""A tool policy's `deny` and `ask` as the real Claude Code obeys them (`permission_flags` with
`rules` and `granted`): the model (the fake provider, scripted) calls Bash; a call a rule asks of
is refused and reported (the task then asks a person, `workflows.cli_asks`); in the next turn,
resuming the session, exactly the approved call runs, and nothing else the rule covers."""

import json

import pytest

from activities.cli.claude import permission_flags
from paperclip.models import CliGrant, CliPermissions, ToolDenial, ToolPolicy, ToolRule
from tests.cli_contract.conftest import ClaudeTurns

MODEL = "claude-sonnet-4-5"
ASK_COMMANDS = [ToolRule(tool="run_command", policy=ToolPolicy.ASK)]
PYTHON_WRITE = 'python3 -c \'open("py.txt", "w")\''
"""A command Claude Code does not run unasked (an `echo` into a file, it does, in the workspace)."""


def bash(turns: ClaudeTurns, *commands: str) -> None:
    """The model runs each command, then answers."""
    for command in commands:
        turns.server.call_next("Bash", json.dumps({"command": command, "description": "Run it"}))
    turns.server.say_next("Done.")


async def test_an_asked_command_is_refused_then_runs_once_granted(claude_turns: ClaudeTurns) -> None:
    workspace = claude_turns.workspace
    bash(claude_turns, "echo one > asked.txt")
    first = await claude_turns.run(model=MODEL, rules=ASK_COMMANDS)
    assert first.denials == [ToolDenial(tool="Bash", detail="echo one > asked.txt")]
    assert not (workspace / "asked.txt").exists()

    # Approved: the next turn, resuming the session, may run exactly that; a command Claude Code
    # would not run unasked is refused.
    bash(claude_turns, "echo one > asked.txt", PYTHON_WRITE)
    granted = [CliGrant(tool="run_command", subject="echo one > asked.txt")]
    second = await claude_turns.run(
        "Approved.", seq=2, resume=first.session_id, model=MODEL, rules=ASK_COMMANDS, granted=granted
    )
    assert (workspace / "asked.txt").read_text() == "one\n"
    assert not (workspace / "py.txt").exists()
    assert second.denials == [ToolDenial(tool="Bash", detail=PYTHON_WRITE)]
    assert second.session_id == first.session_id


async def test_a_pattern_asks_only_of_the_commands_it_matches(claude_turns: ClaudeTurns) -> None:
    workspace = claude_turns.workspace
    rules = [ToolRule(tool="run_command", policy=ToolPolicy.ASK, pattern="echo secret*")]
    bash(claude_turns, "echo secret > s.txt", "echo plain > p.txt")
    first = await claude_turns.run(model=MODEL, rules=rules)
    assert (workspace / "p.txt").read_text() == "plain\n" and not (workspace / "s.txt").exists()
    assert first.denials == [ToolDenial(tool="Bash", detail="echo secret > s.txt")]

    # Granted: the pattern is lifted for the turn, Bash is allowed by name to the granted command
    # only, and a command Claude Code would not run unasked is refused.
    bash(claude_turns, "echo secret > s.txt", PYTHON_WRITE)
    granted = [CliGrant(tool="run_command", subject="echo secret > s.txt")]
    second = await claude_turns.run(
        "Approved.", seq=2, resume=first.session_id, model=MODEL, rules=rules, granted=granted
    )
    assert (workspace / "s.txt").read_text() == "secret\n" and not (workspace / "py.txt").exists()
    assert second.denials == [ToolDenial(tool="Bash", detail=PYTHON_WRITE)]


async def test_asked_or_denied_writes_are_out_of_reach(claude_turns: ClaudeTurns) -> None:
    claude_turns.server.call_next(
        "Write", json.dumps({"file_path": str(claude_turns.workspace / "n.md"), "content": "x"})
    )
    claude_turns.server.say_next("Done.")
    result = await claude_turns.run(model=MODEL, rules=[ToolRule(tool="write_file", policy=ToolPolicy.ASK)])
    offered = {t["name"] for body in claude_turns.server.requests if body.get("tools") for t in body["tools"]}
    assert "Write" not in offered and "Bash" in offered
    assert not (claude_turns.workspace / "n.md").exists() and result.reply.content.startswith("[fake] Done.")


async def test_a_denied_tool_is_not_even_offered(claude_turns: ClaudeTurns) -> None:
    bash(claude_turns, "echo no > no.txt")
    result = await claude_turns.run(model=MODEL, rules=[ToolRule(tool="run_command", policy=ToolPolicy.DENY)])
    offered = {t["name"] for body in claude_turns.server.requests if body.get("tools") for t in body["tools"]}
    assert "Bash" not in offered and "Write" in offered
    assert not (claude_turns.workspace / "no.txt").exists() and result.reply.content.startswith("[fake] Done.")


@pytest.mark.parametrize(
    ("rules", "granted", "flags"),
    [
        (
            ASK_COMMANDS,
            [],
            [
                "--permission-mode=acceptEdits",
                "--allowedTools",
                "WebFetch",
                "WebSearch",
                "--disallowedTools",
                "Bash(**)",
            ],
        ),
        (
            [
                ToolRule(tool="run_command", policy=ToolPolicy.ALLOW, pattern="pytest *"),
                ToolRule(tool="run_command", policy=ToolPolicy.ASK, pattern="git push*"),
            ],
            [CliGrant(tool="run_command", subject="git push origin a,b")],
            [
                "--permission-mode=acceptEdits",
                "--allowedTools",
                "WebFetch",
                "WebSearch",
                "Bash(pytest *)",
                "Bash(git push origin a,b)",
            ],
        ),
        (
            [
                ToolRule(tool="edit_file", policy=ToolPolicy.DENY),
                ToolRule(tool="http_fetch", policy=ToolPolicy.ASK, pattern="https://*"),
                ToolRule(tool="run_command", policy=ToolPolicy.DENY),
            ],
            [],
            [
                "--permission-mode=acceptEdits",
                "--allowedTools",
                "WebSearch",
                "--disallowedTools",
                "Bash",
                "Edit",
                "MultiEdit",
                "NotebookEdit",
                "WebFetch",
            ],
        ),
    ],
    ids=["ask-commands", "allowed-pattern-and-grant", "deny-edits-ask-fetches"],
)
def test_rules_and_grants_have_their_flags(rules, granted, flags) -> None:
    assert permission_flags(CliPermissions.WORKSPACE_WRITE_NETWORK, root=True, rules=rules, granted=granted) == flags


def test_full_with_rules_as_anyone_keeps_its_checks() -> None:
    # Bypassing would skip the rules: a full agent with rules runs with its tools named instead.
    flags = permission_flags(CliPermissions.FULL, root=False, rules=ASK_COMMANDS)
    assert flags[0] == "--permission-mode=acceptEdits" and "Bash(**)" in flags and "Write" in flags
