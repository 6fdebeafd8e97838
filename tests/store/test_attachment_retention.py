"""Attachments under retention and with their company: the records and the bytes go together, and
only a finished task's files age out."""

from datetime import timedelta
from pathlib import Path

from paperclip.attachments.storage import DiskStorage
from paperclip.lifecycle.retention import PurgeInput, RetentionKind, purge_expired
from paperclip.store import Store
from paperclip.store.tables import tasks
from tests.lifecycle.rows import insert
from tests.store.factories import T0
from tests.store.test_attachments import attachment


def test_a_finished_tasks_old_files_go_with_their_bytes_and_an_open_tasks_stay(store: Store, tmp_path: Path) -> None:
    disk = DiskStorage(tmp_path / "attachments")
    insert(store, tasks, "acme", identifier="ACME-1", status="done", updated_at=T0)
    insert(store, tasks, "acme", identifier="ACME-2", status="running", updated_at=T0)
    old_done, new_done, old_open = attachment(1), attachment(2), attachment(3, task="ACME-2")
    new_done = new_done.model_copy(update={"created_at": T0 + timedelta(days=40)})
    for kept in (old_done, new_done, old_open):
        assert store.add_attachment("acme", kept)
        disk.put(kept.id, b"bytes")
    keep = PurgeInput(keep_days={RetentionKind.ATTACHMENTS: 30})

    result = purge_expired(store, keep, lambda: disk, now=T0 + timedelta(days=60))

    assert result.purged == {RetentionKind.ATTACHMENTS: 1}
    assert [a.id for a in store.list_attachments("acme")] == [old_open.id, new_done.id]
    assert disk.ids() == sorted([new_done.id, old_open.id])


def test_the_attachments_of_a_company_are_listed_for_their_bytes_to_go_with_it(store: Store) -> None:
    assert store.add_attachment("acme", attachment(1)) and store.add_attachment("acme", attachment(2))
    assert store.add_attachment("globex", attachment(3))
    assert store.company_attachment_ids("acme") == [attachment(1).id, attachment(2).id]
    store.delete_company_rows("acme")
    assert store.company_attachment_ids("acme") == [] and store.company_attachment_ids("globex") == [attachment(3).id]
