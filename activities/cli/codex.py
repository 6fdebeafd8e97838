"""Codex CLI: `codex exec --json … -`, the prompt on stdin.

Events, one JSON object a line: `thread.started` (`thread_id`, the session), `turn.started`,
`item.started` / `item.updated` / `item.completed` (`item.type`: `agent_message` with `text`,
`reasoning`, `command_execution`, `file_change`, …), `turn.completed` (`usage`:
`input_tokens`, of which `cached_input_tokens`, and `output_tokens`), `turn.failed` (`error`
with `message`) and `error` (`message`). A session resumes with `codex exec resume <thread_id>`.
Codex reports no cost: its runs are counted in tokens.
"""

from activities.cli.base import Stream, command, json_event, number
from paperclip.models import CliConfig


class Codex:
    tool = "codex"
    default_command = ["codex"]

    def argv(self, cli: CliConfig, prompt: str, resume: str | None) -> tuple[list[str], str | None]:
        argv = command(cli, self.default_command) + ["exec", "--json", "--skip-git-repo-check"]
        if cli.model:
            argv += ["--model", cli.model]
        argv += cli.args
        if resume:
            argv += ["resume", resume]
        return argv + ["-"], prompt

    def feed(self, line: str, stream: Stream) -> None:
        event = json_event(line)
        if event is None:
            stream.raw.append(line)
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
            stream.add_usage(
                number(usage.get("input_tokens")),
                number(usage.get("output_tokens")),
                number(usage.get("cached_input_tokens")),
            )
        elif kind == "turn.failed":
            stream.error = str((event.get("error") or {}).get("message") or "the turn failed")
        elif kind == "error":
            stream.error = str(event.get("message") or "error")
