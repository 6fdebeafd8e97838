"""Backups of a deployment: the store (and, embedded, Temporal's file) in one sealed archive.

`paperclip backup create|list|restore|prune|export-key` (`cli.backup`) and the scheduled system
routine (`paperclip.backup.schedule`, run by `activities.backup`) both use what is here. The
order of the copies and so the recovery point are in `paperclip.backup.archive`; the archive's
encryption in `paperclip.backup.sealed`; the keys, which no archive holds, in `paperclip.backup.keys`.
"""

from paperclip.backup.archive import RestoreRefused, create_backup, read_manifest, restore_backup
from paperclip.backup.catalog import BackupEntry, list_backups, prune
from paperclip.backup.keys import KeyBundle, backup_key, export_keys, read_key_file
from paperclip.backup.manifest import ArchivedFile, Manifest
from paperclip.backup.sealed import BackupSealError, Tampered, WrongKey
from paperclip.backup.snapshot import SnapshotError

__all__ = [
    "ArchivedFile",
    "BackupEntry",
    "BackupSealError",
    "KeyBundle",
    "Manifest",
    "RestoreRefused",
    "SnapshotError",
    "Tampered",
    "WrongKey",
    "backup_key",
    "create_backup",
    "export_keys",
    "list_backups",
    "prune",
    "read_key_file",
    "read_manifest",
    "restore_backup",
]
