"""How the OpenCode and Gemini CLI adapters start their tools (command line, stdin, the settings
made before a turn) and how a failed turn's reason is read."""

import json
from pathlib import Path

import pytest

from activities.cli.failure import failure_reason
from activities.cli.gemini import POLICY_ARG, POLICY_FILE, SETTINGS_FILE, Gemini
from activities.cli.opencode import OpenCode
from paperclip.models import CliConfig, CliPermissions

PROMPT = "Write the release notes\nfor version 2."
OPENCODE = ["opencode", "run", "--format", "json", "--print-logs", "--log-level", "ERROR"]


def test_opencode_gives_a_new_session_its_title_and_reads_the_prompt_on_stdin() -> None:
    argv, stdin = OpenCode().argv(CliConfig(model="fake/m"), PROMPT, None)
    assert argv == [*OPENCODE, "--agent", "build", "--model", "fake/m", "--title=Write the release notes"]
    assert stdin == PROMPT  # whole, however long: an argument is limited to 128 KiB
    argv, _ = OpenCode().argv(CliConfig(), PROMPT, "ses_1")
    assert argv == [*OPENCODE, "--agent", "build", "--session", "ses_1"]  # a title of its own already
    argv, _ = OpenCode().argv(CliConfig(args=["--title", "Mine", "--agent", "plan"]), "  \n", None)
    assert argv == [*OPENCODE, "--title", "Mine", "--agent", "plan"]


def test_opencode_permissions_go_in_its_inline_config_beside_the_providers_url() -> None:
    provider = {"provider": {"anthropic": {"options": {"baseURL": "http://127.0.0.1:9/v1"}}}}
    env = {"OPENCODE_CONFIG_CONTENT": json.dumps(provider)}
    config = json.loads(OpenCode().prepare(CliConfig(), Path("/nowhere"), env)["OPENCODE_CONFIG_CONTENT"])
    network = {"*": "allow", "external_directory": "deny"}  # unset: workspace-write with network
    assert config == provider | {"permission": network, "agent": {"build": {"permission": network}}}

    read_only = CliConfig(permissions=CliPermissions.READ_ONLY, args=["--agent", "plan"])
    config = json.loads(OpenCode().prepare(read_only, Path("/nowhere"), {})["OPENCODE_CONFIG_CONTENT"])
    assert config["permission"]["*"] == "deny" and config["agent"]["plan"] == {"permission": config["permission"]}
    assert {tool for tool, allowed in config["permission"].items() if allowed == "allow"} == {
        "read", "glob", "grep", "list",
    }  # fmt: skip


@pytest.mark.parametrize(
    ("profile", "mode"),
    [
        (None, "auto_edit"),
        (CliPermissions.READ_ONLY, "default"),
        (CliPermissions.WORKSPACE_WRITE, "auto_edit"),
        (CliPermissions.FULL, "yolo"),
    ],
)
def test_gemini_runs_headless_with_the_profiles_approval_mode(profile: CliPermissions | None, mode: str) -> None:
    argv, stdin = Gemini().argv(CliConfig(permissions=profile, model="gemini-2.5-pro"), PROMPT, "a-session")
    assert argv == [
        "gemini", "--skip-trust", "--output-format", "stream-json", "--approval-mode", mode,
        "--admin-policy", POLICY_ARG, "--policy", POLICY_ARG,
        "--model", "gemini-2.5-pro", "--resume", "a-session", "-p", "",
    ]  # fmt: skip
    assert stdin == PROMPT
    assert POLICY_ARG == "~/.gemini/policies/paperclip.toml"  # Gemini CLI reads `~` as the agent's HOME


def test_gemini_settings_select_api_key_auth_and_keep_the_rest(tmp_path: Path) -> None:
    settings = tmp_path / SETTINGS_FILE
    settings.parent.mkdir()
    settings.write_text(json.dumps({"ui": {"theme": "dark"}, "security": {"auth": {"selectedType": "oauth-personal"}}}))
    assert Gemini().prepare(CliConfig(), tmp_path, {"GEMINI_API_KEY": "k", "GOOGLE_GEMINI_BASE_URL": "u"}) == {}
    assert json.loads(settings.read_text()) == {
        "ui": {"theme": "dark"},
        "security": {"auth": {"selectedType": "gemini-api-key"}},
    }

    # No key from paperclip: the tool's own login stays; settings it cannot read stay as they are.
    settings.write_text(json.dumps({"security": {"auth": {"selectedType": "oauth-personal"}}}))
    Gemini().prepare(CliConfig(), tmp_path, {})
    assert json.loads(settings.read_text())["security"]["auth"]["selectedType"] == "oauth-personal"
    settings.write_text("{// a comment\n}")
    Gemini().prepare(CliConfig(), tmp_path, {"GEMINI_API_KEY": "k"})
    assert settings.read_text() == "{// a comment\n}"


def test_gemini_policy_is_the_profiles_rewritten_each_turn(tmp_path: Path) -> None:
    policy = tmp_path / POLICY_FILE
    Gemini().prepare(CliConfig(permissions=CliPermissions.READ_ONLY), tmp_path, {})
    assert 'toolName = ["write_file", "replace", "run_shell_command"]\ndecision = "deny"' in policy.read_text()
    Gemini().prepare(CliConfig(permissions=CliPermissions.FULL), tmp_path, {})
    assert "[[rule]]" not in policy.read_text()
    assert oct(policy.parent.stat().st_mode & 0o777) == "0o700"


def test_a_failure_reason_is_the_tools_words_without_colours_or_stack_frames() -> None:
    ansi = "\x1b[91m\x1b[1mError: \x1b[0mSession not found"
    assert failure_reason(None, ansi, "") == "Error: Session not found"
    node = (
        "Error when talking to Gemini API ModelNotFoundError: model gone\n"
        "    at classifyGoogleError (file:///x/chunk.js:1:2)\n    at async main (file:///x/gemini.js:3:4) {\n"
        "  code: 404\n}"
    )
    assert failure_reason(None, node, "") == "Error when talking to Gemini API ModelNotFoundError: model gone"
    rust = "thread 'main' panicked: failed to connect\n   8: std::rt::lang_start\n   9: <unknown>"
    assert failure_reason(None, rust, "") == "thread 'main' panicked: failed to connect"
    assert (
        failure_reason(None, "fake: the connection to the model broke", "") == "fake: the connection to the model broke"
    )
    logged = (
        'timestamp=t level=ERROR message=failed error="ProviderModelNotFoundError: Model not found: x/y.\\n    at z"'
    )
    stream = "UnknownError: Unexpected server error. Check server logs for details."
    assert failure_reason(stream, logged, "") == f"{stream} (ProviderModelNotFoundError: Model not found: x/y.)"
    assert failure_reason("APIError: bad things", "", "") == "APIError: bad things"
    assert failure_reason(None, "", "x" * 400 + "the end") == ("x" * 400 + "the end")[-300:]
    assert failure_reason(None, "", "") == "no output"
