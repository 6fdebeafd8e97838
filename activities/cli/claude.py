"""Claude Code: `claude -p --output-format stream-json --verbose`, the prompt on stdin.

Events, one JSON object a line (as Claude Code 2.1 writes them; recorded ones are in
`tests/fakes/recorded/`): `system` (subtype `init`: `session_id`, `model`, `permissionMode`),
`assistant` and `user` (an Anthropic message each, one content block an event), and last
`result`: `subtype` (`success`, `error_during_execution`, `error_max_turns`,
`error_max_budget_usd`, …), `is_error`, `session_id`, `total_cost_usd`, `usage`, `modelUsage`,
`permission_denials`; a success has the answer in `result` (a provider's error too, as
`API Error: …`), an error its reasons in `errors` and no `result`.

What is read where, and why:
- Usage from `modelUsage` (per model: `inputTokens`, `cacheReadInputTokens`,
  `cacheCreationInputTokens`, `outputTokens`): it counts every call of the run, a new session's
  title call too, and is all there is after a stop at `--max-budget-usd` (whose `usage` is
  zeros). The result's `usage` counts the conversation's calls only: read when `modelUsage` is
  missing or empty.
- A stop at `--max-budget-usd` (`error_max_budget_usd`) is the turn stopped at its budget, as the
  runner stops other tools (`Stream.stopped_at_budget`), not a failure to retry.
- `permission_denials` (`tool_name`, `tool_input`): calls the tool refused under its permissions
  (`Stream.denials`); it told its model and went on.

A session resumes with `--resume <session_id>`. Permissions: `permission_flags`.
"""

import os
from typing import Any

from activities.cli.base import Stream, command, denial, json_event, number
from paperclip.models import CliConfig, CliPermissions, ToolDenial

WRITING = ("Bash", "Edit", "Write", "NotebookEdit")
"""Claude Code's tools that change files or run commands."""
NETWORK = ("WebFetch", "WebSearch")
"""Its tools whose whole use is the network."""
NETWORK_COMMANDS = ("Bash(curl *)", "Bash(wget *)")
"""Commands denied where the profile has no network. The network itself is the sandbox's to
close: a command can reach it by other programs; these rules keep the tool from trying."""


def permission_flags(permissions: CliPermissions | None, *, root: bool) -> list[str]:
    """Claude Code's flags for a permission profile (None: workspace-write with network, what an
    agent whose tool policy writes gets: `paperclip.cli_rules.permissions_for`).

    - read-only: the default mode (under `-p` a call that would ask is refused), and no tool that
      writes, runs a command or reaches the network: the model is not offered them (it reads
      with `Read`, `Glob` and `Grep`).
    - workspace-write: `acceptEdits` (edits inside the workspace, refused outside it) and Bash
      allowed; no network tools, no `curl`/`wget`.
    - workspace-write-network: the same, with the network tools and commands (the product's
      callback is a `curl` to `PAPERCLIP_API_URL`).
    - full: `bypassPermissions`; as root, where Claude Code refuses it outside a sandbox it
      knows, `acceptEdits` with every tool that would ask allowed by name (edits anywhere).
    """
    profile = permissions or CliPermissions.WORKSPACE_WRITE_NETWORK
    if profile is CliPermissions.READ_ONLY:
        return ["--permission-mode=default", "--disallowedTools=" + ",".join(WRITING + NETWORK)]
    if profile is CliPermissions.WORKSPACE_WRITE:
        return [
            "--permission-mode=acceptEdits",
            "--allowedTools=Bash",
            "--disallowedTools=" + ",".join(NETWORK + NETWORK_COMMANDS),
        ]
    if profile is CliPermissions.WORKSPACE_WRITE_NETWORK:
        return ["--permission-mode=acceptEdits", "--allowedTools=" + ",".join(("Bash", *NETWORK))]
    if root:
        return ["--permission-mode=acceptEdits", "--allowedTools=" + ",".join(WRITING + NETWORK)]
    return ["--permission-mode=bypassPermissions"]


def _denial(entry: Any) -> ToolDenial | None:
    if not isinstance(entry, dict) or not isinstance(entry.get("tool_name"), str):
        return None
    return denial(entry["tool_name"], entry.get("tool_input"))


def _read_usage(event: dict[str, Any], stream: Stream) -> None:
    by_model = event.get("modelUsage")
    if isinstance(by_model, dict) and by_model:
        for spent in by_model.values():
            if not isinstance(spent, dict):
                continue
            cached = number(spent.get("cacheReadInputTokens"))
            written = number(spent.get("cacheCreationInputTokens"))
            stream.add_usage(
                number(spent.get("inputTokens")) + cached + written, number(spent.get("outputTokens")), cached, written
            )
        return
    usage = event.get("usage") or {}
    cached = number(usage.get("cache_read_input_tokens"))
    written = number(usage.get("cache_creation_input_tokens"))
    stream.add_usage(
        number(usage.get("input_tokens")) + cached + written, number(usage.get("output_tokens")), cached, written
    )


def _read_result(event: dict[str, Any], stream: Stream) -> None:
    _read_usage(event, stream)
    cost = event.get("total_cost_usd")
    stream.add_cost(float(cost) if isinstance(cost, int | float) else None)
    if isinstance(event.get("result"), str):
        stream.result = event["result"]
    stream.denials += [d for d in map(_denial, event.get("permission_denials") or []) if d is not None]
    subtype = str(event.get("subtype", "success"))
    if subtype == "error_max_budget_usd":
        stream.stopped_at_budget = True
    elif event.get("is_error") or subtype != "success":
        errors = [str(e) for e in event.get("errors") or [] if str(e).strip()]
        stream.error = "; ".join(errors) or stream.result or subtype


class ClaudeCode:
    tool = "claude-code"
    default_command = ["claude"]

    def argv(self, cli: CliConfig, prompt: str, resume: str | None) -> tuple[list[str], str | None]:
        argv = command(cli, self.default_command) + ["-p", "--output-format", "stream-json", "--verbose"]
        argv += permission_flags(cli.permissions, root=os.geteuid() == 0)
        if cli.model:
            argv += ["--model", cli.model]
        if cli.turn_budget_usd is not None:  # Claude Code stops itself there
            argv += ["--max-budget-usd", format(cli.turn_budget_usd, "f")]
        if resume:
            argv += ["--resume", resume]
        return argv + cli.args, prompt

    def feed(self, line: str, stream: Stream) -> None:
        event = json_event(line, stream)
        if event is None:
            return
        kind = str(event.get("type", ""))
        stream.events += 1
        stream.last_event = f"{kind}/{event['subtype']}" if event.get("subtype") else kind
        stream.session_id = event.get("session_id") or stream.session_id
        if kind == "system" and event.get("subtype") == "init":
            stream.model = event.get("model") or stream.model
        elif kind == "assistant":
            message = event.get("message") or {}
            text = "".join(
                b.get("text", "")
                for b in message.get("content") or []
                if isinstance(b, dict) and b.get("type") == "text"
            )
            if text:
                stream.texts.append(text)
            stream.model = message.get("model") or stream.model
        elif kind == "result":
            _read_result(event, stream)
