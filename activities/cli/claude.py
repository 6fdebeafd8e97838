"""Claude Code: `claude -p --output-format stream-json --verbose`, the prompt on stdin.

Events, one JSON object a line: `system` (subtype `init`: `session_id`, `model`), `assistant`
and `user` (an Anthropic message each), and last `result`: `subtype` (`success` or an
`error_…`), `is_error`, `result` (the answer), `session_id`, `total_cost_usd` and `usage`
(`input_tokens`, `cache_creation_input_tokens`, `cache_read_input_tokens`, `output_tokens`).
A session resumes with `--resume <session_id>`; `--max-budget-usd` makes it stop at a turn's budget.
"""

from activities.cli.base import Stream, command, json_event, number
from paperclip.models import CliConfig


class ClaudeCode:
    tool = "claude-code"
    default_command = ["claude"]

    def argv(self, cli: CliConfig, prompt: str, resume: str | None) -> tuple[list[str], str | None]:
        argv = command(cli, self.default_command) + ["-p", "--output-format", "stream-json", "--verbose"]
        if cli.model:
            argv += ["--model", cli.model]
        if cli.turn_budget_usd is not None:  # Claude Code stops itself there
            argv += ["--max-budget-usd", format(cli.turn_budget_usd, "f")]
        if resume:
            argv += ["--resume", resume]
        return argv + cli.args, prompt

    def feed(self, line: str, stream: Stream) -> None:
        event = json_event(line)
        if event is None:
            stream.raw.append(line)
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
            usage = event.get("usage") or {}
            cached = number(usage.get("cache_read_input_tokens"))
            written = number(usage.get("cache_creation_input_tokens"))
            stream.add_usage(
                number(usage.get("input_tokens")) + cached + written, number(usage.get("output_tokens")), cached
            )
            cost = event.get("total_cost_usd")
            stream.add_cost(float(cost) if isinstance(cost, int | float) else None)
            if isinstance(event.get("result"), str):
                stream.result = event["result"]
            if event.get("is_error") or str(event.get("subtype", "success")) != "success":
                stream.error = stream.result or str(event.get("subtype"))
