"""What the task detail page draws (pure functions, no Streamlit): the task's trace as a chat to
replay step by step (who said what to whom, the tools called, the delegations and their results,
with tokens and cost per turn; the offline simulated model labelled wherever it shows), and its
subtask tree.
"""

import json
import re
from dataclasses import dataclass

from paperclip.models import TaskRecord, Trace, TraceEvent, Usage
from paperclip.money import cost
from ui.money import cache_text, uses_cache
from ui.rows import SIMULATED_LABEL

TASK_IDENTIFIER = re.compile(r"^[A-Z][A-Z0-9]{0,9}-\d+(\.\d+)*$")
"""`ACME-12`, `ACME-12.3`: a task speaking (a parent's assignment, a subtask's result)."""

PERSON, AGENT, TASK, TOOL, SYSTEM = "🧑", "🤖", "📋", "🛠️", "⚙️"
"""The avatars of who speaks."""

FINISHED = {"done": "✅", "failed": "❌", "cancelled": "🚫"}


@dataclass(frozen=True)
class ChatEntry:
    """One trace event as a chat message."""

    name: str
    """Who speaks (the chat message's name)."""
    avatar: str
    header: str
    """Markdown: who → whom, and what happened."""
    body: str = ""
    """Markdown: what was said."""
    meta: str = ""
    """The turn, model, tokens and cost, as one line."""
    code: str = ""
    """Text shown verbatim after the body, its lines kept and wrapped (a prompt, a tool's
    arguments or output): never scrolled sideways."""
    language: str | None = None
    """The code's language (`json`), None for plain text."""
    footnote: str = ""
    """Markdown after the code (where a tool's full output is stored)."""


@dataclass(frozen=True)
class SubtaskRow:
    """One subtask in the tree, `depth` 0 for the task's own subtasks."""

    depth: int
    identifier: str
    title: str
    assignee: str
    status: str


def no_math(text: str) -> str:
    """`text` for `st.markdown` with its dollar signs kept as such (two of them make LaTeX)."""
    return text.replace("$", r"\$")


def replay_events(trace: Trace, *, subtasks: bool = False) -> list[TraceEvent]:
    """The steps of the replay: the task's events in history order; with `subtasks`, the events
    of every subtask below it too, all in time order (a tie keeps the parent's first)."""
    if not subtasks:
        return list(trace.events)
    events = list(trace.events)
    for child in trace.children:
        events += replay_events(child, subtasks=True)
    return sorted(events, key=lambda event: event.at)


def chat_entries(trace: Trace, events: list[TraceEvent]) -> list[ChatEntry]:
    """`events` (of `trace` and its subtasks) as chat messages."""
    agents = _agent_names(trace)
    return [_entry(event, root=trace.identifier, agents=agents) for event in events]


def step_caption(event: TraceEvent) -> str:
    """`ACME-1 · 12:00:03 · model_reply`: where the replay stands."""
    return f"{event.task} · {event.at:%H:%M:%S} · {event.kind.replace('_', ' ')}"


def tokens_text(usage: Usage | None) -> str:
    usage = usage or Usage()
    return f"{usage.input_tokens:,} in / {usage.output_tokens:,} out"


def subtask_rows(trace: Trace | None, subtasks: list[TaskRecord]) -> list[SubtaskRow]:
    """The subtask tree, depth first: the task's own subtasks as the company sees them now
    (`subtasks`, with their live status), each followed by the subtasks the trace shows below
    it. Without a trace, the task's own subtasks only."""
    children = {child.identifier: child for child in trace.children} if trace is not None else {}
    rows: list[SubtaskRow] = []
    for record in subtasks:
        rows.append(SubtaskRow(0, record.identifier, record.title, record.assignee, record.status.value))
        if record.identifier in children:
            rows += _tree(children.pop(record.identifier).children, depth=1)
    return rows + _tree(list(children.values()), depth=0)


def trace_status(trace: Trace) -> str:
    """The final status, else the last status the task reported, else `running`."""
    if trace.status is not None:
        return trace.status.value
    reported = [event.status for event in trace.events if event.kind == "status" and event.status is not None]
    return reported[-1].value if reported else "running"


def _tree(traces: list[Trace], *, depth: int) -> list[SubtaskRow]:
    rows: list[SubtaskRow] = []
    for trace in traces:
        rows.append(SubtaskRow(depth, trace.identifier, trace.title, trace.assignee or "?", trace_status(trace)))
        rows += _tree(trace.children, depth=depth + 1)
    return rows


def _agent_names(trace: Trace) -> set[str]:
    names = {trace.assignee} if trace.assignee else set()
    names |= {event.actor for event in trace.events if event.kind == "model_reply" and event.actor}
    names |= {event.target for event in trace.events if event.kind == "delegation" and event.target}
    for child in trace.children:
        names |= _agent_names(child)
    return names


def _avatar(actor: str | None, agents: set[str]) -> str:
    if actor is None or actor == "system":
        return SYSTEM
    if actor in agents:
        return AGENT
    if TASK_IDENTIFIER.match(actor):
        return TASK
    return PERSON


