"""OpenCode: `opencode run --format json --print-logs --log-level ERROR --agent build
[--model provider/model] [--session id | --title …]`, the prompt on stdin (no length limit,
unlike an argument).

Events, one JSON object a line, each with `type`, `timestamp` and `sessionID`: `step_start`,
`text` (`part.text`), `tool_use` (`part.tool`, `part.state`), `step_finish` (`part.tokens`:
`input`, `output`, `reasoning`, `cache.read`, `cache.write`; `part.cost` in USD) and `error`
(`error`: `name` and `data.message`, or `message`). Usage and cost add up over the steps. Its
logs go to stderr at level ERROR only, where a failure its stream calls an "unexpected server
error" is named (`error="ProviderModelNotFoundError: …"`).

A new session is given a title (`--title`, the prompt's first line): without one OpenCode asks
the model for a title in a call its output never shows, whose tokens would go uncounted. A step
of a model OpenCode has no price for reports `cost: 0`: it is unpriced (None), not free.

The permission profile goes to OpenCode's inline config (`OPENCODE_CONFIG_CONTENT`, which it
merges over every config file, the workspace's `opencode.json` and the agent's HOME's too), for
every agent and for the agent the turn runs (`build`, pinned, as a config file may pick another
by default and give an agent permissions of its own, which beat the shared ones). Under
`opencode run` a tool that would ask is refused, and the run ends there.

A call its permissions refused (`Stream.denials`) is a `tool_use` whose `state` has `status:
error` and an `error` saying so (`REFUSED`: a deny rule matched, or an ask nobody could answer);
a call of one of OpenCode's own tools that the profile took away (not offered to the model) is
a `tool_use` of that tool with `error: "Model tried to call unavailable tool …"`, or of its
stand-in tool `invalid` (`input.tool` the one called). The model is told and goes on.
"""

import json
from collections.abc import Mapping
from pathlib import Path
from typing import Any

from activities.cli.base import Stream, command, denial, json_event, number, permissions
from paperclip.models import CliConfig, CliPermissions, ToolDenial

TITLE_CHARS = 100
AGENT = "build"
"""OpenCode's own agent that works on the code."""
INLINE_CONFIG = "OPENCODE_CONFIG_CONTENT"
NETWORK_COMMANDS = {"curl *": "deny", "wget *": "deny"}
"""Commands denied where the profile has no network, as for Claude Code: the network itself is the
sandbox's to close, these rules keep the tool from trying."""
PERMISSIONS: dict[CliPermissions, dict[str, str | dict[str, str]]] = {
    CliPermissions.READ_ONLY: {"*": "deny", "read": "allow", "glob": "allow", "grep": "allow", "list": "allow"},
    CliPermissions.WORKSPACE_WRITE: {
        "*": "allow",
        "external_directory": "deny",
        "webfetch": "deny",
        "websearch": "deny",
        "codesearch": "deny",
        "bash": {"*": "allow", **NETWORK_COMMANDS},
    },
    CliPermissions.WORKSPACE_WRITE_NETWORK: {"*": "allow", "external_directory": "deny"},
    CliPermissions.FULL: {"*": "allow"},
}
"""OpenCode's permission config of each profile (the last rule that matches a tool wins)."""


REFUSED = ("specified a rule", "rejected permission")
"""What OpenCode's error says of a call its permissions refused (a deny rule: "The user has
specified a rule which prevents you from using this specific tool call"; an ask, which no one
can answer under `opencode run`: "The user rejected permission to use this specific tool
call"): the words its own interface marks a call denied by."""
UNAVAILABLE = "Model tried to call unavailable tool"
TOOLS = frozenset(
    {
        "bash", "edit", "write", "read", "glob", "grep", "list", "patch", "apply_patch", "multiedit", "webfetch",
        "websearch", "codesearch", "task", "todowrite", "todoread", "skill", "lsp", "batch", "question", "execute",
    }
)  # fmt: skip
"""OpenCode's own tools: called but not offered, one its permissions took away (a tool it never
had is the model's mistake, not a refusal)."""
STAND_IN = "invalid"
"""The tool OpenCode runs in place of a call of a tool it did not offer."""


