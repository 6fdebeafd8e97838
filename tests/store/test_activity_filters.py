"""`Store.list_activity` filters: kind (exact or a `family.*`), actor, agent, task, order, bounds."""

from paperclip.models import RecordInput
from paperclip.store import Store
from tests.store.factories import activity_entry


def _fill(store: Store) -> None:
    store.record(
        RecordInput(
            activity=[
                activity_entry("a1", kind="company.created", actor="board"),
                activity_entry("a2", kind="agent.hired", actor="board", agent="ceo", minutes=1),
                activity_entry("a3", kind="task.created", actor="board", agent="ceo", task="ACME-1", minutes=2),
                activity_entry("a4", kind="task.status", actor="ceo", agent="ceo", task="ACME-1", minutes=3),
                activity_entry("a5", kind="task_status", actor="cto", agent="cto", task="ACME-2", minutes=4),
                activity_entry("b1", company_id="other", kind="task.created", actor="board", minutes=5),
            ]
        )
    )


def _ids(rows: list) -> list[str]:
    return [entry.id for _, entry in rows]


def test_without_filters_it_lists_the_company_oldest_first(store: Store) -> None:
    _fill(store)
    assert _ids(store.list_activity("acme")) == ["a1", "a2", "a3", "a4", "a5"]


def test_kind_is_exact_or_a_family_and_the_family_does_not_match_lookalikes(store: Store) -> None:
    _fill(store)
    assert _ids(store.list_activity("acme", kind="task.created")) == ["a3"]
    assert _ids(store.list_activity("acme", kind="task.*")) == ["a3", "a4"]  # not `task_status`


def test_actor_agent_and_task_filters_combine(store: Store) -> None:
    _fill(store)
    assert _ids(store.list_activity("acme", actor="board")) == ["a1", "a2", "a3"]
    assert _ids(store.list_activity("acme", agent="ceo")) == ["a2", "a3", "a4"]
    assert _ids(store.list_activity("acme", agent="ceo", actor="board", task="ACME-1")) == ["a3"]


def test_newest_first_with_a_limit_gives_the_latest_entries(store: Store) -> None:
    _fill(store)
    rows = store.list_activity("acme", newest_first=True, limit=2)
    assert _ids(rows) == ["a5", "a4"]
    before = store.list_activity("acme", before=rows[-1][0], newest_first=True, limit=2)
    assert _ids(before) == ["a3", "a2"]
    assert _ids(store.list_activity("acme", after=rows[-1][0])) == ["a5"]
