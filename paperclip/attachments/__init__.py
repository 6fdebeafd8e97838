"""Files uploaded to a task: checked (`content`), kept by a backend (`storage`: disk or S3), and
recorded in the store (`paperclip.store.attachments`).

`add_attachment` and `remove_attachment` are the one way the API and the `attach_file` tool
change them: the bytes are kept before the record is (a record never names missing bytes), and
forgotten after it.
"""

import hashlib
import uuid
from datetime import UTC, datetime
from typing import Protocol

from paperclip.attachments.content import AttachmentRefused, check_size, checked_type, safe_filename, sniff
from paperclip.attachments.s3 import S3Storage, read_keys
from paperclip.attachments.storage import AttachmentStorage, DiskStorage, StorageError, checked_id
from paperclip.models.attachments import Attachment
from paperclip.settings import Settings

__all__ = [
    "AttachmentRecords",
    "AttachmentRefused",
    "AttachmentStorage",
    "DiskStorage",
    "S3Storage",
    "StorageError",
    "add_attachment",
    "checked_id",
    "new_id",
    "open_storage",
    "remove_attachment",
    "safe_filename",
    "sniff",
]


class AttachmentRecords(Protocol):
    """The part of `paperclip.store.Store` this uses (blocking calls)."""

    def add_attachment(self, company_id: str, attachment: Attachment) -> bool: ...

    def get_attachment(self, company_id: str, attachment_id: str) -> Attachment | None: ...

    def delete_attachment(self, company_id: str, attachment_id: str, *, actor: str = "board") -> bool: ...


def open_storage(settings: Settings) -> AttachmentStorage:
    """The backend the settings name.

    Raises:
        StorageError: `s3` without a bucket or a credentials file (or without boto3).
    """
    if settings.attachments_backend == "disk":
        return DiskStorage(settings.home_dir / "attachments")
    if not settings.attachments_s3_bucket or settings.attachments_s3_credentials_file is None:
        raise StorageError(
            "the s3 attachments backend needs PAPERCLIP_ATTACHMENTS_S3_BUCKET and "
            "PAPERCLIP_ATTACHMENTS_S3_CREDENTIALS_FILE"
        )
    return S3Storage(
        bucket=settings.attachments_s3_bucket,
        endpoint_url=settings.attachments_s3_endpoint_url,
        region=settings.attachments_s3_region,
        keys=read_keys(settings.attachments_s3_credentials_file.expanduser()),
    )


def new_id(*seed: str) -> str:
    """A new attachment id: random, or derived from `seed` (the same seed, the same id)."""
    if not seed:
        return f"att-{uuid.uuid4().hex}"
    return "att-" + hashlib.sha256("\0".join(seed).encode()).hexdigest()[:32]


def add_attachment(
    records: AttachmentRecords,
    storage: AttachmentStorage,
    *,
    company_id: str,
    task: str,
    filename: str | None,
    declared_type: str | None,
    data: bytes,
    uploaded_by: str,
    max_bytes: int,
    attachment_id: str | None = None,
) -> Attachment:
    """Check an upload, keep its bytes, record it; answers the record (the first one kept, when
    `attachment_id` was given and is taken already: a retried call).

    Raises:
        AttachmentRefused: too large, empty, or of a type not taken.
        StorageError: the backend failed.
    """
    check_size(len(data), max_bytes)
    content_type = checked_type(declared_type, data)
    attachment = Attachment(
        id=checked_id(attachment_id) if attachment_id else new_id(),
        task=task,
        filename=safe_filename(filename),
        content_type=content_type,
        size=len(data),
        sha256=hashlib.sha256(data).hexdigest(),
        uploaded_by=uploaded_by,
        created_at=datetime.now(UTC),
    )
    if attachment_id and (kept := records.get_attachment(company_id, attachment.id)) is not None:
        return kept
    storage.put(attachment.id, data)
    if not records.add_attachment(company_id, attachment):
        kept = records.get_attachment(company_id, attachment.id)
        if kept is not None:
            return kept
    return attachment


def remove_attachment(
    records: AttachmentRecords, storage: AttachmentStorage, company_id: str, attachment_id: str, *, actor: str = "board"
) -> bool:
    """Forget the record (the activity log says `actor` did), then the bytes; False when the
    company has no such attachment."""
    if not records.delete_attachment(company_id, attachment_id, actor=actor):
        return False
    storage.delete(attachment_id)
    return True
