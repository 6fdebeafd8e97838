"""Attachments' records on both databases: kept once by (company, id), listed by task oldest
first, read and deleted only within their company; keeping and deleting one each write one
activity entry."""

from datetime import timedelta

from paperclip.models.attachments import Attachment
from paperclip.store import Store
from tests.store.factories import T0


def attachment(n: int, task: str = "ACME-1") -> Attachment:
    return Attachment(
        id=f"att-{n:032x}",
        task=task,
        filename=f"file-{n}.txt",
        content_type="text/plain",
        size=n,
        sha256=f"{n:064x}",
        uploaded_by="ceo",
        created_at=T0 + timedelta(seconds=10 - n),
    )


def test_attachments_are_kept_once_and_read_within_their_company(store: Store) -> None:
    first, second, other = attachment(1), attachment(2), attachment(3, task="ACME-2")
    assert store.add_attachment("acme", first) and store.add_attachment("acme", second)
    assert store.add_attachment("acme", other)
    assert not store.add_attachment("acme", first.model_copy(update={"filename": "again.txt"}))
    assert store.add_attachment("globex", first)  # another company's own record, the same id
    assert store.list_attachments("acme", "ACME-1") == [second, first]  # oldest first
    assert store.list_attachments("acme") == [other, second, first]
    assert store.get_attachment("acme", first.id) == first
    assert store.get_attachment("initech", first.id) is None
    assert store.delete_attachment("acme", first.id) and not store.delete_attachment("acme", first.id)
    assert store.get_attachment("globex", first.id) == first


def test_an_attachment_kept_and_deleted_writes_one_entry_each(store: Store) -> None:
    first = attachment(1)
    assert store.add_attachment("acme", first) and not store.add_attachment("acme", first)
    assert store.delete_attachment("acme", first.id, actor="cto")
    assert not store.delete_attachment("acme", first.id, actor="cto")
    entries = [e for _, e in store.list_activity("acme")]
    assert [(e.kind, e.actor, e.task, e.data["id"]) for e in entries] == [
        ("attachment.added", "ceo", "ACME-1", first.id),
        ("attachment.deleted", "cto", "ACME-1", first.id),
    ]
