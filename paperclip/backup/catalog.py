"""The archives in a backup folder: listing them, and removing those past their retention."""

from datetime import UTC, datetime, timedelta
from pathlib import Path

from pydantic import BaseModel

from paperclip.backup.archive import read_manifest
from paperclip.backup.manifest import Manifest, archive_time
from paperclip.backup.sealed import BackupSealError


class BackupEntry(BaseModel):
    """One archive: when it was made (from its name), its size, and what its manifest says."""

    path: Path
    created_at: datetime
    size: int
    manifest: Manifest | None = None
    problem: str | None = None
    """Why the manifest could not be read (another key, a damaged archive); None when it was."""


def archives(folder: Path) -> list[tuple[datetime, Path]]:
    """The archives in `folder`, oldest first (other files are not ours and are left alone)."""
    if not folder.is_dir():
        return []
    found = [(at, path) for path in folder.iterdir() if path.is_file() and (at := archive_time(path)) is not None]
    return sorted(found)


def list_backups(folder: Path, key: bytes | None) -> list[BackupEntry]:
    """Every archive in `folder`, oldest first, with its manifest when `key` opens it."""
    entries = []
    for at, path in archives(folder):
        entry = BackupEntry(path=path, created_at=at, size=path.stat().st_size)
        if key is not None:
            try:
                entry.manifest = read_manifest(path, key)
            except BackupSealError as error:
                entry.problem = str(error)
        entries.append(entry)
    return entries


def prune(folder: Path, keep_days: int, *, now: datetime | None = None) -> list[Path]:
    """Remove the archives made more than `keep_days` days before `now`, but never the newest one
    (a deployment whose backups stopped keeps its last). Returns what was removed."""
    cutoff = (now or datetime.now(UTC)) - timedelta(days=keep_days)
    found = archives(folder)
    removed = []
    for at, path in found[:-1]:
        if at < cutoff:
            path.unlink(missing_ok=True)
            removed.append(path)
    return removed