def _meta(event: TraceEvent) -> str:
    parts = [f"turn {event.turn}"] if event.turn is not None else []
    if event.adapter and event.adapter != "model":  # a CLI or HTTP agent's turn: what ran it
        parts.append(event.adapter)
    if (
        event.model
        and event.kind in ("task_started", "prompt", "model_reply", "compaction")
        and not (event.simulated and event.model == "simulated")
    ):
        parts.append(event.model)
    if event.usage is not None:
        parts.append(f"{tokens_text(event.usage)} tokens")
        if uses_cache(event.usage):
            parts.append(f"cache {cache_text(event.usage)}")
    if event.cost_usd is not None:
        parts.append("\\" + cost(event.cost_usd))
    if event.attempt and (event.attempt > 1 or event.kind == "error"):
        parts.append(f"attempt {event.attempt}")
    if event.duration_ms is not None:
        parts.append(duration_text(event.duration_ms))
    if event.approved_by:
        parts.append(f"approved by {event.approved_by}")
    if event.simulated:
        parts.append(SIMULATED_LABEL)
    return " · ".join(parts)


def duration_text(ms: int) -> str:
    return f"{ms} ms" if ms < 1000 else f"{ms / 1000:.1f} s"


def stored_output(event: TraceEvent) -> str:
    """Where the rest of a tool's output is stored, if it was cut."""
    if not event.output_url:
        return ""
    size = f"{event.output_size:,} characters" if event.output_size else "the rest"
    return f"Full output ({size}): `GET {event.output_url}`"


def keep_breaks(text: str) -> str:
    """Markdown that shows `text`'s line breaks as written: a single newline outside a code fence
    becomes a hard break (Markdown would join the lines into one paragraph)."""
    lines = text.split("\n")
    fenced = False
    kept: list[str] = []
    for n, line in enumerate(lines):
        if line.lstrip().startswith("```"):
            fenced = not fenced
        following = lines[n + 1] if n + 1 < len(lines) else ""
        hard = not fenced and line.strip() and following.strip() and not following.lstrip().startswith("```")
        kept.append(line + "  " if hard and not line.lstrip().startswith("```") else line)
    return "\n".join(kept)


def _quote(text: str) -> str:
    return "\n".join("> " + line if line else ">" for line in text.strip().splitlines())


def _entry(event: TraceEvent, *, root: str, agents: set[str]) -> ChatEntry:
    actor = event.actor or "system"
    who = f"{actor} → {event.target}" if event.target else actor
    where = f"`{event.task}` " if event.task != root else ""
    avatar = _avatar(event.actor, agents)
    body = keep_breaks(no_math(event.content))
    code, language, footnote = "", None, ""
    status = event.status.value if event.status else "?"
    if event.kind == "task_started":
        what = "assigned the task"
    elif event.kind == "prompt":
        sent = "posted the task" if event.adapter == "http" else "sent the prompt"
        session = f"resuming session `{event.session}`" if event.session else "a new session"
        what = sent + ("" if event.adapter == "http" else f" ({session})")
        body, code = "", event.content
    elif event.kind == "message" and event.tool:
        avatar, what = TOOL, f"tool result of `{event.tool}`"
    elif event.kind == "message":
        what = "said"
    elif event.kind == "model_reply":
        what, body = "replied", body or "_(no text: tool calls only)_"
        if event.stream:
            body += f"\n\n_Streamed: {event.stream_text()}_"
    elif event.kind == "compaction":
        what = "compacted the conversation (later turns start from this summary)"
    elif event.kind == "tool_call":
        what = f"called `{event.tool}`"
        body, language = "", "json"
        code = json.dumps(event.arguments or {}, ensure_ascii=False, indent=2)
    elif event.kind == "tool_result":
        avatar, what = TOOL, f"result of `{event.tool}`" + (" (failed)" if event.failed else "")
        body = f"Ran with edited arguments: `{json.dumps(event.arguments)}`" if event.arguments else ""
        code, footnote = event.content, stored_output(event)
        body = body if code.strip() else "\n\n".join(part for part in (body, "_(no output)_") if part)
    elif event.kind == "delegation":
        brief = str((event.arguments or {}).get("brief", ""))
        what = f"delegated {event.child}" if event.child else "delegated a subtask"
        body = f"**{no_math(event.content)}**" + (f"\n\n{_quote(keep_breaks(no_math(brief)))}" if brief.strip() else "")
    elif event.kind == "child_result":
        avatar, who, what = TASK, f"{event.child} ({actor}) → {event.target}", f"subtask {status}"
        body = body or "_(no result)_"
    elif event.kind == "status":
        what, body = f"is {status}", ""
    elif event.kind == "task_finished":
        avatar, what = FINISHED.get(status, SYSTEM), f"task {status}"
    elif event.kind == "error":
        avatar, what = "⚠️", "error"
    else:  # a kind this dashboard does not know yet: shown by its name
        avatar, what = SYSTEM, str(event.kind).replace("_", " ")
    return ChatEntry(
        name=actor,
        avatar=avatar,
        header=f"{where}**{who}** · {what}",
        body=body,
        meta=_meta(event),
        code=code.strip("\n"),
        language=language,
        footnote=footnote,
    )
