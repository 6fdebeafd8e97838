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

import fnmatch
import os
from collections.abc import Sequence
from typing import Any

from activities.cli.base import Stream, command, denial, json_event, number
from paperclip.cli_rules import CLI_TOOLS
from paperclip.models import Adapter, CliConfig, CliGrant, CliPermissions, ToolDenial, ToolPolicy, ToolRule

RUN_COMMAND = "run_command"

WRITING = ("Bash", "Edit", "Write", "NotebookEdit")
"""Claude Code's tools that change files or run commands."""
NETWORK = ("WebFetch", "WebSearch")
"""Its tools whose whole use is the network."""
NETWORK_COMMANDS = ("Bash(curl *)", "Bash(wget *)")
"""Commands denied where the profile has no network. The network itself is the sandbox's to
close: a command can reach it by other programs; these rules keep the tool from trying."""
EVERY_COMMAND = "Bash(**)"
"""The Bash rule every command matches (plain `Bash(*)` takes the tool away instead)."""
OWN_TOOLS: dict[str, tuple[str, ...]] = {}
for _own, _registry in CLI_TOOLS[Adapter.CLAUDE_LOCAL].items():
    OWN_TOOLS[_registry] = (*OWN_TOOLS.get(_registry, ()), _own)
"""Registry tool → the Claude Code tools that stand for it (`paperclip.cli_rules.CLI_TOOLS`)."""


def permission_flags(
    permissions: CliPermissions | None,
    *,
    root: bool,
    rules: Sequence[ToolRule] = (),
    granted: Sequence[CliGrant] = (),
) -> list[str]:
    """Claude Code's flags for a permission profile (None: workspace-write with network, what an
    agent whose tool policy writes gets: `paperclip.cli_rules.permissions_for`), narrowed by the
    tool policy's rules of what Claude's own tools do and widened by calls a person approved.

    - read-only: the default mode (under `-p` a call that would ask is refused), and no tool that
      writes, runs a command or reaches the network: the model is not offered them (it reads
      with `Read`, `Glob` and `Grep`).
    - workspace-write: `acceptEdits` (edits inside the workspace, refused outside it) and Bash
      allowed; no network tools, no `curl`/`wget`.
    - workspace-write-network: the same, with the network tools and commands (the product's
      callback is a `curl` to `PAPERCLIP_API_URL`).
    - full: `bypassPermissions`; as root, where Claude Code refuses it outside a sandbox it
      knows, `acceptEdits` with every tool that would ask allowed by name (edits anywhere).

    `rules` (`paperclip.cli_rules.cli_tool_rules`), what Claude Code was seen to obey (the
    contract tests): a rule that asks of every command is the Bash rule `Bash(**)`, which keeps
    Bash offered and refuses each call, reported in `permission_denials` (then asked about); a
    `run_command` rule's pattern is a Bash rule of its own (`Bash(<pattern>)`, refused or
    allowed); a rule that denies every command, or denies or asks of `write_file`, `edit_file`
    or `http_fetch` (their own path and domain rules were not obeyed as written), takes the
    tools out of the model's reach. Refusals win over allowances, so under a rule that asks of
    every command a pattern that allows some does not.

    `granted`: each approved command allowed exactly. The refusals that cover it are lifted for
    the turn and Bash is then allowed by name to nothing else: what else runs in that turn is
    what Claude Code runs unasked in its mode (filesystem commands inside the workspace, commands
    that only read), and the sandbox holds it to the workspace.
    """
    profile = permissions or CliPermissions.WORKSPACE_WRITE_NETWORK
    if profile is CliPermissions.READ_ONLY:
        return ["--permission-mode=default", "--disallowedTools=" + ",".join(WRITING + NETWORK)]
    if profile is CliPermissions.FULL and not root and not rules and not granted:
        return ["--permission-mode=bypassPermissions"]
    allowed: list[str] = {
        CliPermissions.WORKSPACE_WRITE: ["Bash"],
        CliPermissions.WORKSPACE_WRITE_NETWORK: ["Bash", *NETWORK],
    }.get(profile, [*WRITING, *NETWORK])
    refused = [*NETWORK, *NETWORK_COMMANDS] if profile is CliPermissions.WORKSPACE_WRITE else []
    for tool, names in OWN_TOOLS.items():
        mine = [r for r in rules if r.tool == tool and r.policy is not ToolPolicy.ALLOW]
        if tool == RUN_COMMAND:
            whole = {r.policy for r in mine if r.pattern is None}
            if whole:
                allowed = [a for a in allowed if a != "Bash"]
                refused.append("Bash" if ToolPolicy.DENY in whole else EVERY_COMMAND)
            refused += [f"Bash({r.pattern})" for r in mine if r.pattern is not None]
            allowed += [
                f"Bash({r.pattern})" for r in rules if r.tool == tool and r.policy is ToolPolicy.ALLOW and r.pattern
            ]
        elif mine:
            allowed = [a for a in allowed if a not in names]
            refused += [n for n in names if n not in refused]
    for grant in granted:
        if grant.tool != RUN_COMMAND:
            continue
        lifted = [r for r in refused if r.startswith("Bash(") and fnmatch.fnmatchcase(grant.subject, r[5:-1])]
        if lifted:
            refused = [r for r in refused if r not in lifted]
            allowed = [a for a in allowed if a != "Bash"]
        allowed.append(f"Bash({grant.subject})")
    flags = ["--permission-mode=acceptEdits"]
    # With rules, one an argument: a command's commas and spaces stay in it.
    if allowed:
        flags += ["--allowedTools", *allowed] if rules or granted else ["--allowedTools=" + ",".join(allowed)]
    if refused:
        flags += ["--disallowedTools", *refused] if rules or granted else ["--disallowedTools=" + ",".join(refused)]
    return flags


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
        return self.argv_with(cli, prompt, resume, (), ())

    def argv_with(
        self,
        cli: CliConfig,
        prompt: str,
        resume: str | None,
        rules: Sequence[ToolRule],
        granted: Sequence[CliGrant],
    ) -> tuple[list[str], str | None]:
        argv = command(cli, self.default_command) + ["-p", "--output-format", "stream-json", "--verbose"]
        argv += permission_flags(cli.permissions, root=os.geteuid() == 0, rules=rules, granted=granted)
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
