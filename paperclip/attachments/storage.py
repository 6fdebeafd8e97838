"""Where attachments' bytes are kept: a folder under `PAPERCLIP_HOME`, or an S3-compatible bucket.

Both key the bytes by the attachment's opaque id (`att-<hex>`), checked before any use: the
uploader's file name never reaches a path or an object key, so no name can lead elsewhere.
The disk backend suits one API process on one machine (the embedded stack: the workers share
its home); with several API processes or machines, use `s3`.
"""

import os
import re
from pathlib import Path
from typing import Protocol

from paperclip.errors import PaperclipError
from paperclip.models.attachments import ATTACHMENT_ID

_ID = re.compile(ATTACHMENT_ID)


class StorageError(PaperclipError):
    """The backend could not keep, give or remove bytes (the message names no secret)."""

    kind = "unavailable"


class AttachmentStorage(Protocol):
    """Bytes by attachment id."""

    name: str
    """`disk` or `s3`."""

    def put(self, attachment_id: str, data: bytes) -> None: ...

    def get(self, attachment_id: str) -> bytes:
        """Raises StorageError when there are no bytes under that id."""
        ...

    def delete(self, attachment_id: str) -> None:
        """Remove the bytes (nothing when there are none)."""
        ...


def checked_id(attachment_id: str) -> str:
    """`attachment_id` when it is an attachment id; else ValueError (never a path or key)."""
    if not _ID.match(attachment_id):
        raise ValueError(f"{attachment_id!r} is not an attachment id")
    return attachment_id


class DiskStorage:
    """Files `<root>/<id>` (0600), written whole or not at all."""

    name = "disk"

    def __init__(self, root: Path) -> None:
        self.root = root

    def path(self, attachment_id: str) -> Path:
        return self.root / checked_id(attachment_id)

    def put(self, attachment_id: str, data: bytes) -> None:
        target = self.path(attachment_id)
        self.root.mkdir(parents=True, exist_ok=True, mode=0o700)
        partial = target.with_name(f".{target.name}.partial")
        fd = os.open(partial, os.O_WRONLY | os.O_CREAT | os.O_TRUNC | os.O_NOFOLLOW, 0o600)
        with os.fdopen(fd, "wb") as out:
            out.write(data)
            out.flush()
            os.fsync(out.fileno())
        partial.replace(target)

    def get(self, attachment_id: str) -> bytes:
        try:
            return self.path(attachment_id).read_bytes()
        except FileNotFoundError:
            raise StorageError(f"the bytes of attachment {attachment_id} are missing from the disk") from None

    def delete(self, attachment_id: str) -> None:
        self.path(attachment_id).unlink(missing_ok=True)

    def ids(self) -> list[str]:
        """The ids with bytes here (for backups)."""
        if not self.root.is_dir():
            return []
        return sorted(p.name for p in self.root.iterdir() if _ID.match(p.name) and p.is_file())
