"""Permission profiles as the real Claude Code obeys them: the model (the fake provider, scripted)
calls Claude's own Write, Edit and Bash tools, and what happens to the workspace is what the
agent's profile says — written under workspace-write, untouched under read-only (the tools are
not even offered), the network reached only with it, anywhere under full (we run as root, where
Claude refuses to skip its checks: the flags that work there are checked here too)."""

import json
import os
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError

from activities.cli import claude as claude_adapter
from activities.cli.claude import ClaudeCode, permission_flags
from activities.sandbox.bwrap import bwrap_path
from paperclip.models import CliConfig, CliPermissions, ToolDenial
from tests.cli_contract.conftest import ClaudeTurns, claude_activities
from tests.fakes import FakeModelServer

P = CliPermissions
MODEL = "claude-sonnet-4-5"


def script_work(server: FakeModelServer, workspace: Path) -> None:
    """The model writes a file, edits it, runs a command that writes another, then answers."""
    notes = str(workspace / "notes.md")
    server.call_next("Write", json.dumps({"file_path": notes, "content": "status: draft\n"}))
    server.call_next("Edit", json.dumps({"file_path": notes, "old_string": "draft", "new_string": "final"}))
    server.call_next("Bash", json.dumps({"command": "echo built > build.log", "description": "Build"}))
    server.say_next("Done.")


def offered(server: FakeModelServer) -> set[str]:
    """The tools the turn's calls offered the model (not the title call's: it offers none)."""
    return {t["name"] for body in server.requests if body.get("tools") for t in body["tools"]}


@pytest.mark.parametrize(
    ("permissions", "root", "flags"),
    [
        (
            P.READ_ONLY,
            False,
            ["--permission-mode=default", "--disallowedTools=Bash,Edit,Write,NotebookEdit,WebFetch,WebSearch"],
        ),
        (
            P.WORKSPACE_WRITE,
            False,
            [
                "--permission-mode=acceptEdits",
                "--allowedTools=Bash",
                "--disallowedTools=WebFetch,WebSearch,Bash(curl *),Bash(wget *)",
            ],
        ),
        (P.WORKSPACE_WRITE_NETWORK, False, ["--permission-mode=acceptEdits", "--allowedTools=Bash,WebFetch,WebSearch"]),
        (None, False, ["--permission-mode=acceptEdits", "--allowedTools=Bash,WebFetch,WebSearch"]),
        (P.FULL, False, ["--permission-mode=bypassPermissions"]),
        (
            P.FULL,
            True,
            ["--permission-mode=acceptEdits", "--allowedTools=Bash,Edit,Write,NotebookEdit,WebFetch,WebSearch"],
        ),
    ],
    ids=["read-only", "workspace-write", "network", "unset", "full", "full-as-root"],
)
def test_each_profile_has_its_flags(permissions, root, flags) -> None:
    assert permission_flags(permissions, root=root) == flags


def test_the_flags_come_before_the_agents_own_arguments() -> None:
    argv, stdin = ClaudeCode().argv(CliConfig(permissions=P.READ_ONLY, args=["--effort", "low"]), "hi", "s-1")
    assert argv[:5] == ["claude", "-p", "--output-format", "stream-json", "--verbose"]
    assert argv[5:7] == permission_flags(P.READ_ONLY, root=claude_adapter.os.geteuid() == 0)
    assert argv[-4:] == ["--resume", "s-1", "--effort", "low"] and stdin == "hi"


async def test_a_workspace_write_agent_edits_files_and_runs_commands(claude_turns: ClaudeTurns) -> None:
    script_work(claude_turns.server, claude_turns.workspace)
    result = await claude_turns.run(model=MODEL, permissions=P.WORKSPACE_WRITE)
    assert (claude_turns.workspace / "notes.md").read_text() == "status: final\n"
    assert (claude_turns.workspace / "build.log").read_text() == "built\n"
    assert result.denials == [] and result.reply.content == "[fake] Done."


