"""The interface every CLI adapter has, and what it reads from its tool's output."""

import json
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

from paperclip.models import CliConfig, CliGrant, CliPermissions, ToolDenial, ToolRule, Usage


@dataclass
class Stream:
    """What a tool's output has said so far in one turn."""

    session_id: str | None = None
    model: str | None = None
    texts: list[str] = field(default_factory=list)
    """Answer text as it came (assistant messages); the last one is the answer unless `result` is set."""
    result: str | None = None
    """The final answer, when the tool states one."""
    usage: Usage = field(default_factory=Usage)
    session_total: Usage | None = None
    """The tool's running total over its whole session, when that is all it reports (Codex): the
    turn's own usage is what the total grew by since the session's last booked turn."""
    cost_usd: float | None = None
    error: str | None = None
    """Why the tool says the turn failed."""
    stopped_at_budget: bool = False
    """The tool stopped itself at the turn's budget (Claude Code's `--max-budget-usd`): the turn
    ended there, as when the runner stops it (`passed_turn_budget`), and is not failed."""
    denials: list[ToolDenial] = field(default_factory=list)
    """Tool calls the tool's own permissions refused; it told its model and went on."""
    calls: dict[str, ToolDenial] = field(default_factory=dict)
    """Tool calls by their id (the tool and what it was called on), for a tool that reports a
    call's outcome apart from the call (Gemini CLI): a refused one becomes a denial."""
    events: int = 0
    last_event: str = ""
    kinds: Counter[str] = field(default_factory=Counter)
    """Events by kind (`last_event` as each came): what the turn's trace shows of its stream."""
    raw: list[str] = field(default_factory=list)
    """Lines that were not events (a `process` agent's plain output)."""

    def answer(self) -> str:
        if self.result is not None:
            return self.result
        if self.texts:
            return self.texts[-1]
        return "\n".join(self.raw).strip()

    def add_usage(self, input_tokens: int, output_tokens: int, cached: int = 0, written: int = 0) -> None:
        """Add a call's tokens: `input_tokens` all of the prompt's, `cached` of them read from the
        provider's prompt cache, `written` of them written to it."""
        self.usage = self.usage + Usage(
            input_tokens=input_tokens,
            output_tokens=output_tokens,
            cached_input_tokens=cached,
            cache_write_tokens=written,
        )

    def add_cost(self, usd: float | None) -> None:
        if usd is not None:
            self.cost_usd = (self.cost_usd or 0.0) + usd


class CliAdapter(Protocol):
    tool: str
    """The name the ledger and the trace give it (`claude-code`, `codex`, `opencode`, `gemini`, `process`)."""
    default_command: list[str]

    def argv(self, cli: CliConfig, prompt: str, resume: str | None) -> tuple[list[str], str | None]:
        """The command line of a turn, and what goes on its stdin (None: nothing)."""
        ...

    def feed(self, line: str, stream: Stream) -> None:
        """Read one line of the tool's stdout into `stream`."""
        ...


def json_event(line: str, stream: Stream) -> dict[str, Any] | None:
    """The JSON object on a line, or None for anything else (a banner, a blank line), which
    `stream` keeps as raw output."""
    text = line.strip()
    event = None
    if text.startswith("{"):
        try:
            event = json.loads(text)
        except ValueError:
            event = None
    if not isinstance(event, dict):
        stream.raw.append(line)
        return None
    return event


DETAIL_CHARS = 4_000
"""How much of a refused call's command, file or URL a denial keeps (a command asked about is
asked with all of it: one cut short is not asked, `workflows.cli_asks`)."""
DETAIL_KEYS = (
    "command", "file_path", "filePath", "notebook_path", "url", "query", "pattern", "path", "dir_path", "prompt",
)  # fmt: skip
"""A tool call's arguments that say what it was called on, first found first (the tools' own
names: Claude Code's, OpenCode's, Gemini CLI's)."""


def denial(tool: str, given: Any) -> ToolDenial:
    """A refused call of `tool` with arguments `given`: the command, file or URL it was called on
    (its arguments as JSON when none is named), cut at `DETAIL_CHARS`."""
    detail = ""
    if isinstance(given, dict):
        detail = next((given[k] for k in DETAIL_KEYS if isinstance(given.get(k), str)), None) or json.dumps(given)
    if len(detail) > DETAIL_CHARS:
        detail = detail[: DETAIL_CHARS - 1] + "…"
    return ToolDenial(tool=tool, detail=detail)


def command(cli: CliConfig, default: list[str]) -> list[str]:
    return list(cli.command or default)


def permissions(cli: CliConfig) -> CliPermissions:
    """A turn's permission profile: `cli.permissions`; unset, workspace-write with network (what
    `paperclip.cli_rules.permissions_for` gives an agent whose tool policy denies no writing tool)."""
    return cli.permissions or CliPermissions.WORKSPACE_WRITE_NETWORK


def number(value: Any) -> int:
    return int(value) if isinstance(value, int | float) else 0


@runtime_checkable
class RefusesPerCall(Protocol):
    """An adapter whose tool's permissions are per tool and per call (`paperclip.cli_rules.ASKING_ADAPTERS`):
    its command line also carries the policy's rules and the calls a person approved."""

    def argv_with(
        self,
        cli: CliConfig,
        prompt: str,
        resume: str | None,
        rules: Sequence[ToolRule],
        granted: Sequence[CliGrant],
    ) -> tuple[list[str], str | None]:
        """`argv`, its tool refusing what `rules` deny or ask of and allowing what was `granted`."""
        ...


@runtime_checkable
class PreparesTurn(Protocol):
    """An adapter whose tool reads settings paperclip makes before each turn (OpenCode's
    permissions, Gemini CLI's auth type and policy)."""

    def prepare(self, cli: CliConfig, home: Path, env: Mapping[str, str]) -> dict[str, str]:
        """Write the tool's settings for a turn under the agent's `home` and return the variables
        to add to its environment (none of them secret). `env` is the turn's environment so far."""
        ...
