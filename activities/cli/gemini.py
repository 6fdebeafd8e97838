"""Gemini CLI: `gemini --skip-trust --output-format stream-json --approval-mode … [--model m]
[--resume id] -p ""`, the prompt on stdin (`-p` makes it headless; its empty text adds nothing).

Events, one JSON object a line: `init` (`session_id`, `model`, `auto` when its router picks),
`message` (`role`, `content`: an assistant's answer comes in pieces, `delta: true`),
`tool_use` (`tool_name`, `tool_id`, `parameters`), `tool_result` (`tool_id`, `status`, `output`
or `error`), `error` (`severity`, `message`: a warning or a retried failure, after which it may
carry on) and last `result`: `status` (`success` or `error`, with `error.message` when the
failure was not said before) and `stats` over every model call of the run, its router's
included: `input_tokens` (cached ones included), `cached`, `output_tokens` (without thinking)
and `total_tokens` (with it), and the same per model. A session resumes with
`--resume <session_id>` in the folder it was started in (sessions are kept per project, under
`~/.gemini/tmp`). Gemini CLI reports no cost: its turns are counted in tokens.

Settings made before each turn (`prepare`): with a key or URL from paperclip, the API-key auth
type in `~/.gemini/settings.json` (Gemini CLI takes `GOOGLE_GEMINI_BASE_URL` only with it); and
the permission profile's rules in `~/.gemini/policies/paperclip.toml`, passed as the admin
policy (`--admin-policy`, the tier above every user and workspace rule) and as the only user
policy (`--policy`, which replaces the user policy folder). A flag beats the settings, so policy
files the agent could plant in its HOME (which its shell may write), in a settings file there
(`policyPaths`, `adminPolicyPaths`) or in a workspace it got trusted cannot allow what the
profile refuses. (On a host with system policies, in `/etc/gemini-cli/policies`, Gemini CLI
drops `--admin-policy` and the profile's rules rank as a user's.) `--skip-trust` because a
headless run in an untrusted folder stops at once; it trusts the folder only after the
settings are read, so the workspace's own `.gemini/settings.json` is not read at all.

A call its policy refused (`Stream.denials`) is a `tool_result` with `status: error` and
`error.type` `policy_violation`, or `tool_not_registered` for a tool the profile took away (a
call of a tool Gemini CLI never had is the model's mistake, not a refusal); the call itself is
the `tool_use` of the same `tool_id`. The model is told and goes on.
"""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from activities.cli.base import Stream, command, denial, json_event, number, permissions
from paperclip.models import CliConfig, CliPermissions

APPROVAL_MODES = {
    CliPermissions.READ_ONLY: "default",  # headless, every tool that would ask is left out
    CliPermissions.WORKSPACE_WRITE: "auto_edit",
    CliPermissions.WORKSPACE_WRITE_NETWORK: "auto_edit",
    CliPermissions.FULL: "yolo",
}
WRITING = ("write_file", "replace", "run_shell_command")
"""Gemini CLI's tools that change files or run commands."""
NETWORK = ("web_fetch", "google_web_search")
"""Its tools whose whole use is the network."""
REFUSABLE = frozenset(WRITING + NETWORK)
"""The tools a profile can take away: not registered, a call of one is a refused call."""


def _names(tools: tuple[str, ...]) -> str:
    return "[" + ", ".join(f'"{tool}"' for tool in tools) + "]"


_SHELL = '[[rule]]\ntoolName = "run_shell_command"\ndecision = "allow"\npriority = 900\n'
_NO_NETWORK = f'[[rule]]\ntoolName = {_names(NETWORK)}\ndecision = "deny"\npriority = 900\n'
_NO_NETWORK_COMMANDS = (
    '[[rule]]\ntoolName = "run_shell_command"\ncommandPrefix = ["curl", "wget"]\ndecision = "deny"\npriority = 950\n'
)
"""Commands denied where the profile has no network, as for Claude Code: the network itself is
the sandbox's to close, this rule keeps the tool from trying."""
_NO_WRITES = f'[[rule]]\ntoolName = {_names(WRITING)}\ndecision = "deny"\npriority = 900\n'
POLICIES = {
    CliPermissions.READ_ONLY: _NO_WRITES + "\n" + _NO_NETWORK,
    CliPermissions.WORKSPACE_WRITE: _SHELL + "\n" + _NO_NETWORK + "\n" + _NO_NETWORK_COMMANDS,
    CliPermissions.WORKSPACE_WRITE_NETWORK: _SHELL,
    CliPermissions.FULL: "",
}
"""Rules a profile adds to its approval mode: `auto_edit` approves edits (in the workspace) and
`web_fetch`, not shell commands."""
POLICY_FILE = Path(".gemini") / "policies" / "paperclip.toml"
POLICY_ARG = f"~/{POLICY_FILE.as_posix()}"
"""The policy file as the flags name it: Gemini CLI reads `~` as its HOME, the agent's."""
SETTINGS_FILE = Path(".gemini") / "settings.json"
API_KEY_AUTH = "gemini-api-key"


