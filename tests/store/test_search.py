"""Full-text search over messages and task titles, on SQLite (FTS5) and PostgreSQL."""

from datetime import timedelta

import pytest
import sqlalchemy as sa

from paperclip.models import Message, RecordInput, SessionRef
from paperclip.store import SearchHit, SearchKind, Store, tables
from paperclip.store.records import task_row
from tests.store.factories import T0, migrate_to, task_record


def say(store: Store, task: str, seq: int, *texts: str, company: str = "acme", agent: str = "ceo") -> None:
    """Keep turn `seq` of the task's conversation: the board says all but the last, the agent replies it."""
    said = [Message(role="user", content=text, author="board") for text in texts[:-1]]
    reply = Message(role="assistant", content=texts[-1], author=agent)
    session = SessionRef(company_id=company, task=task, agent=agent)
    store.save_turn(session, seq=seq, new_messages=said, reply=reply, cost=None)


def found(store: Store, query: str, companies: list[str] | None = None, **options: object) -> list[tuple[str, str]]:
    return [(hit.kind.value, hit.task) for hit in store.search(companies, query, **options)]  # type: ignore[arg-type]


def matches(hit: SearchHit) -> list[str]:
    return [hit.snippet[start:end] for start, end in hit.marks]


def test_messages_and_task_titles_are_found_by_any_form_of_a_word(store: Store) -> None:
    store.record(RecordInput(tasks=[task_record("ACME-1", title="Launch the rocket", assignee="cto")]))
    say(store, "ACME-1", 1, "Design the rockets", "On it")

    hits = store.search(None, "rocket")

    assert {(hit.kind, hit.task) for hit in hits} == {(SearchKind.TASK, "ACME-1"), (SearchKind.MESSAGE, "ACME-1")}
    task = next(hit for hit in hits if hit.kind is SearchKind.TASK)
    message = next(hit for hit in hits if hit.kind is SearchKind.MESSAGE)
    assert (task.company_id, task.agent, task.author, task.seq, task.at) == ("acme", "cto", None, None, T0)
    assert (message.company_id, message.agent, message.author, message.seq) == ("acme", "ceo", "board", 1)
    assert message.title == task.title == "Launch the rocket"
    assert matches(message) == ["rockets"] and matches(task) == ["rocket"]


def test_the_best_match_comes_first(store: Store) -> None:
    say(store, "ACME-1", 1, "A long note on budgets, hiring, schedules, and the rocket, among many other matters")
    say(store, "ACME-2", 1, "Rocket, rocket, rocket!")
    assert found(store, "rocket") == [("message", "ACME-2"), ("message", "ACME-1")]


def test_the_snippet_is_a_few_words_around_the_match(store: Store) -> None:
    long = " ".join(["filler"] * 300 + ["the", "rocket", "launched"] + ["filler"] * 300)
    say(store, "ACME-1", 1, long)

    [hit] = store.search(None, "rocket")

    assert "rocket" in hit.snippet and len(hit.snippet) < 300
    assert matches(hit) == ["rocket"]


def test_every_word_must_appear_and_a_quoted_phrase_as_written(store: Store) -> None:
    say(store, "ACME-1", 1, "Run the engine test today")
    say(store, "ACME-2", 1, "Test the new engine")
    say(store, "ACME-3", 1, "Engine ready")

    assert sorted(found(store, "engine test")) == [("message", "ACME-1"), ("message", "ACME-2")]
    assert found(store, '"engine test"') == [("message", "ACME-1")]
    assert found(store, "engine launchpad") == []


@pytest.mark.parametrize(
    ("query", "tasks"),
    [
        ("", []),
        ("   ", []),
        ('"', []),
        ('""', []),
        ("*", []),
        ("'", []),
        ("-", []),
        ("NEAR(", ["ACME-2"]),
        ("NEAR(rocket engine, 2)", []),
        ("rocket*", ["ACME-1"]),
        ('"rocket', ["ACME-1"]),
        ("-rocket", ["ACME-1"]),
        ("^rocket", ["ACME-1"]),
        ("body:rocket", []),
        ("rocket\x00", ["ACME-1"]),
        ("rocket's", ["ACME-1"]),
        ("x" * 5000, []),
    ],
)
def test_odd_input_is_read_as_plain_words(store: Store, query: str, tasks: list[str]) -> None:
    say(store, "ACME-1", 1, "The rocket's engine")
    say(store, "ACME-2", 1, "Near the launch pad")
    assert found(store, query) == [("message", task) for task in tasks]


def test_only_the_companies_given_are_searched(store: Store) -> None:
    say(store, "ACME-1", 1, "Secret rocket plans", company="acme")
    say(store, "ACME-1", 1, "Secret rocket plans", company="rival")
    store.record(RecordInput(tasks=[task_record("ACME-2", company_id="rival", title="Rocket copy")]))

    assert {hit.company_id for hit in store.search(["acme"], "rocket")} == {"acme"}
    assert {hit.company_id for hit in store.search(None, "rocket")} == {"acme", "rival"}
    assert store.search([], "rocket") == []
    assert store.search(["nobody"], "rocket") == []


def test_kinds_and_limit(store: Store) -> None:
    store.record(RecordInput(tasks=[task_record("ACME-1", title="Rocket")]))
    for seq in range(1, 4):
        say(store, "ACME-1", seq, f"Rocket step {seq}")

    assert found(store, "rocket", kinds=[SearchKind.TASK]) == [("task", "ACME-1")]
    assert {kind for kind, _ in found(store, "rocket", kinds=[SearchKind.MESSAGE])} == {"message"}
    assert len(found(store, "rocket", limit=2)) == 2
    assert found(store, "rocket", kinds=[]) == []


def test_the_index_follows_rewritten_messages_and_renamed_tasks(store: Store) -> None:
    say(store, "ACME-1", 1, "Check the rocket", "Rocket checked")
    say(store, "ACME-1", 1, "Check the booster")  # a retried turn: one message, new words
    store.record(RecordInput(tasks=[task_record("ACME-2", title="Paint the hangar")]))
    renamed = task_record("ACME-2", title="Paint the tower", updated_at=T0 + timedelta(minutes=1))
    store.record(RecordInput(tasks=[renamed]))
    say(store, "ACME-3", 1, "")

    assert found(store, "rocket") == []
    assert found(store, "booster") == [("message", "ACME-1")]
    assert found(store, "hangar") == []
    assert found(store, "tower") == [("task", "ACME-2")]
    assert found(store, "paint") == [("task", "ACME-2")]


def test_the_migration_indexes_rows_already_there_and_downgrades(database: str) -> None:
    store = Store(database)
    migrate_to(store, "0007")
    say(store, "ACME-1", 1, "An old rocket message")
    # The task row as revision 0007 has it (today's record has columns that revision lacks).
    row = task_row(task_record("ACME-2", title="An old rocket task"))
    row = {
        key: value
        for key, value in row.items()
        if not key.startswith("unconfirmed_")
        and key not in ("cache_write_tokens", "project", "labels", "blocked_by", "inputs", "blocked_reason", "review")
    }
    with store.engine.begin() as conn:
        conn.execute(tables.tasks.insert().values(**row))

    store.migrate()
    assert sorted(found(store, "rocket")) == [("message", "ACME-1"), ("task", "ACME-2")]

    migrate_to(store, "0007", down=True)
    say(store, "ACME-3", 1, "A rocket said while nothing indexed")
    with store.engine.connect() as conn:
        assert conn.execute(sa.text("SELECT version_num FROM alembic_version")).scalar_one() == "0007"
    store.migrate()
    assert len(found(store, "rocket")) == 3
    store.dispose()
