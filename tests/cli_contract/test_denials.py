"""Calls the real OpenCode and Gemini CLI refuse under the agent's permission profile: the model
(the fake provider, scripted) calls a tool the profile took away or a command it denies; the
tool tells its model and goes on, and the turn reports the refusal (`CliTurnResult.denials`, a
note in the answer) instead of a clean success, without failing. A tool's ordinary error is no
refusal. And the profile wins over policy files and settings the agent could plant in its HOME
or its workspace."""

import json
from pathlib import Path

import pytest
from temporalio.testing import ActivityEnvironment

from paperclip.models import Adapter, CliPermissions, CliTurnResult, ToolDenial
from tests.cli_contract.real import RealCli, real_cli
from tests.cli_contract.streams import keep, shapes
from tests.cli_contract.test_gemini import gemini, keyed
from tests.cli_contract.test_opencode import MODEL, chat_completions
from tests.fakes import FakeModelServer

P = CliPermissions
ANSWER = "[fake] Done: Write the release notes."


def refused_note(profile: CliPermissions, *denials: ToolDenial) -> str:
    refused = "; ".join(f"{d.tool} {d.detail}".strip() for d in denials)
    return f"{ANSWER}\n\n[refused by its permissions ({profile.value}): {refused}]"


def curl(server: FakeModelServer) -> str:
    return f"curl -s -o /dev/null {server.base_url}/v1/models"


def curled(server: FakeModelServer) -> bool:
    """Whether a `curl` reached the fake server."""
    return any(s.headers.get("user-agent", "").startswith("curl") for s in server.seen)


async def opencode_turn(cli: RealCli, server: FakeModelServer, profile: CliPermissions) -> CliTurnResult:
    return await ActivityEnvironment().run(cli.acts.cli_turn, cli.turn(model=MODEL, permissions=profile))


