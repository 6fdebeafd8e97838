"""Documents on tasks in the store, on SQLite and PostgreSQL: revisions, stale saves, repeats,
the activity log, search, and two saves of one base racing."""

import threading

import pytest

from paperclip.models import RecordInput
from paperclip.store import SearchKind, Store
from paperclip.store.documents import DocumentConflict
from tests.store.factories import task_record


def save(store: Store, body: str, base: int, *, key: str = "plan", task: str = "ACME-1", author: str = "ceo") -> int:
    return store.save_document("acme", task, key, body, base_revision=base, author=author).revision


def test_every_save_is_a_new_revision_and_each_can_be_read_back(store: Store) -> None:
    assert save(store, "# Plan\nfirst", 0) == 1
    assert save(store, "# Plan\nsecond", 1, author="board") == 2
    assert save(store, "notes", 0, key="notes") == 1

    latest = store.get_document("acme", "ACME-1", "plan")
    first = store.get_document("acme", "ACME-1", "plan", 1)
    history, total = store.list_document_revisions("acme", "ACME-1", "plan")

    assert latest is not None and (latest.revision, latest.body, latest.author) == (2, "# Plan\nsecond", "board")
    assert first is not None and first.body == "# Plan\nfirst"
    assert [(r.revision, r.author, r.body) for r in history] == [(2, "board", ""), (1, "ceo", "")] and total == 2
    assert [(d.key, d.revision, d.chars) for d in store.list_documents("acme", "ACME-1")] == [
        ("notes", 1, 5),
        ("plan", 2, 13),
    ]
    assert store.get_document("acme", "ACME-1", "plan", 3) is None
    assert store.get_document("acme", "ACME-2", "plan") is None
    assert store.get_document("rival", "ACME-1", "plan") is None


def test_a_stale_save_is_refused_with_the_current_revision(store: Store) -> None:
    save(store, "one", 0)
    save(store, "two", 1)

    with pytest.raises(DocumentConflict) as stale:
        save(store, "from one", 1, author="cto")
    with pytest.raises(DocumentConflict) as exists:
        save(store, "new?", 0, author="cto")
    with pytest.raises(DocumentConflict) as missing:
        save(store, "ahead", 4, key="design")

    assert stale.value.current is not None and (stale.value.current.revision, stale.value.current.body) == (2, "two")
    assert "is at revision 2 (by ceo), not 1" in str(stale.value)
    assert exists.value.current is not None and exists.value.current.revision == 2
    assert missing.value.current is None and "does not exist yet" in str(missing.value)
    assert store.get_document("acme", "ACME-1", "design") is None


def test_a_repeated_save_is_answered_with_the_revision_it_made(store: Store) -> None:
    first = store.save_document("acme", "ACME-1", "plan", "one", base_revision=0, author="ceo")
    again = store.save_document("acme", "ACME-1", "plan", "one", base_revision=0, author="ceo")

    assert again == first
    assert store.list_document_revisions("acme", "ACME-1", "plan")[1] == 1


def test_a_restore_is_a_new_revision_and_each_save_is_in_the_activity_log(store: Store) -> None:
    save(store, "one", 0)
    save(store, "two", 1)
    restored = store.save_document(
        "acme", "ACME-1", "plan", "one", base_revision=2, author="board", restored_from=1, agent=None
    )

    entries = [entry for _, entry in store.list_activity("acme", kind="document.saved")]

    assert (restored.revision, restored.restored_from) == (3, 1)
    assert [(e.actor, e.task, e.data["revision"]) for e in entries] == [
        ("ceo", "ACME-1", 1),
        ("ceo", "ACME-1", 2),
        ("board", "ACME-1", 3),
    ]
    assert entries[-1].summary == "board restored revision 1 of document 'plan' of ACME-1 (revision 3)"


def test_documents_are_found_at_their_latest_revision_only(store: Store) -> None:
    store.record(RecordInput(tasks=[task_record("ACME-1", title="Launch", assignee="cto")]))
    save(store, "The zephyr booster design", 0, key="design")
    save(store, "The quasar nozzle design", 1, key="design", author="cmo")
    store.save_document("rival", "RIV-1", "design", "Their quasar nozzle", base_revision=0, author="x")

    old = store.search(None, "zephyr")
    hits = store.search(["acme"], "quasar nozzles")
    only_tasks = store.search(["acme"], "quasar", kinds=[SearchKind.TASK])

    assert old == [] and only_tasks == []
    assert len(hits) == 1
    hit = hits[0]
    assert (hit.kind, hit.task, hit.document, hit.revision, hit.author, hit.agent, hit.title) == (
        SearchKind.DOCUMENT,
        "ACME-1",
        "design",
        2,
        "cmo",
        "cto",
        "Launch",
    )
    assert [hit.snippet[a:b] for a, b in hit.marks] == ["quasar", "nozzle"]


def test_two_saves_of_one_base_at_once_make_one_revision_and_one_conflict(store: Store) -> None:
    save(store, "one", 0)
    barrier = threading.Barrier(8)
    outcomes: list[object] = []

    def attempt(n: int) -> None:
        barrier.wait()
        try:
            outcomes.append(store.save_document("acme", "ACME-1", "plan", f"take {n}", base_revision=1, author=f"a{n}"))
        except DocumentConflict as err:
            outcomes.append(err)

    threads = [threading.Thread(target=attempt, args=(n,)) for n in range(8)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    won = [o for o in outcomes if not isinstance(o, DocumentConflict)]
    lost = [o for o in outcomes if isinstance(o, DocumentConflict)]
    latest = store.get_document("acme", "ACME-1", "plan")
    assert len(won) == 1 and len(lost) == 7
    assert latest is not None and latest.revision == 2 and latest == won[0]
    assert all(err.current == latest for err in lost)
    assert store.list_document_revisions("acme", "ACME-1", "plan")[1] == 2
