"""The trace as a chat and the subtask tree, from the shared models (no Streamlit)."""

from datetime import timedelta
from typing import Any

from paperclip.models import TaskRecord, TaskStatus, Trace, TraceEvent, Usage
from tests.ui.helpers import T0
from ui.trace_view import TOOL, SubtaskRow, chat_entries, replay_events, subtask_rows


def event(task: str, seconds: int, kind: str, **fields: Any) -> TraceEvent:
    return TraceEvent.model_validate({"at": T0 + timedelta(seconds=seconds), "task": task, "kind": kind, **fields})


def trace(identifier: str, assignee: str, events: list[TraceEvent], *children: Trace, **fields: Any) -> Trace:
    return Trace(
        company_id="acme",
        identifier=identifier,
        workflow_id=f"task:acme:{identifier}",
        title=f"Work on {identifier}",
        assignee=assignee,
        events=events,
        children=list(children),
        **fields,
    )


GRANDCHILD = trace("ACME-1.1.1", "dev", [event("ACME-1.1.1", 3, "status", actor="dev", status="running")])
CHILD = trace(
    "ACME-1.1",
    "cto",
    [event("ACME-1.1", 2, "model_reply", actor="cto", content="On it", model="gpt-4o-mini", cost_usd=0.002)],
    GRANDCHILD,
    status=TaskStatus.DONE,
)
ROOT = trace(
    "ACME-1",
    "ceo",
    [
        event("ACME-1", 0, "task_started", actor="board", target="ceo", content="Plan"),
        event("ACME-1", 1, "tool_call", actor="ceo", tool="search", arguments={"q": "rockets"}, turn=1),
        event("ACME-1", 4, "message", actor="search", target="ceo", tool="search", content="3 results", turn=2),
        event("ACME-1", 5, "error", actor="ceo", content="model call failed: timeout", attempt=1, turn=2),
    ],
    CHILD,
)


def test_the_replay_interleaves_the_subtasks_events_by_time_only_when_asked() -> None:
    assert [e.kind for e in replay_events(ROOT)] == ["task_started", "tool_call", "message", "error"]
    steps = [(e.task, e.kind) for e in replay_events(ROOT, subtasks=True)]
    assert steps == [
        ("ACME-1", "task_started"),
        ("ACME-1", "tool_call"),
        ("ACME-1.1", "model_reply"),
        ("ACME-1.1.1", "status"),
        ("ACME-1", "message"),
        ("ACME-1", "error"),
    ]


def test_chat_entries_name_who_acted_and_mark_the_subtasks_events() -> None:
    entries = chat_entries(ROOT, replay_events(ROOT, subtasks=True))
    assert [entry.header for entry in entries] == [
        "**board → ceo** · assigned the task",
        "**ceo** · called `search`",
        "`ACME-1.1` **cto** · replied",
        "`ACME-1.1.1` **dev** · is running",
        "**search → ceo** · tool result of `search`",
        "**ceo** · error",
    ]
    assert '"q": "rockets"' in entries[1].code and entries[1].language == "json"
    assert entries[2].meta == r"gpt-4o-mini · \$0.0020"
    assert entries[4].avatar == TOOL
    assert entries[5].meta == "turn 2 · attempt 1"


def test_a_turn_that_used_the_prompt_cache_says_what_it_read_and_wrote() -> None:
    cached = Usage(input_tokens=5_000, output_tokens=200, cached_input_tokens=3_000, cache_write_tokens=1_500)
    replies = [
        event("ACME-1", 1, "model_reply", actor="ceo", model="claude-haiku-4-5", usage=cached, cost_usd=0.0035, turn=1),
        event("ACME-1", 2, "model_reply", actor="ceo", model="gpt-4o", usage=Usage(input_tokens=90), turn=2),
    ]
    first, second = chat_entries(ROOT, replies)
    assert (
        first.meta
        == r"turn 1 · claude-haiku-4-5 · 5,000 in / 200 out tokens · cache 3,000 read / 1,500 written · \$0.0035"
    )
    assert second.meta == "turn 2 · gpt-4o · 90 in / 0 out tokens"  # no cache, nothing said of it


def test_the_subtask_tree_takes_live_status_from_the_records_and_depth_from_the_trace() -> None:
    now = {"created_at": T0, "updated_at": T0}
    records = [
        TaskRecord(company_id="acme", identifier="ACME-1.1", title="Budget", assignee="cto", status="running", **now),
        TaskRecord(company_id="acme", identifier="ACME-1.2", title="Hire", assignee="cto", status="queued", **now),
    ]
    assert subtask_rows(ROOT, records) == [
        SubtaskRow(0, "ACME-1.1", "Budget", "cto", "running"),
        SubtaskRow(1, "ACME-1.1.1", "Work on ACME-1.1.1", "dev", "running"),
        SubtaskRow(0, "ACME-1.2", "Hire", "cto", "queued"),
    ]
    assert subtask_rows(None, records[1:]) == [SubtaskRow(0, "ACME-1.2", "Hire", "cto", "queued")]


def test_a_cli_turn_shows_its_prompt_tool_and_stream_and_is_never_simulated() -> None:
    events = [
        event(
            "ACME-2", 0, "task_started", actor="board", target="dev", content="Fix", adapter="claude", simulated=False
        ),
        event("ACME-2", 1, "prompt", actor="system", target="dev", content="You are dev", adapter="claude", turn=1),
        event(
            "ACME-2",
            2,
            "prompt",
            actor="system",
            target="dev",
            content="Try again",
            adapter="claude",
            session="s-1",
            attempt=2,
            turn=1,
        ),
        event(
            "ACME-2",
            3,
            "model_reply",
            actor="dev",
            content="Fixed",
            adapter="claude",
            model="claude-sonnet-4-5",
            simulated=False,
            cost_usd=0.0123,
            stream={"assistant": 2, "result/success": 1},
            turn=1,
        ),
    ]
    started, new, resumed, reply = chat_entries(trace("ACME-2", "dev", events), events)
    assert "claude" in started.meta and "simulated" not in started.meta
    assert new.header.endswith("sent the prompt (a new session)") and (new.body, new.code) == ("", "You are dev")
    assert resumed.header.endswith("sent the prompt (resuming session `s-1`)") and "attempt 2" in resumed.meta
    assert reply.meta.startswith("turn 1 · claude · claude-sonnet-4-5") and "simulated" not in reply.meta
    assert reply.body == "Fixed\n\n_Streamed: 2 assistant, 1 result/success_"


def test_a_prompt_and_a_message_keep_their_line_breaks() -> None:
    prompt = "You are dev.\nBe brief.\n\nTask: fix the nav"
    events = [
        event("ACME-1", 1, "prompt", actor="system", target="dev", content=prompt, turn=1),
        event("ACME-1", 2, "message", actor="board", target="dev", content="First line\nsecond line\n\n```\na\nb\n```"),
    ]
    sent, said = chat_entries(trace("ACME-1", "dev", events), events)
    assert sent.code == prompt and sent.language is None  # shown verbatim, wrapped, every line kept
    assert said.body == "First line  \nsecond line\n\n```\na\nb\n```"  # a hard break; the fence as written