async def test_a_read_only_agent_cannot_edit_nor_run_commands(claude_turns: ClaudeTurns) -> None:
    server, workspace = claude_turns.server, claude_turns.workspace
    script_work(server, workspace)
    result = await claude_turns.run(model=MODEL, permissions=P.READ_ONLY)
    assert sorted(p.name for p in workspace.iterdir()) == []
    tools = offered(server)
    assert {"Read", "Grep", "Glob"} <= tools and not tools & {"Write", "Edit", "Bash", "NotebookEdit", "WebFetch"}
    # Its calls of tools it was not offered were answered as errors; the turn still ended.
    results = [
        block
        for body in server.requests[-1:]
        for message in body["messages"]
        for block in (message["content"] if isinstance(message["content"], list) else [])
        if block.get("type") == "tool_result"
    ]
    assert len(results) == 3 and all(b["is_error"] and "No such tool available" in str(b["content"]) for b in results)
    assert result.reply.content == "[fake] Done."


async def test_only_a_profile_with_network_reaches_it(claude_turns: ClaudeTurns) -> None:
    server = claude_turns.server
    fetch = f"curl -s -o /dev/null {server.base_url}/v1/models"
    for permissions in (P.WORKSPACE_WRITE, P.WORKSPACE_WRITE_NETWORK):
        server.reset()
        server.call_next("Bash", json.dumps({"command": fetch, "description": "Call back"}))
        server.say_next("Called.")
        result = await claude_turns.run(model=MODEL, permissions=permissions)
        reached = [
            s for s in server.seen if s.path == "/v1/models" and s.headers.get("user-agent", "").startswith("curl")
        ]
        if permissions is P.WORKSPACE_WRITE:
            assert reached == [] and result.denials == [ToolDenial(tool="Bash", detail=fetch)]
            assert result.reply.content.endswith(f"[refused by its permissions (workspace-write): Bash {fetch}]")
        else:
            assert len(reached) == 1 and result.denials == []


async def test_a_full_agent_writes_outside_its_workspace(claude_turns: ClaudeTurns) -> None:
    outside = claude_turns.workspace.parent / "elsewhere.txt"
    claude_turns.server.call_next("Write", json.dumps({"file_path": str(outside), "content": "anywhere"}))
    claude_turns.server.say_next("Done.")
    result = await claude_turns.run(model=MODEL, permissions=P.FULL)
    assert outside.read_text() == "anywhere" and result.denials == []


@pytest.mark.skipif(os.geteuid() != 0, reason="Claude Code refuses it to root only")
async def test_as_root_claude_refuses_to_bypass_its_permissions(
    claude_turns: ClaudeTurns, monkeypatch: pytest.MonkeyPatch
) -> None:
    # The flags for anyone but root: why full has flags of its own there.
    monkeypatch.setattr(claude_adapter.os, "geteuid", lambda: 1000)
    with pytest.raises(ApplicationError) as refused:
        await claude_turns.run(model=MODEL, permissions=P.FULL)
    assert refused.value.message == (
        "claude-code failed (exit code 1): "
        "--dangerously-skip-permissions cannot be used with root/sudo privileges for security reasons"
    )


@pytest.mark.skipif(bwrap_path() is None, reason="needs bubblewrap (apt-get install bubblewrap)")
async def test_in_the_sandbox_a_workspace_write_agent_edits_its_workspace_and_nothing_else(
    tmp_path: Path, claude_bin: Path, provider: FakeModelServer
) -> None:
    turns = claude_activities(tmp_path, claude_bin, provider, sandbox=True)
    script_work(provider, turns.workspace)
    result = await turns.run(model=MODEL, permissions=P.WORKSPACE_WRITE)
    assert (turns.workspace / "notes.md").read_text() == "status: final\n"
    assert (turns.workspace / "build.log").read_text() == "built\n"
    assert result.denials == []
    assert turns.store.costs[("acme", "ACME-1", "dev", 1)].usage == result.usage