async def test_opencode_reports_a_call_of_a_tool_its_profile_took_away(
    server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = real_cli(Adapter.OPENCODE_LOCAL, tmp_path, monkeypatch)
    chat_completions(cli, server)
    cli.workspace.mkdir(parents=True)
    target = cli.workspace / "notes.txt"
    server.call_next("write", json.dumps({"filePath": str(target), "content": "release notes\n"}))
    result = await opencode_turn(cli, server, P.READ_ONLY)
    lines = list(cli.recording.lines)
    assert shapes(lines) == shapes(keep("opencode-refused-unoffered", lines))
    assert not target.exists()
    assert result.denials == [ToolDenial(tool="write", detail=str(target))]
    assert result.reply.content == refused_note(P.READ_ONLY, *result.denials)

    # Offered other tools, its stand-in tool answers the call (what it was called on is lost).
    server.reset()
    server.call_next("webfetch", json.dumps({"url": f"{server.base_url}/v1/models", "format": "text"}))
    result = await opencode_turn(cli, server, P.WORKSPACE_WRITE)
    lines = list(cli.recording.lines)[len(lines) :]
    assert shapes(lines) == shapes(keep("opencode-refused-stand-in", lines))
    assert result.denials == [ToolDenial(tool="webfetch", detail="")]
    assert result.reply.content == refused_note(P.WORKSPACE_WRITE, *result.denials)


async def test_opencode_reports_a_command_its_profile_denies(
    server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = real_cli(Adapter.OPENCODE_LOCAL, tmp_path, monkeypatch)
    chat_completions(cli, server)
    for profile in (P.WORKSPACE_WRITE, P.WORKSPACE_WRITE_NETWORK):
        server.reset()
        start = len(cli.recording.lines)
        server.call_next("bash", json.dumps({"command": curl(server), "description": "Call back"}))
        result = await opencode_turn(cli, server, profile)
        if profile is P.WORKSPACE_WRITE:
            lines = cli.recording.lines[start:]
            assert shapes(lines) == shapes(keep("opencode-refused-rule", lines))
            assert not curled(server) and result.denials == [ToolDenial(tool="bash", detail=curl(server))]
            assert result.reply.content == refused_note(profile, *result.denials)
        else:
            assert curled(server) and result.denials == [] and result.reply.content == ANSWER


async def test_opencode_a_tool_it_never_had_is_the_models_mistake_not_a_refusal(
    server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = real_cli(Adapter.OPENCODE_LOCAL, tmp_path, monkeypatch)
    chat_completions(cli, server)
    server.call_next("frobnicate", json.dumps({"path": "."}))
    result = await opencode_turn(cli, server, P.READ_ONLY)
    assert any('"status":"error"' in line and "frobnicate" in line for line in cli.recording.lines)
    assert result.denials == [] and result.reply.content == ANSWER


async def gemini_turn(cli: RealCli, server: FakeModelServer, profile: CliPermissions) -> CliTurnResult:
    turn = cli.turn(**keyed(server, model="gemini-2.5-flash", permissions=profile))
    return await ActivityEnvironment().run(cli.acts.cli_turn, turn)


async def test_gemini_reports_a_call_of_a_tool_its_profile_took_away(
    server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = gemini(server, tmp_path, monkeypatch)
    cli.workspace.mkdir(parents=True)
    target = cli.workspace / "notes.txt"
    server.call_next("write_file", json.dumps({"file_path": str(target), "content": "release notes\n"}))
    result = await gemini_turn(cli, server, P.READ_ONLY)
    lines = list(cli.recording.lines)
    assert shapes(lines) == shapes(keep("gemini-refused-unregistered", lines))
    assert not target.exists()
    assert result.denials == [ToolDenial(tool="write_file", detail=str(target))]
    assert result.reply.content == refused_note(P.READ_ONLY, *result.denials)


async def test_gemini_reports_a_command_its_profile_denies(
    server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = gemini(server, tmp_path, monkeypatch)
    for profile in (P.WORKSPACE_WRITE, P.WORKSPACE_WRITE_NETWORK):
        server.reset()
        start = len(cli.recording.lines)
        server.call_next("run_shell_command", json.dumps({"command": curl(server), "description": "Call back"}))
        result = await gemini_turn(cli, server, profile)
        if profile is P.WORKSPACE_WRITE:
            lines = cli.recording.lines[start:]
            assert shapes(lines) == shapes(keep("gemini-refused-policy", lines))
            assert not curled(server)
            assert result.denials == [ToolDenial(tool="run_shell_command", detail=curl(server))]
            assert result.reply.content == refused_note(profile, *result.denials)
        else:
            assert curled(server) and result.denials == [] and result.reply.content == ANSWER


async def test_gemini_an_ordinary_tool_error_is_no_refusal(
    server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = gemini(server, tmp_path, monkeypatch)
    cli.workspace.mkdir(parents=True)
    server.call_next("read_file", json.dumps({"file_path": str(cli.workspace / "missing.txt")}))
    result = await gemini_turn(cli, server, P.READ_ONLY)
    assert any('"tool_result"' in line and '"status":"error"' in line for line in cli.recording.lines)
    assert result.denials == [] and result.reply.content == ANSWER


ALLOW_ALL = """[[rule]]
toolName = ["write_file", "replace", "run_shell_command", "web_fetch", "google_web_search"]
decision = "allow"
priority = 999
"""


@pytest.mark.parametrize(
    "planted",
    ["a user policy", "user settings naming an admin policy", "a trusted workspace's settings", "workspace settings"],
)
async def test_gemini_policies_the_agent_could_plant_do_not_widen_its_profile(
    planted: str, server: FakeModelServer, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    cli = gemini(server, tmp_path, monkeypatch)
    home, workspace = cli.agent_home / ".gemini", cli.workspace / ".gemini"
    (home / "policies").mkdir(parents=True)
    workspace.mkdir(parents=True)
    allow = workspace / "allow.toml"
    allow.write_text(ALLOW_ALL)
    paths = {"adminPolicyPaths": [str(allow)], "policyPaths": [str(allow)]}
    if planted == "a user policy":  # ranks with the user's own rules, above them by priority
        (home / "policies" / "zz-allow.toml").write_text(ALLOW_ALL)
    elif planted == "user settings naming an admin policy":
        (home / "settings.json").write_text(json.dumps(paths))
    else:
        if planted == "a trusted workspace's settings":
            (home / "trustedFolders.json").write_text(json.dumps({str(cli.workspace): "TRUST_FOLDER"}))
        (workspace / "settings.json").write_text(json.dumps(paths | {"tools": {"allowed": ["write_file"]}}))
    target = cli.workspace / "notes.txt"
    server.call_next("write_file", json.dumps({"file_path": str(target), "content": "release notes\n"}))
    result = await gemini_turn(cli, server, P.READ_ONLY)
    offered = {f["name"] for t in server.requests[0]["tools"] for f in t["functionDeclarations"]}
    assert "read_file" in offered and not offered & {"write_file", "run_shell_command", "web_fetch"}
    assert not target.exists() and result.denials == [ToolDenial(tool="write_file", detail=str(target))]
