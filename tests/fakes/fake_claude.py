"""The fake `claude`'s output (`tests/fakes/cli_agent.py` runs it): Claude Code 2.1's stream-json
events, shaped as the real ones recorded in `tests/fakes/recorded/claude-2.1.197/` (checked by
`tests/cli_contract/test_claude_fake.py`: same fields, same types, event by event).

What the real tool does that the fake copies: the new session's title call is counted in
`modelUsage` but not in the result's `usage`; a failed turn's reason is in `errors` (no
`result`); a stop at `--max-budget-usd` reports zero `usage` (what was spent is in `modelUsage`);
a tool call its permissions refused is listed in `permission_denials`, the turn going on.
Only the standard library: it runs under any `python3`.
"""

import json
import os
import sys
import time
import uuid
from collections.abc import Callable
from typing import Any

MODEL = "claude-sonnet-4-5"
TITLE = {"input": 150, "output": 10}
"""The new session's title call: in `modelUsage`, not in `usage` (as the real tool reports it)."""
TURN = {"input": 850, "cached": 200, "output": 70}
"""The turn's own calls: `input` not cached, `cached` read from the prompt cache."""
COST = 0.0123
DENIED = {"command": "curl -s https://example.com", "description": "Fetch the page"}
"""`denied`: the Bash call the tool's permissions refuse."""


def emit(event: dict[str, Any], delay: float = 0.0) -> None:
    print(json.dumps(event), flush=True)
    if delay:
        time.sleep(delay)


def _uuid() -> str:
    return str(uuid.uuid4())


def init(session: str) -> dict[str, Any]:
    return {
        "type": "system",
        "subtype": "init",
        "cwd": os.getcwd(),
        "session_id": session,
        "tools": ["Bash", "Edit", "Read", "Write"],
        "mcp_servers": [],
        "model": MODEL,
        "permissionMode": "default",
        "slash_commands": [],
        "apiKeySource": "ANTHROPIC_API_KEY",
        "claude_code_version": "2.1.197",
        "output_style": "default",
        "agents": [],
        "skills": [],
        "plugins": [],
        "analytics_disabled": False,
        "product_feedback_disabled": False,
        "uuid": _uuid(),
        "memory_paths": {"auto": os.path.join(os.environ.get("HOME", "/"), ".claude", "memory")},
        "fast_mode_state": "off",
    }


def assistant(session: str, n: int, block: dict[str, Any]) -> dict[str, Any]:
    """One content block of the model's message `n`, as Claude Code streams it (a block an event)."""
    message = {
        "id": f"msg_{n}",
        "type": "message",
        "role": "assistant",
        "model": MODEL,
        "content": [block],
        "stop_reason": None,
        "stop_sequence": None,
        "usage": {
            "input_tokens": 0,
            "cache_creation_input_tokens": 0,
            "cache_read_input_tokens": 0,
            "output_tokens": 1,
        },
        "context_management": None,
    }
    return {"type": "assistant", "message": message, "parent_tool_use_id": None, "session_id": session, "uuid": _uuid()}


def refused(session: str, call_id: str, why: str) -> dict[str, Any]:
    """The tool's answer to a call its permissions refused, as the `user` event it streams."""
    block = {"type": "tool_result", "content": why, "is_error": True, "tool_use_id": call_id}
    return {
        "type": "user",
        "message": {"role": "user", "content": [block]},
        "parent_tool_use_id": None,
        "session_id": session,
        "uuid": _uuid(),
        "timestamp": time.strftime("%Y-%m-%dT%H:%M:%S.000Z", time.gmtime()),
        "tool_use_result": f"Error: {why}",
    }


def _usage(input_tokens: int, cached: int, output: int) -> dict[str, Any]:
    return {
        "input_tokens": input_tokens,
        "cache_creation_input_tokens": 0,
        "cache_read_input_tokens": cached,
        "output_tokens": output,
        "server_tool_use": {"web_search_requests": 0, "web_fetch_requests": 0},
        "service_tier": "standard",
        "cache_creation": {"ephemeral_1h_input_tokens": 0, "ephemeral_5m_input_tokens": 0},
        "inference_geo": "",
        "iterations": [],
        "speed": "standard",
    }


