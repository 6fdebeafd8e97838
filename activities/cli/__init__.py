"""CLI agents: Claude Code, Codex, OpenCode, Gemini CLI and any process, one adapter module each.

An adapter says how to start its tool for a turn (`argv`) and reads the tool's stdout, one line
at a time, into a `Stream` (`feed`): the session to resume, the answer, usage and cost. The
runner (`runner.py`) and the activity (`activity.py`) are the same for all of them. An adapter
whose tool reads settings paperclip makes (`PreparesTurn`) writes them before each turn.
"""

from activities.cli.base import CliAdapter, Stream
from activities.cli.claude import ClaudeCode
from activities.cli.codex import Codex
from activities.cli.gemini import Gemini
from activities.cli.opencode import OpenCode
from activities.cli.process import Process
from paperclip.models import Adapter

ADAPTERS: dict[Adapter, CliAdapter] = {
    Adapter.CLAUDE_LOCAL: ClaudeCode(),
    Adapter.CODEX_LOCAL: Codex(),
    Adapter.OPENCODE_LOCAL: OpenCode(),
    Adapter.GEMINI_LOCAL: Gemini(),
    Adapter.PROCESS: Process(),
}

__all__ = ["ADAPTERS", "CliAdapter", "Stream"]
