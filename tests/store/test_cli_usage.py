"""A CLI session's running total, kept with the turn it was booked for: read back by any store
object on the database (another worker), per company, tool and session; the migration that
adds it goes down and up again."""

import sqlalchemy as sa

from paperclip.models import CliSessionTotal, Message, SessionRef, Usage
from paperclip.store import Store
from tests.store.factories import cost_event, migrate_to

SESSION = SessionRef(company_id="acme", task="ACME-1", agent="dev")


def total(session_id: str, input_tokens: int, *, company_id: str = "acme", tool: str = "codex") -> CliSessionTotal:
    usage = Usage(input_tokens=input_tokens, output_tokens=10, cached_input_tokens=input_tokens // 2)
    return CliSessionTotal(company_id=company_id, tool=tool, session_id=session_id, task="ACME-1", usage=usage)


def book(store: Store, seq: int, session_total: CliSessionTotal) -> None:
    reply = Message(role="assistant", content=f"turn {seq}")
    store.save_turn(SESSION, seq=seq, new_messages=[], reply=reply, cost=cost_event(seq), session_total=session_total)


def test_the_last_booked_total_of_each_session_is_read_back_by_another_store(store: Store, database: str) -> None:
    assert store.cli_session_total("acme", "codex", "t-1") is None
    book(store, 1, total("t-1", 1000))
    book(store, 2, total("t-1", 2100))
    book(store, 3, total("t-2", 500))
    other = Store(database)  # another worker's
    assert other.cli_session_total("acme", "codex", "t-1") == total("t-1", 2100).usage
    assert other.cli_session_total("acme", "codex", "t-2") == total("t-2", 500).usage
    assert other.cli_session_total("acme", "claude-code", "t-1") is None
    assert other.cli_session_total("globex", "codex", "t-1") is None
    assert [e.seq for e in other.list_cost_events("acme")] == [1, 2, 3]  # written with their turns
    other.dispose()


def test_the_migration_goes_down_and_up(store: Store) -> None:
    book(store, 1, total("t-1", 1000))
    migrate_to(store, "0016", down=True)
    assert "cli_usage_baselines" not in sa.inspect(store.engine).get_table_names()
    store.migrate()
    assert store.cli_session_total("acme", "codex", "t-1") is None
