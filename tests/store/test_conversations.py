import pytest
import sqlalchemy as sa

from paperclip import compaction
from paperclip.models import Message, SessionRef, ToolCall
from paperclip.store import Store
from tests.store.factories import cost_event

SESSION = SessionRef(company_id="acme", task="ACME-1", agent="ceo")


def count(store: Store, table: str) -> int:
    with store.engine.connect() as conn:
        return int(conn.execute(sa.text(f"SELECT count(*) FROM {table}")).scalar_one())


def test_save_turn_twice_keeps_one_copy(store: Store) -> None:
    new = [Message(role="user", content="Plan the launch", author="board")]
    reply = Message(
        role="assistant",
        content="Delegating",
        tool_calls=[ToolCall(id="c1", name="delegate_task", arguments={"agent": "cto", "title": "Build"})],
        author="ceo",
    )
    for _ in range(2):
        store.save_turn(SESSION, seq=1, new_messages=new, reply=reply, cost=cost_event(1))

    assert store.list_messages("acme", "ACME-1") == [*new, reply]
    assert store.list_cost_events("acme") == [cost_event(1)]
    assert count(store, "messages") == 2
    assert count(store, "cost_events") == 1


def test_a_retried_turn_replaces_the_earlier_attempt(store: Store) -> None:
    first = [Message(role="tool", content="a", tool_call_id="c1"), Message(role="tool", content="b", tool_call_id="c2")]
    store.save_turn(SESSION, seq=1, new_messages=first, reply=Message(role="assistant", content="x"), cost=None)
    store.save_turn(SESSION, seq=1, new_messages=[], reply=Message(role="assistant", content="y"), cost=cost_event(1))

    assert store.list_messages("acme", "ACME-1") == [Message(role="assistant", content="y")]
    assert len(store.list_cost_events("acme", task="ACME-1")) == 1


def test_load_messages_returns_earlier_turns_in_order(store: Store) -> None:
    for seq in (3, 1, 2):
        store.save_turn(
            SESSION,
            seq=seq,
            new_messages=[Message(role="user", content=f"q{seq}")],
            reply=Message(role="assistant", content=f"a{seq}"),
            cost=None,
        )
    other = SessionRef(company_id="acme", task="ACME-2", agent="cto")
    store.save_turn(other, seq=1, new_messages=[], reply=Message(role="assistant", content="other"), cost=None)

    contents = [m.content for m in store.load_messages(SESSION, before_seq=3)]
    assert contents == ["q1", "a1", "q2", "a2"]
    assert store.load_messages(SESSION, before_seq=1) == []
    assert len(store.load_messages(SESSION, before_seq=100)) == 6


def test_after_a_compaction_load_messages_starts_from_the_latest_summary(store: Store) -> None:
    def turn(seq: int, reply: Message) -> None:
        store.save_turn(
            SESSION, seq=seq, new_messages=[Message(role="user", content=f"q{seq}")], reply=reply, cost=None
        )

    for seq in (1, 2):
        turn(seq, Message(role="assistant", content=f"a{seq}"))
    turn(3, compaction.summary_message("first summary"))
    turn(4, Message(role="assistant", content="a4"))
    turn(5, compaction.summary_message("second summary"))
    turn(6, Message(role="assistant", content="a6"))

    def loaded(before_seq: int) -> list[str]:
        return [
            m.content.removeprefix(compaction.SUMMARY_HEADING).strip()
            for m in store.load_messages(SESSION, before_seq=before_seq)
        ]

    assert loaded(3) == ["q1", "a1", "q2", "a2"]  # before any summary: everything
    assert loaded(5) == ["q1", "first summary", "q4", "a4"]  # the first message, the summary, what came after
    assert loaded(7) == ["q1", "second summary", "q6", "a6"]  # the latest summary only
    assert len(store.list_messages("acme", "ACME-1")) == 12  # every message stays stored


def test_an_unknown_price_stays_null_not_zero(store: Store) -> None:
    store.save_turn(SESSION, seq=1, new_messages=[], reply=Message(role="assistant"), cost=cost_event(1, cost_usd=None))
    store.save_turn(SESSION, seq=2, new_messages=[], reply=Message(role="assistant"), cost=cost_event(2, cost_usd=0.0))

    assert [e.cost_usd for e in store.list_cost_events("acme")] == [None, 0.0]
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT count(*) FROM cost_events WHERE cost_usd IS NULL")).scalar_one() == 1


def test_cost_events_come_back_timezone_aware_and_filtered_by_task(store: Store) -> None:
    store.save_turn(SESSION, seq=1, new_messages=[], reply=Message(role="assistant"), cost=cost_event(1))
    other = SessionRef(company_id="acme", task="ACME-2", agent="ceo")
    store.save_turn(other, seq=1, new_messages=[], reply=Message(role="assistant"), cost=cost_event(1, task="ACME-2"))

    events = store.list_cost_events("acme", task="ACME-2")
    assert [(e.task, e.seq) for e in events] == [("ACME-2", 1)]
    assert events[0].at == cost_event(1).at and events[0].at.tzinfo is not None
    assert len(store.list_cost_events("acme")) == 2
    assert store.list_cost_events("globex") == []


def test_save_turn_refuses_a_cost_event_of_another_turn(store: Store) -> None:
    with pytest.raises(ValueError):
        store.save_turn(SESSION, seq=2, new_messages=[], reply=Message(role="assistant"), cost=cost_event(1))
    assert store.list_messages("acme", "ACME-1") == []
