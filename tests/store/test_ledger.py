"""The ledger's attempts: written unconfirmed before a call, confirmed when it answers, read back
by the next attempt, on SQLite and PostgreSQL."""

from paperclip.models import AttemptRef, Message, SessionRef, Usage
from paperclip.store import Store
from tests.store.factories import cost_event

SESSION = SessionRef(company_id="acme", task="ACME-1", agent="ceo")
WORST = Usage(input_tokens=900, output_tokens=1024)
ASKED = [Message(role="user", content="Plan the launch", author="board")]


def begin(store: Store, attempt: int, *, model_index: int = 0, digest: str = "h1") -> None:
    pending = cost_event(1, attempt=attempt, model_index=model_index, usage=WORST, cost_usd=0.05, confirmed=False)
    store.begin_call(pending, input_hash=digest)


def answer(store: Store, attempt: int, text: str, *, model_index: int = 0, digest: str = "h1") -> None:
    cost = cost_event(1, attempt=attempt, model_index=model_index)
    reply = Message(role="assistant", content=text, author="ceo")
    store.save_turn(SESSION, seq=1, new_messages=ASKED, reply=reply, cost=cost, input_hash=digest)


def test_an_attempt_is_unconfirmed_at_its_worst_case_until_it_answers(store: Store) -> None:
    begin(store, 1)
    [pending] = store.list_cost_events("acme")
    assert (pending.confirmed, pending.usage, pending.cost_usd) == (False, WORST, 0.05)

    answer(store, 1, "done")
    [confirmed] = store.list_cost_events("acme")
    assert confirmed.confirmed and confirmed.usage == cost_event(1).usage and confirmed.cost_usd == 0.0125


def test_a_failed_attempt_is_booked_at_what_its_tool_said_it_spent(store: Store) -> None:
    begin(store, 1)
    spent = cost_event(1, attempt=1, usage=Usage(input_tokens=300, output_tokens=20), cost_usd=0.004, confirmed=False)
    store.book_attempt(spent)
    [booked] = store.list_cost_events("acme")
    assert (booked.confirmed, booked.usage, booked.cost_usd) == (True, spent.usage, 0.004)
    store.book_attempt(cost_event(1, attempt=2, cost_usd=0.001))  # with no row before it: one of its own
    assert [(e.attempt, e.confirmed) for e in store.list_cost_events("acme")] == [(1, True), (2, True)]


def test_each_attempt_is_a_row_of_its_own(store: Store) -> None:
    begin(store, 1)
    begin(store, 2)
    answer(store, 2, "done")
    begin(store, 1, model_index=1)
    rows = {(e.model_index, e.attempt): e.confirmed for e in store.list_cost_events("acme")}
    assert rows == {(0, 1): False, (0, 2): True, (1, 1): False}


def test_beginning_again_leaves_a_confirmed_row_as_it_is(store: Store) -> None:
    begin(store, 1)
    answer(store, 1, "done")
    begin(store, 1)
    assert [e.confirmed for e in store.list_cost_events("acme")] == [True]


def test_the_next_attempt_learns_what_became_of_the_lost_ones(store: Store) -> None:
    begin(store, 1)  # lost before the provider answered
    begin(store, 2)
    answer(store, 2, "done")  # answered, then its worker was lost
    lost = [AttemptRef(attempt=1), AttemptRef(attempt=2), AttemptRef(attempt=3)]  # 3: lost before its row

    settled = {s.attempt: s for s in store.settle_attempts(SESSION, 1, lost)}

    assert {a: s.outcome for a, s in settled.items()} == {1: "unconfirmed", 2: "confirmed", 3: "not_sent"}
    assert settled[2].usage == cost_event(1).usage and settled[2].cost_usd == 0.0125


def test_a_lost_attempts_stored_reply_is_found_for_the_same_input_only(store: Store) -> None:
    begin(store, 1)
    answer(store, 1, "the stored answer")
    lost = [AttemptRef(attempt=1)]

    found = store.stored_reply(SESSION, 1, lost, "h1")
    assert found is not None
    attempt, reply = found
    assert attempt == AttemptRef(attempt=1) and reply.content == "the stored answer"
    assert store.stored_reply(SESSION, 1, lost, "another input") is None
    assert store.stored_reply(SESSION, 1, [], "h1") is None  # only a lost attempt's


def test_an_unconfirmed_attempts_row_gives_no_reply(store: Store) -> None:
    begin(store, 1)
    assert store.stored_reply(SESSION, 1, [AttemptRef(attempt=1)], "h1") is None


def test_an_attempt_answering_after_a_later_one_began_keeps_only_its_ledger_row(store: Store) -> None:
    begin(store, 1)
    begin(store, 2)
    answer(store, 2, "the turn's answer")
    answer(store, 1, "a late answer from a worker thought lost")

    assert store.list_messages("acme", "ACME-1")[-1].content == "the turn's answer"
    assert all(e.confirmed for e in store.list_cost_events("acme"))
    assert len(store.list_cost_events("acme")) == 2