class Gemini:
    tool = "gemini"
    default_command = ["gemini"]

    def argv(self, cli: CliConfig, prompt: str, resume: str | None) -> tuple[list[str], str | None]:
        argv = command(cli, self.default_command) + ["--skip-trust", "--output-format", "stream-json"]
        argv += ["--approval-mode", APPROVAL_MODES[permissions(cli)]]
        # The profile's rules over any the agent could plant (see the module's docstring).
        argv += ["--admin-policy", POLICY_ARG, "--policy", POLICY_ARG]
        if cli.model:
            argv += ["--model", cli.model]
        if resume:
            argv += ["--resume", resume]
        return argv + cli.args + ["-p", ""], prompt

    def prepare(self, cli: CliConfig, home: Path, env: Mapping[str, str]) -> dict[str, str]:
        policy = home / POLICY_FILE
        policy.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
        rules = POLICIES[permissions(cli)]
        policy.write_text(f"# Written by paperclip before each turn: the agent's permission profile.\n\n{rules}")
        if "GEMINI_API_KEY" in env or "GOOGLE_GEMINI_BASE_URL" in env:
            _select_api_key_auth(home / SETTINGS_FILE)
        return {}

    def feed(self, line: str, stream: Stream) -> None:
        event = json_event(line, stream)
        if event is None:
            return
        kind = str(event.get("type", ""))
        previous, stream.last_event = stream.last_event, kind
        stream.events += 1
        if kind == "init":
            stream.session_id = event.get("session_id") or stream.session_id
            stream.model = event.get("model") or stream.model
        elif kind == "message" and event.get("role") == "assistant" and isinstance(event.get("content"), str):
            stream.last_event = "message/assistant"
            if event.get("delta") and previous == stream.last_event and stream.texts:
                stream.texts[-1] += event["content"]  # the next piece of the same message
            else:
                stream.texts.append(event["content"])
        elif kind == "tool_use" and isinstance(event.get("tool_id"), str):
            stream.calls[event["tool_id"]] = denial(str(event.get("tool_name") or ""), event.get("parameters"))
        elif kind == "tool_result" and event.get("status") == "error":
            call = stream.calls.get(str(event.get("tool_id")))
            why = (event.get("error") or {}).get("type")
            if call and (why == "policy_violation" or (why == "tool_not_registered" and call.tool in REFUSABLE)):
                stream.denials.append(call)
        elif kind == "error":
            stream.error = str(event.get("message") or "error")  # cleared if it carries on to success
        elif kind == "result":
            _read_stats(event.get("stats") or {}, stream)
            if event.get("status") == "success":
                stream.error = None
            else:
                error = event.get("error") or {}
                stream.error = str(error.get("message") or stream.error or event.get("status") or "error")


def _read_stats(stats: dict[str, Any], stream: Stream) -> None:
    prompt = number(stats.get("input_tokens"))
    output = max(number(stats.get("output_tokens")), number(stats.get("total_tokens")) - prompt)
    stream.add_usage(prompt, output, number(stats.get("cached")))
    models = stats.get("models") or {}
    if isinstance(models, dict) and models:
        # The model that did the work (the router's classifier is a small one beside it).
        stream.model = max(models, key=lambda name: number((models[name] or {}).get("total_tokens")))


def _select_api_key_auth(path: Path) -> None:
    """Select the API-key auth type in Gemini CLI's user settings, keeping what else they say (a
    file that is not plain JSON, with comments, is left as it is)."""
    settings: dict[str, Any] = {}
    if path.exists():
        try:
            loaded = json.loads(path.read_text())
        except ValueError:
            return
        if not isinstance(loaded, dict):
            return
        settings = loaded
    auth = settings.setdefault("security", {}).setdefault("auth", {})
    if auth.get("selectedType") == API_KEY_AUTH:
        return
    auth["selectedType"] = API_KEY_AUTH
    path.parent.mkdir(mode=0o700, parents=True, exist_ok=True)
    path.write_text(json.dumps(settings, indent=2) + "\n")
