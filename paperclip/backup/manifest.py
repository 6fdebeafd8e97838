"""What an archive says about itself (`manifest.json`, its first member) and how archives are named."""

import hashlib
import re
from datetime import UTC, datetime
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, Field

MANIFEST = "manifest.json"
STORE_SQLITE = "store.sqlite"
STORE_PGDUMP = "store.pgdump"
TEMPORAL_DB = "temporal.db"
MEMBERS = (STORE_SQLITE, STORE_PGDUMP, TEMPORAL_DB)
ATTACHMENTS = "attachments"
"""The folder of the attachments' bytes (the disk backend's), in the archive as in the home."""
ATTACHMENT_MEMBER = re.compile(r"^attachments/att-[0-9a-f]{32}$")
"""The only names an archive's files may have besides `MEMBERS`: a restore writes nothing else."""


def is_member(name: str) -> bool:
    """Whether an archive may hold a file of this name."""
    return name in MEMBERS or ATTACHMENT_MEMBER.match(name) is not None


SUFFIX = ".tar.gz.enc"
_NAME = re.compile(r"^paperclip-backup-(\d{8}T\d{6}(?:\.\d{6})?Z)" + re.escape(SUFFIX) + "$")


class ArchivedFile(BaseModel):
    """One file of an archive."""

    name: str
    what: Literal["store", "temporal", "attachment"]
    size: int
    sha256: str


class Manifest(BaseModel):
    """What an archive holds, written before its files and checked against them on restore."""

    version: int = 1
    created_at: datetime
    product_version: str
    store_kind: Literal["sqlite", "postgresql"]
    migration_head: str | None
    files: list[ArchivedFile] = Field(default_factory=list)

    def summary(self) -> str:
        """`store (sqlite, 0021) + temporal`: what is inside, in a few words."""
        parts = [f"store ({self.store_kind}, {self.migration_head or 'empty'})"]
        if any(f.what == "temporal" for f in self.files):
            parts.append("temporal")
        if count := sum(f.what == "attachment" for f in self.files):
            parts.append(f"{count} attachments")
        return " + ".join(parts)


def archive_name(at: datetime) -> str:
    """`paperclip-backup-20261203T145500.123456Z.tar.gz.enc`: sorts by time, says when."""
    return f"paperclip-backup-{at.astimezone(UTC):%Y%m%dT%H%M%S.%fZ}{SUFFIX}"


def archive_time(path: Path) -> datetime | None:
    """When the archive `path` was made, read from its name; None: not an archive's name."""
    match = _NAME.match(path.name)
    if match is None:
        return None
    stamp = match.group(1)
    form = "%Y%m%dT%H%M%S.%fZ" if "." in stamp else "%Y%m%dT%H%M%SZ"
    return datetime.strptime(stamp, form).replace(tzinfo=UTC)


def file_digest(path: Path, name: str | None = None) -> ArchivedFile:
    """Size and sha256 of a file about to be archived under `name` (its own by default)."""
    digest = hashlib.sha256()
    with path.open("rb") as f:
        while block := f.read(1 << 20):
            digest.update(block)
    name = name or path.name
    what: Literal["store", "temporal", "attachment"] = (
        "temporal" if name == TEMPORAL_DB else "attachment" if ATTACHMENT_MEMBER.match(name) else "store"
    )
    return ArchivedFile(name=name, what=what, size=path.stat().st_size, sha256=digest.hexdigest())