def _model_usage(spent: bool) -> dict[str, Any]:
    if not spent:
        return {}
    entry = {
        "inputTokens": TITLE["input"] + TURN["input"],
        "outputTokens": TITLE["output"] + TURN["output"],
        "cacheReadInputTokens": TURN["cached"],
        "cacheCreationInputTokens": 0,
        "webSearchRequests": 0,
        "costUSD": COST,
        "contextWindow": 200000,
        "maxOutputTokens": 32000,
    }
    return {MODEL: entry}


def result(
    session: str,
    subtype: str,
    *,
    answer: str | None = None,
    errors: list[str] | None = None,
    denials: list[dict[str, Any]] | None = None,
    spent: bool = True,
) -> dict[str, Any]:
    """The `result` event: a success carries `result` and the turn's `usage`; an error its
    `errors` and no `result` (a budget stop: zero `usage`)."""
    counted = spent and subtype == "success"
    event: dict[str, Any] = {"type": "result", "subtype": subtype}
    if subtype == "success":
        event |= {"is_error": False, "api_error_status": None, "duration_ms": 1234, "duration_api_ms": 1000}
        event |= {"ttft_ms": 300, "ttft_stream_ms": 290, "time_to_request_ms": 200, "num_turns": 2}
        event |= {"result": answer, "stop_reason": "end_turn"}
    else:
        event |= {"duration_ms": 0 if not spent else 1234, "duration_api_ms": 0, "is_error": True}
        event |= {"num_turns": 1 if spent else 0, "stop_reason": None}
    event |= {
        "session_id": session,
        "total_cost_usd": COST if spent else 0,
        "usage": _usage(TURN["input"], TURN["cached"], TURN["output"]) if counted else _usage(0, 0, 0),
        "modelUsage": _model_usage(spent),
        "permission_denials": denials or [],
    }
    if subtype == "success":
        event["terminal_reason"] = "completed"
    if spent:
        event["fast_mode_state"] = "off"
    event["uuid"] = _uuid()
    if errors is not None:
        event["errors"] = errors
    return event


def lost(session: str) -> None:
    """`--resume` of a session not in this HOME: the real tool's one event (its stderr says it too)."""
    why = f"No conversation found with session ID: {session}"
    emit(result(session, "error_during_execution", errors=[why], spent=False))


def claude(session: str, answer: str, mode: str, delay: float, stop_early: Callable[[str], None]) -> None:
    """One turn: `ok` (and the common modes), `fail` (the turn fails, its reason in `errors`;
    `fail-spent`: having spent, as `modelUsage` and `total_cost_usd` say),
    `budget` (stopped at `--max-budget-usd`), `denied` (a Bash call refused, then the answer)."""
    emit(init(session), delay)
    stop_early(mode)
    if mode in ("fail", "fail-spent"):  # `fail-spent`: after its calls were paid for
        spent = mode == "fail-spent"
        emit(result(session, "error_during_execution", errors=["the model refused"], spent=spent))
        sys.exit(1)
    if mode == "budget":
        emit(assistant(session, 1, {"type": "text", "text": "Working on it."}), delay)
        limit = sys.argv[sys.argv.index("--max-budget-usd") + 1] if "--max-budget-usd" in sys.argv else "0.01"
        emit(result(session, "error_max_budget_usd", errors=[f"Reached maximum budget (${float(limit):g})"]))
        sys.exit(1)
    denials = []
    if mode == "denied":
        call = {"type": "tool_use", "id": "toolu_1", "name": "Bash", "input": DENIED}
        emit(assistant(session, 1, call), delay)
        emit(refused(session, "toolu_1", "Permission to use Bash with command curl has been denied."), delay)
        denials = [{"tool_name": "Bash", "tool_use_id": "toolu_1", "tool_input": DENIED}]
    emit(assistant(session, 2, {"type": "text", "text": answer}), delay)
    emit(result(session, "success", answer=answer, denials=denials))
