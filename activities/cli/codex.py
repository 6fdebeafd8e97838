"""Codex CLI: `codex exec --json … -`, the prompt on stdin.

Events, one JSON object a line: `thread.started` (`thread_id`, the session), `turn.started`,
`item.started` / `item.updated` / `item.completed` (`item.type`: `agent_message` with `text`,
`reasoning`, `command_execution`, `file_change`, `error` — a warning, such as a model it has no
metadata for), `turn.completed` (`usage`: `input_tokens`, of which `cached_input_tokens` and
`cache_write_input_tokens`, and `output_tokens`, **summed over every turn of the thread**),
`turn.failed` (`error` with `message`) and `error` (`message`). An `error` event is not the end:
Codex says `Reconnecting... 2/5 (…)` on a dropped stream or a refused request and tries again, so
a turn that then completes has not failed. A model provider's refusal comes as its raw body
(`{"error": {"message": …}}`): its message is the reason. A session resumes with
`codex exec … resume <thread_id> -` (the options before `resume` hold for it). Codex reports no
cost: its runs are counted in tokens.

Where it calls: Codex (0.171) reads no `OPENAI_BASE_URL`; with a `cli.base_url` it is given a
model provider of its own on the command line (`-c model_provider=…`, Responses API over HTTP),
which sends the key in `OPENAI_API_KEY` when the spec names a credential and none otherwise.

What it may do (`cli.permissions`, `paperclip.models.CliPermissions`), as Codex's own sandbox
for the commands and edits the model asks for, always with approvals off (a headless turn has
nobody to ask): read-only → `--sandbox read-only`; workspace-write → `--sandbox workspace-write`
(its working directory and `/tmp`, no network); with network →
`-c sandbox_workspace_write.network_access=true` besides (the callback to the API); full →
`--sandbox danger-full-access`. Unset, an agent gets workspace-write with network, what
`paperclip.cli_rules.permissions_for` gives an agent whose tool policy denies no writing tool.
Codex's sandbox (its own bubblewrap and seccomp) nests inside the worker's (`activities.cli.sandbox`),
which does not confine writes to the workspace nor the network: the worker's sandbox is what the
turn can see of the host, Codex's is what the model's commands may write and reach within it.
Both need unprivileged user namespaces; Codex also needs its HOME outside `$TMPDIR`, or it
installs no helper for its sandbox and every command fails.
"""

import json

from activities.cli.base import Stream, command, json_event, number
from paperclip.models import CliConfig, CliPermissions, Usage

PROVIDER = "paperclip"
"""The name of the model provider a `cli.base_url` is given to Codex as."""
KEY_VARIABLE = "OPENAI_API_KEY"
"""Where the activity puts the key of `cli.credential` (`paperclip.cli_rules.tool_key`)."""
DEFAULT_PERMISSIONS = CliPermissions.WORKSPACE_WRITE_NETWORK
SANDBOX_FLAGS: dict[CliPermissions, list[str]] = {
    CliPermissions.READ_ONLY: ["--sandbox", "read-only"],
    CliPermissions.WORKSPACE_WRITE: ["--sandbox", "workspace-write"],
    CliPermissions.WORKSPACE_WRITE_NETWORK: [
        "--sandbox",
        "workspace-write",
        "-c",
        "sandbox_workspace_write.network_access=true",
    ],
    CliPermissions.FULL: ["--sandbox", "danger-full-access"],
}
HEADLESS = ["-c", 'approval_policy="never"']
"""Never ask: nobody answers a headless turn (a command the sandbox refuses fails instead)."""


def permission_flags(permissions: CliPermissions | None) -> list[str]:
    """Codex's flags for a permission profile (None: `DEFAULT_PERMISSIONS`)."""
    return SANDBOX_FLAGS[permissions or DEFAULT_PERMISSIONS] + HEADLESS


def provider_flags(cli: CliConfig) -> list[str]:
    """The model provider that sends Codex's requests to `cli.base_url` (none without one)."""
    if cli.base_url is None:
        return []
    fields = {"name": PROVIDER, "base_url": cli.base_url, "wire_api": "responses"}
    if cli.credential:
        fields["env_key"] = KEY_VARIABLE
    table = ", ".join(f"{name} = {json.dumps(value)}" for name, value in fields.items())  # TOML strings
    return ["-c", f'model_provider="{PROVIDER}"', "-c", f"model_providers.{PROVIDER}={{{table}}}"]


def reason(message: str) -> str:
    """An error message as a person reads it: a provider's raw JSON body gives its own message."""
    if message.lstrip().startswith("{"):
        try:
            body = json.loads(message)
        except ValueError:
            return message
        error = body.get("error") if isinstance(body, dict) else None
        if isinstance(error, dict) and isinstance(error.get("message"), str):
            return error["message"]
    return message


class Codex:
    tool = "codex"
    default_command = ["codex"]

    def argv(self, cli: CliConfig, prompt: str, resume: str | None) -> tuple[list[str], str | None]:
        argv = command(cli, self.default_command) + ["exec", "--json", "--skip-git-repo-check"]
        if cli.model:
            argv += ["--model", cli.model]
        argv += permission_flags(cli.permissions) + provider_flags(cli) + cli.args
        if resume:
            argv += ["resume", resume]
        return argv + ["-"], prompt

    def feed(self, line: str, stream: Stream) -> None:
        event = json_event(line, stream)
        if event is None:
            return
        kind = str(event.get("type", ""))
        stream.events += 1
        stream.last_event = kind
        if kind == "thread.started":
            stream.session_id = event.get("thread_id") or stream.session_id
        elif kind == "item.completed":
            item = event.get("item") or {}
            stream.last_event = f"{kind}/{item.get('type', '')}"
            if item.get("type") == "agent_message" and isinstance(item.get("text"), str):
                stream.texts.append(item["text"])
        elif kind == "turn.completed":
            usage = event.get("usage") or {}
            stream.session_total = Usage(
                input_tokens=number(usage.get("input_tokens")),
                output_tokens=number(usage.get("output_tokens")),
                cached_input_tokens=number(usage.get("cached_input_tokens")),
                cache_write_tokens=number(usage.get("cache_write_input_tokens")),
            )
            stream.error = None  # it said `Reconnecting…` on the way, and got there
        elif kind == "turn.failed":
            stream.error = reason(str((event.get("error") or {}).get("message") or "the turn failed"))
        elif kind == "error":
            stream.error = reason(str(event.get("message") or "error"))
