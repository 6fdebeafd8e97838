"""OpenCode: `opencode run --format json [--model provider/model] [--session id] <prompt>`.

Events, one JSON object a line, each with `type`, `timestamp` and `sessionID`: `step_start`,
`text` (`part.text`), `tool_use` (`part.tool`, `part.state`), `step_finish` (`part.tokens`:
`input`, `output`, `reasoning`, `cache.read`, `cache.write`; `part.cost` in USD) and `error`
(`error`: `name` and `data.message`, or `message`). Usage and cost add up over the steps.
"""

from typing import Any

from activities.cli.base import Stream, command, json_event, number
from paperclip.models import CliConfig


class OpenCode:
    tool = "opencode"
    default_command = ["opencode"]

    def argv(self, cli: CliConfig, prompt: str, resume: str | None) -> tuple[list[str], str | None]:
        argv = command(cli, self.default_command) + ["run", "--format", "json"]
        if cli.model:
            argv += ["--model", cli.model]
        if resume:
            argv += ["--session", resume]
        return argv + cli.args + [prompt], None

    def feed(self, line: str, stream: Stream) -> None:
        event = json_event(line)
        if event is None:
            stream.raw.append(line)
            return
        kind = str(event.get("type", ""))
        part: dict[str, Any] = event.get("part") or {}
        stream.events += 1
        stream.last_event = kind
        stream.session_id = event.get("sessionID") or part.get("sessionID") or stream.session_id
        if kind == "text" and isinstance(part.get("text"), str):
            stream.texts.append(part["text"])
        elif kind == "step_finish":
            tokens = part.get("tokens") or {}
            cache = tokens.get("cache") or {}
            read, written = number(cache.get("read")), number(cache.get("write"))
            output = number(tokens.get("output")) + number(tokens.get("reasoning"))
            stream.add_usage(number(tokens.get("input")) + read + written, output, read)
            cost = part.get("cost")
            stream.add_cost(float(cost) if isinstance(cost, int | float) else None)
        elif kind == "error":
            error = event.get("error") or {}
            message = (error.get("data") or {}).get("message") or error.get("message") or event.get("message")
            stream.error = str(message or error.get("name") or "error")
