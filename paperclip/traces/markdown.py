"""A trace as a readable Markdown transcript: one heading per task, who → whom, tokens and cost per
turn; the pieces are shared with the company export's transcript."""

import json
from typing import Any

from paperclip import money
from paperclip.models import Trace, TraceEvent, Usage


def trace_to_markdown(trace: Trace) -> str:
    """A readable transcript: one heading per task, who → whom, tokens and cost per turn.

    Turns on the offline model are labelled "(simulated)"; the delegation tree comes first.
    """
    lines = [f"# Trace of {trace.identifier}: {trace.title}", ""]
    lines += ["## Delegation tree", "", *tree_lines(trace, 0), ""]
    task_section(trace, lines, level=2)
    return "\n".join(lines).rstrip() + "\n"


def _summary(trace: Trace) -> str:
    status = trace.status.value if trace.status else "running"
    cost = f", {money.cost(trace.cost_usd)}" if trace.cost_usd else ""
    simulated = " (simulated)" if trace.simulated else ""
    who = trace.assignee or "?"
    turns = f"{trace.turns} turn" + ("" if trace.turns == 1 else "s")
    return f"**{trace.identifier}** {trace.title} — {who}, {status}, {turns}{cost}{simulated}"


def tree_lines(trace: Trace, depth: int) -> list[str]:
    lines = ["  " * depth + f"- {_summary(trace)}"]
    for child in trace.children:
        lines += tree_lines(child, depth + 1)
    return lines


def task_section(trace: Trace, lines: list[str], *, level: int) -> None:
    heading = "#" * min(level, 6)
    lines += [f"{heading} {trace.identifier}: {trace.title}", ""]
    status = trace.status.value if trace.status else "running"
    started = f" · started {trace.events[0].at:%Y-%m-%d %H:%M:%S} UTC" if trace.events else ""
    lines += [
        f"Assignee: {trace.assignee or '?'}"
        + (f" · parent: {trace.parent}" if trace.parent else "")
        + f" · status: {status} · turns: {trace.turns}"
        + f" · tokens: {tokens_text(trace.usage)}"
        + (f" · cost: {money.cost(trace.cost_usd)}" if trace.cost_usd else "")
        + started,
        "",
    ]
    for event in trace.events:
        lines += [_event_line(event), ""]
    for child in trace.children:
        task_section(child, lines, level=level + 1)


def tokens_text(usage: Usage | None) -> str:
    if usage is None:
        return "0 in / 0 out"
    return f"{usage.input_tokens} in / {usage.output_tokens} out"


def _arguments(arguments: dict[str, Any] | None, limit: int = 300) -> str:
    text = json.dumps(arguments or {}, ensure_ascii=False)
    return text if len(text) <= limit else text[: limit - 1] + "…"


def _quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.strip().splitlines())


def _event_line(event: TraceEvent) -> str:
    when = event.at.strftime("%H:%M:%S")
    who = f"{event.actor or '?'} → {event.target}" if event.target else (event.actor or "?")
    turn = f" (turn {event.turn})" if event.turn is not None else ""
    if event.kind == "task_started":
        on = f" (on {event.adapter})" if event.adapter and event.adapter != "model" else ""
        return f"**{when} task started** {who}{on}\n\n{_quote(event.content)}"
    if event.kind == "prompt":
        return f"**{when} prompt** {who}{turn} — {_runs_on(event)}, {_session(event)}\n\n{_quote(event.content)}"
    if event.kind == "message":
        label = "tool result" if event.tool else "message"
        return f"**{when} {label}** {who}{turn}\n\n{_quote(event.content)}"
    if event.kind == "model_reply":
        model = event.model or "?"
        if event.adapter:  # a CLI tool's reply: the tool, and the model it reported
            model = _runs_on(event)
        if event.simulated:
            model = "(simulated)" if "simulated" in model else f"{model} (simulated)"
        cost = f", {money.cost(event.cost_usd)}" if event.cost_usd is not None else ", cost unknown"
        meta = f"{model}, {tokens_text(event.usage)} tokens{cost}"
        body = f"\n\n{_quote(event.content)}" if event.content.strip() else ""
        if event.stream:
            body += f"\n\nStreamed: {event.stream_text()}"
        return f"**{when} reply** {who}{turn} — {meta}{body}"
    if event.kind == "compaction":
        cost = f", {money.cost(event.cost_usd)}" if event.cost_usd is not None else ", cost unknown"
        meta = f"{event.model or '?'}, {tokens_text(event.usage)} tokens{cost}"
        return f"**{when} compaction** {who}{turn} — {meta}\n\n{_quote(event.content)}"
    if event.kind == "tool_call":
        approved = f" (approved by {event.approved_by})" if event.approved_by else ""
        return f"**{when} tool call** {who}{turn}: `{event.tool}` {_arguments(event.arguments)}{approved}"
    if event.kind == "tool_result":
        took = f", {event.duration_ms} ms" if event.duration_ms is not None else ""
        failed = " failed" if event.failed else ""
        stored = f"\n\nFull output ({event.output_size} characters): `{event.output_url}`" if event.output_url else ""
        return f"**{when} tool result{failed}** {who}{turn}: `{event.tool}`{took}\n\n{_quote(event.content)}{stored}"
    if event.kind == "delegation":
        child = f" as {event.child}" if event.child else ""
        brief = (event.arguments or {}).get("brief", "")
        body = f"\n\n{_quote(str(brief))}" if brief else ""
        return f"**{when} delegation** {who}{child}{turn}: {event.content}{body}"
    if event.kind == "child_result":
        status = event.status.value if event.status else "?"
        return f"**{when} subtask result** {event.child} ({who}): {status}\n\n{_quote(event.content or '(no result)')}"
    if event.kind == "status":
        return f"**{when} status** {event.status.value if event.status else event.content}"
    if event.kind == "task_finished":
        status = event.status.value if event.status else "?"
        body = f"\n\n{_quote(event.content)}" if event.content.strip() else ""
        return f"**{when} task finished** {who}: {status}{body}"
    if event.kind != "error":  # a kind this version does not know
        return f"**{when} {event.kind.replace('_', ' ')}** {who}{turn}\n\n{_quote(event.content)}"
    attempt = f" (attempt {event.attempt})" if event.attempt else ""
    return f"**{when} error** {who}{turn}{attempt}: {event.content}"


def _runs_on(event: TraceEvent) -> str:
    """A CLI or HTTP turn's tool, with the model it named or reported: `claude, claude-sonnet-4-5`."""
    return f"{event.adapter}, {event.model}" if event.model else event.adapter or "?"


def _session(event: TraceEvent) -> str:
    if event.adapter == "http":
        return "posted to the agent"
    return f"resumes session {event.session}" if event.session else "a new session"