def refusal(part: dict[str, Any]) -> ToolDenial | None:
    """The refused call a `tool_use` part reports; None: it was not refused."""
    state = part.get("state") or {}
    tool, given = part.get("tool"), state.get("input")
    said = str(state.get("error") or "") if state.get("status") == "error" else ""
    if tool == STAND_IN and isinstance(given, dict):  # its arguments are the call it stands in for
        tool, said, given = given.get("tool"), str(given.get("error") or ""), None
    if not isinstance(tool, str) or not said:
        return None
    if any(words in said for words in REFUSED) or (UNAVAILABLE in said and tool in TOOLS):
        return denial(tool, given)
    return None


def _flag(args: list[str], name: str) -> str | None:
    """The value `args` give flag `name` (`--name value` or `--name=value`); None: not given."""
    for i, arg in enumerate(args):
        if arg.startswith(name + "="):
            return arg.partition("=")[2]
        if arg == name:
            return args[i + 1] if i + 1 < len(args) else ""
    return None


def title(prompt: str) -> str:
    """A new session's title: the prompt's first line, cut short."""
    first = next((line.strip() for line in prompt.splitlines() if line.strip()), "")
    return first[:TITLE_CHARS] or "paperclip"


class OpenCode:
    tool = "opencode"
    default_command = ["opencode"]

    def argv(self, cli: CliConfig, prompt: str, resume: str | None) -> tuple[list[str], str | None]:
        argv = command(cli, self.default_command) + ["run", "--format", "json", "--print-logs", "--log-level", "ERROR"]
        if _flag(cli.args, "--agent") is None:
            argv += ["--agent", AGENT]
        if cli.model:
            argv += ["--model", cli.model]
        if resume:
            argv += ["--session", resume]
        elif _flag(cli.args, "--title") is None:
            argv.append(f"--title={title(prompt)}")
        return argv + cli.args, prompt

    def prepare(self, cli: CliConfig, home: Path, env: Mapping[str, str]) -> dict[str, str]:
        """The inline config with the profile's permissions (beside the provider URL the key's
        credential set there, if any)."""
        profile = PERMISSIONS[permissions(cli)]
        config = json.loads(env.get(INLINE_CONFIG) or "{}")
        config["permission"] = profile
        config.setdefault("agent", {})[_flag(cli.args, "--agent") or AGENT] = {"permission": profile}
        return {INLINE_CONFIG: json.dumps(config)}

    def feed(self, line: str, stream: Stream) -> None:
        event = json_event(line, stream)
        if event is None:
            return
        kind = str(event.get("type", ""))
        part: dict[str, Any] = event.get("part") or {}
        stream.events += 1
        stream.last_event = kind
        stream.session_id = event.get("sessionID") or part.get("sessionID") or stream.session_id
        if kind == "text" and isinstance(part.get("text"), str):
            stream.texts.append(part["text"])
        elif kind == "tool_use":
            refused = refusal(part)
            if refused is not None:
                stream.denials.append(refused)
        elif kind == "step_finish":
            tokens = part.get("tokens") or {}
            cache = tokens.get("cache") or {}
            read, written = number(cache.get("read")), number(cache.get("write"))
            output = number(tokens.get("output")) + number(tokens.get("reasoning"))
            stream.add_usage(number(tokens.get("input")) + read + written, output, read)
            cost = part.get("cost")
            # 0 for tokens is what OpenCode says of a model it has no price for.
            stream.add_cost(float(cost) if isinstance(cost, int | float) and cost > 0 else None)
        elif kind == "error":
            error = event.get("error") or {}
            message = (error.get("data") or {}).get("message") or error.get("message") or event.get("message")
            name = error.get("name")
            stream.error = f"{name}: {message}" if name and message else str(message or name or "error")
