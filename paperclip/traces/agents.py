"""The turns of agents that work outside the model activity — a CLI tool (Claude Code, Codex,
OpenCode, a `process`) or an HTTP agent — and the calls they make back through the API.

Read from the same history as a model turn: the `cli_turn` and `http_turn` activities' inputs (the
prompt sent, the session resumed) and results (the reply, its usage and cost, the events the tool
streamed, counted by kind), each failed attempt with why it failed, and the task's `agent_call`
updates (the agent completing, delegating, asking or escalating through the API) with their
answers. Each is told as what ran it (`claude`, `codex`, `opencode`, `process`, `http`), never as
the simulated model an agent's unused `model` names.
"""

from dataclasses import dataclass, field
from typing import Any

from paperclip.constants import Activity
from paperclip.models import (
    AgentCall,
    AgentCallAnswer,
    CliTurnInput,
    CliTurnResult,
    HttpTurnInput,
    HttpTurnResult,
    TraceKind,
)
from paperclip.tools import DELEGATE_TASK

CLI_TURN = Activity.CLI_TURN
HTTP_TURN = Activity.HTTP_TURN
AGENT_CALL = "agent_call"
"""The task's update through which an agent outside the workers (or the board) calls a tool."""

AgentTurnInput = CliTurnInput | HttpTurnInput


def adapter_of(turn: AgentTurnInput) -> str:
    return turn.adapter.label if isinstance(turn, CliTurnInput) else "http"


@dataclass
class AgentTurns:
    """What the trace knows of each agent turn and call, as the history is read in order."""

    running: dict[int, AgentTurnInput] = field(default_factory=dict)
    """Scheduled `cli_turn` / `http_turn` activities, by event id."""
    started: dict[int, int] = field(default_factory=dict)
    """The attempt Temporal last started of each (1 when the task retries itself)."""
    prompts: dict[int, str] = field(default_factory=dict)
    """Turn → the prompt shown: a later attempt that sends the same prompt is not shown again."""
    calls: dict[int, tuple[AgentCall, str]] = field(default_factory=dict)
    """`agent_call` updates accepted, by event id: the call and who made it."""

    def scheduled(self, event_id: int, turn: AgentTurnInput) -> dict[str, Any] | None:
        """The fields of the turn's `prompt` event; None when this attempt sent the prompt an
        earlier attempt of the turn did."""
        self.running[event_id] = turn
        if self.prompts.get(turn.seq) == turn.prompt:
            return None
        self.prompts[turn.seq] = turn.prompt
        fields: dict[str, Any] = {
            "actor": "system",
            "target": turn.session.agent,
            "content": turn.prompt,
            "adapter": adapter_of(turn),
            "turn": turn.seq,
        }
        fields["attempt"] = turn.attempt
        if isinstance(turn, CliTurnInput):
            fields |= {"session": turn.resume, "model": turn.cli.model}
        return fields

    def attempt(self, event_id: int) -> int:
        """Which attempt of its turn an activity is: the task's own count, and Temporal's on top
        (an HTTP turn's, or a history's from before the task retried its turns itself)."""
        return self.running[event_id].attempt + self.started.get(event_id, 1) - 1

    def restarted(self, event_id: int, attempt: int, failure: str) -> dict[str, Any] | None:
        """Temporal started its `attempt` of the activity after `failure`: the `error` event of
        the attempt before (None: not an agent turn)."""
        if event_id not in self.running:
            return None
        self.started[event_id] = attempt
        before = self.attempt(event_id) - 1
        return self._error(self.running[event_id], f"attempt {before} failed: {failure}", before)

    def failed(self, event_id: int, failure: str) -> dict[str, Any] | None:
        """The attempt failed (or timed out, or was stopped): its `error` event (None: not an
        agent turn)."""
        if event_id not in self.running:
            return None
        attempt = self.attempt(event_id)
        turn = self._end(event_id)
        return self._error(turn, f"{adapter_of(turn)} turn failed: {failure}", attempt)

    def stopped(self, event_id: int) -> dict[str, Any] | None:
        """The turn was stopped before it answered (its task cancelled; a CLI tool's also when
        its agent or company paused, and then it runs again): its `error` event."""
        if event_id not in self.running:
            return None
        attempt = self.attempt(event_id)
        turn = self._end(event_id)
        why = "the task was cancelled, or its agent or company paused: a paused turn runs again"
        return self._error(turn, f"{adapter_of(turn)} turn stopped before it answered ({why})", attempt)

    def _end(self, event_id: int) -> AgentTurnInput:
        self.started.pop(event_id, None)
        return self.running.pop(event_id)

    def _error(self, turn: AgentTurnInput, content: str, attempt: int) -> dict[str, Any]:
        return {
            "actor": turn.session.agent,
            "content": content,
            "adapter": adapter_of(turn),
            "attempt": attempt,
            "turn": turn.seq,
        }

    def completed(
        self, event_id: int, result: CliTurnResult | HttpTurnResult
    ) -> tuple[TraceKind, dict[str, Any]] | None:
        """The kind and fields of the event a turn's answer is: a CLI tool's reply (`model_reply`,
        with its usage, cost, session and stream), or an HTTP agent's acceptance (`message`)."""
        if event_id not in self.running:
            return None
        attempt = self.attempt(event_id)
        turn = self._end(event_id)
        if isinstance(result, HttpTurnResult):
            took = f"took the task (HTTP {result.status_code})" + (f": {result.answer}" if result.answer else "")
            fields = {"actor": turn.session.agent, "content": took, "adapter": "http", "turn": turn.seq}
            return "message", fields | {"attempt": attempt}
        return "model_reply", {
            "actor": turn.session.agent,
            "content": result.reply.content,
            "usage": result.usage,
            "cost_usd": result.cost_usd,
            "model": result.model,
            "simulated": False,
            "adapter": adapter_of(turn),
            "session": result.session_id,
            "stream": result.event_kinds or None,
            "attempt": attempt,
            "turn": turn.seq,
        }

    def called(self, event_id: int, call: AgentCall) -> tuple[TraceKind, dict[str, Any]]:
        """An `agent_call` update was accepted: the agent's (or the board's) call, as the
        `delegation` or `tool_call` event a model's call of the same tool is."""
        actor = call.agent or "board"
        self.calls[event_id] = (call, actor)
        if call.tool == DELEGATE_TASK:
            return "delegation", {
                "actor": actor,
                "target": str(call.arguments.get("agent", "")) or None,
                "content": str(call.arguments.get("title", "")),
                "tool": call.tool,
                "arguments": call.arguments,
            }
        return "tool_call", {"actor": actor, "tool": call.tool, "arguments": call.arguments, "target": None}

    def answered(
        self, accepted_event_id: int, answer: AgentCallAnswer | None, failure: str | None
    ) -> dict[str, Any] | None:
        """The update's answer: the `tool_result` event of the call (failed when it was refused)."""
        found = self.calls.pop(accepted_event_id, None)
        if found is None:
            return None
        call, actor = found
        content = failure if failure is not None else (answer.answer if answer is not None else "")
        return {
            "actor": call.tool,
            "target": actor,
            "content": content,
            "tool": call.tool,
            "failed": failure is not None or None,
        }
