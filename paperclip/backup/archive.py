"""Making an archive from a running deployment, and restoring one into a home folder.

The order, and so the recovery point, on the embedded stack: Temporal's SQLite file first, then
the store, each a consistent copy of its own instant (`paperclip.backup.snapshot`), a moment apart.
The store is then never behind Temporal: a workflow restored from Temporal's copy has nothing in
its history the store lacks, and the few activities that ran between the two copies run again on
restore, where their store writes are idempotent upserts (by session and sequence) that meet
their own rows. The other way round, Temporal would remember turns whose messages the store
lost. In a cluster the archive holds the store only: Temporal's PostgreSQL is its operator's to
back up (its histories, schedules and visibility, with the database's own tools).

The disk backend's attachments are copied after the store: their bytes are kept before their
record, so every record the store's copy holds has its file in the archive.

An archive is a gzip'd tar — `manifest.json` first, then the files it lists — sealed as a whole
(`paperclip.backup.sealed`). A restore opens it into a staging folder beside the target, checks
every file's sha256 and size against the manifest and the seal to its last byte, and only then
puts the databases in place.
"""

import base64
import contextlib
import hashlib
import os
import shutil
import tarfile
import tempfile
from collections.abc import Iterator
from datetime import UTC, datetime
from pathlib import Path
from typing import BinaryIO, Literal, cast

from sqlalchemy.engine import make_url

from paperclip import __version__
from paperclip.attachments.storage import DiskStorage
from paperclip.backup.manifest import (
    ATTACHMENTS,
    MANIFEST,
    STORE_PGDUMP,
    STORE_SQLITE,
    TEMPORAL_DB,
    Manifest,
    archive_name,
    file_digest,
    is_member,
)
from paperclip.backup.sealed import OpeningReader, SealingWriter, Tampered
from paperclip.backup.snapshot import (
    has_tables,
    migration_head,
    pg_dump,
    pg_restore,
    sqlite_copy,
    sqlite_path,
    sqlite_put_back,
)
from paperclip.errors import PaperclipError
from paperclip.secrets import KEY_FILE
from paperclip.settings import Settings

_MANIFEST_LIMIT = 1 << 20
"""A manifest is a few hundred bytes; a bigger first member is not ours."""


class RestoreRefused(PaperclipError):
    """A restore that would overwrite something, or that does not fit this deployment."""

    kind = "conflict"


def store_kind(settings: Settings) -> Literal["sqlite", "postgresql"]:
    backend = make_url(settings.resolved_database_url).get_backend_name()
    return "postgresql" if backend == "postgresql" else "sqlite"


def embedded_temporal(settings: Settings) -> Path | None:
    """The embedded dev server's database file (`paperclip up`), or None in a cluster."""
    return None if settings.temporal_address else settings.home_dir / TEMPORAL_DB


def create_backup(settings: Settings, key: bytes, *, directory: Path | None = None) -> tuple[Path, Manifest]:
    """Back up the deployment of `settings` into a new archive in `directory` (the settings' by default).

    Returns:
        The archive's path and its manifest.

    Raises:
        SnapshotError: a database could not be copied (the message says which and why).
    """
    folder = directory or settings.resolved_backup_dir
    folder.mkdir(parents=True, exist_ok=True)
    created = datetime.now(UTC)
    url = settings.resolved_database_url
    kind = store_kind(settings)
    with tempfile.TemporaryDirectory(prefix=".staging-", dir=folder) as staging_name:
        staging = Path(staging_name)
        files = []
        temporal = embedded_temporal(settings)
        if temporal is not None and temporal.exists():  # first: see the module's note on the order
            sqlite_copy(temporal, staging / TEMPORAL_DB)
            files.append(staging / TEMPORAL_DB)
        if kind == "sqlite":
            sqlite_copy(sqlite_path(url), staging / STORE_SQLITE)
            files.append(staging / STORE_SQLITE)
            head = migration_head(f"sqlite:///{staging / STORE_SQLITE}")
        else:
            pg_dump(url, staging / STORE_PGDUMP)
            files.append(staging / STORE_PGDUMP)
            head = migration_head(url)
        names = {path: path.name for path in files}
        for path in _copy_attachments(settings, staging):  # after the store: see the module's note
            names[path] = f"{ATTACHMENTS}/{path.name}"
        manifest = Manifest(
            created_at=created,
            product_version=__version__,
            store_kind=kind,
            migration_head=head,
            files=[file_digest(path, name) for path, name in names.items()],
        )
        (staging / MANIFEST).write_text(manifest.model_dump_json(indent=2))
        target = folder / archive_name(created)
        partial = staging / (target.name + ".partial")
        with partial.open("wb") as raw:
            os.chmod(partial, 0o600)
            sealed = SealingWriter(raw, key)
            with tarfile.open(fileobj=cast(BinaryIO, sealed), mode="w|gz") as tar:
                for path, name in [(staging / MANIFEST, MANIFEST), *names.items()]:
                    tar.add(path, arcname=name, recursive=False)
            sealed.close()
            raw.flush()
            os.fsync(raw.fileno())
        partial.replace(target)  # whole or not at all: a backup cut short never looks finished
    return target, manifest


@contextlib.contextmanager
def _members(archive: Path, key: bytes) -> Iterator[tuple[Manifest, Iterator[tuple[tarfile.TarInfo, BinaryIO]]]]:
    """Open `archive`: its manifest, and an iterator over its other members (regular files only)."""
    with archive.open("rb") as raw:
        reader = OpeningReader(raw, key)
        try:
            tar = tarfile.open(fileobj=cast(BinaryIO, reader), mode="r|gz")
        except tarfile.TarError:
            raise Tampered("this archive is damaged: its content is not a backup's") from None
        with tar:
            try:
                first = tar.next()
                if first is None or first.name != MANIFEST or not first.isfile() or first.size > _MANIFEST_LIMIT:
                    raise Tampered("this archive has no manifest first: it was not made by `paperclip backup`")
                handle = tar.extractfile(first)
                assert handle is not None  # a regular file
                manifest = Manifest.model_validate_json(handle.read())
            except (tarfile.TarError, ValueError):
                raise Tampered("this archive's manifest is damaged") from None

            def rest() -> Iterator[tuple[tarfile.TarInfo, BinaryIO]]:
                try:
                    while (member := tar.next()) is not None:
                        if not member.isfile() or not is_member(member.name):
                            raise Tampered(f"this archive holds {member.name!r}, which a backup never does")
                        body = tar.extractfile(member)
                        assert body is not None
                        yield member, cast(BinaryIO, body)
                except tarfile.TarError:
                    raise Tampered("this archive is damaged: its content is not a backup's") from None

            yield manifest, rest()
        reader.read()  # to the end: the last chunk authenticates the whole


def read_manifest(archive: Path, key: bytes) -> Manifest:
    """The manifest of `archive`, reading no further than it (for `paperclip backup list`)."""
    with archive.open("rb") as raw:
        try:
            tar = tarfile.open(fileobj=cast(BinaryIO, OpeningReader(raw, key)), mode="r|gz")
            first = tar.next()
        except tarfile.TarError:
            raise Tampered("this archive is damaged: its content is not a backup's") from None
        if first is None or first.name != MANIFEST or not first.isfile() or first.size > _MANIFEST_LIMIT:
            raise Tampered("this archive has no manifest first: it was not made by `paperclip backup`")
        handle = tar.extractfile(first)
        assert handle is not None
        try:
            return Manifest.model_validate_json(handle.read())
        except ValueError:
            raise Tampered("this archive's manifest is damaged") from None


def _unpack(archive: Path, key: bytes, staging: Path) -> Manifest:
    """Write the archive's files into `staging`, each checked against the manifest."""
    with _members(archive, key) as (manifest, members):
        expected = {f.name: f for f in manifest.files}
        seen = set()
        for member, body in members:
            listed = expected.get(member.name)
            if listed is None or member.name in seen:
                raise Tampered(f"this archive holds {member.name} twice or unlisted: it was altered")
            digest, size = hashlib.sha256(), 0
            (staging / member.name).parent.mkdir(exist_ok=True)
            with (staging / member.name).open("wb") as out:
                while block := body.read(1 << 20):
                    digest.update(block)
                    size += len(block)
                    out.write(block)
            if digest.hexdigest() != listed.sha256 or size != listed.size:
                raise Tampered(f"{member.name} in this archive does not match its manifest: it was altered")
            seen.add(member.name)
        if missing := set(expected) - seen:
            raise Tampered(f"this archive lacks {', '.join(sorted(missing))}, which its manifest lists")
    return manifest


def restore_backup(
    archive: Path, settings: Settings, key: bytes, *, secret_key: bytes | None = None, force: bool = False
) -> tuple[Manifest, list[str]]:
    """Restore `archive` into the deployment of `settings` (a fresh home, or `force`).

    `secret_key`, when given, becomes the home's `secret.key` (0600), so the restored credentials open.

    Returns:
        The manifest, and one line per thing put back.

    Raises:
        WrongKey, Tampered, BackupSealError: the archive does not open, or does not check out.
        RestoreRefused: something would be overwritten without `force`, or the archive does not fit.
        SnapshotError: a database could not be put back.
    """
    home = settings.home_dir
    home.mkdir(parents=True, exist_ok=True)
    with tempfile.TemporaryDirectory(prefix=".restore-", dir=home) as staging_name:
        staging = Path(staging_name)
        manifest = _unpack(archive, key, staging)  # every check before anything is touched
        kind = store_kind(settings)
        if manifest.store_kind != kind:
            raise RestoreRefused(
                f"this archive holds a {manifest.store_kind} store and this deployment's store is {kind}"
                " (PAPERCLIP_DATABASE_URL): restore it into a deployment of the same kind"
            )
        url = settings.resolved_database_url
        store_file = sqlite_path(url) if kind == "sqlite" else None
        live = store_file.exists() if store_file is not None else has_tables(url)
        if live and not force:
            raise RestoreRefused(
                f"{store_file or 'the database PAPERCLIP_DATABASE_URL names'} already holds a store: restore into"
                " a fresh PAPERCLIP_HOME, or stop the stack and give --force to replace it"
            )
        temporal_target = embedded_temporal(settings)
        archived_temporal = any(f.name == TEMPORAL_DB for f in manifest.files)
        if archived_temporal and temporal_target is not None and temporal_target.exists() and not force:
            raise RestoreRefused(f"{temporal_target} exists: stop the stack and give --force to replace it")
        key_path = home / KEY_FILE
        if secret_key is not None and key_path.exists() and key_path.read_bytes().strip() != _b64(secret_key):
            if not force:
                raise RestoreRefused(f"{key_path} holds another secret key: give --force to replace it")
        done = []
        if store_file is not None:
            sqlite_put_back(staging / STORE_SQLITE, store_file)
            done.append(f"store → {store_file}")
        else:
            pg_restore(staging / STORE_PGDUMP, url, clean=live)
            done.append("store → the database PAPERCLIP_DATABASE_URL names")
        if archived_temporal and temporal_target is not None:
            sqlite_put_back(staging / TEMPORAL_DB, temporal_target)
            done.append(f"Temporal → {temporal_target}")
        elif archived_temporal:
            done.append("Temporal's file left out: this deployment's Temporal is TEMPORAL_ADDRESS's")
        done += _put_back_attachments(staging, settings, manifest)
        if secret_key is not None:
            _write_key(key_path, secret_key)
            done.append(f"secret key → {key_path}")
    return manifest, done


def _copy_attachments(settings: Settings, staging: Path) -> list[Path]:
    """The disk backend's files, copied into `staging/attachments` (an S3 bucket is its operator's
    to back up, as a cluster's Temporal database is)."""
    if settings.attachments_backend != "disk":
        return []
    disk = DiskStorage(settings.home_dir / ATTACHMENTS)
    folder = staging / ATTACHMENTS
    copied = []
    for attachment_id in disk.ids():
        folder.mkdir(exist_ok=True)
        with contextlib.suppress(FileNotFoundError):  # deleted since it was listed
            shutil.copyfile(disk.path(attachment_id), folder / attachment_id)
            copied.append(folder / attachment_id)
    return copied


def _put_back_attachments(staging: Path, settings: Settings, manifest: Manifest) -> list[str]:
    archived = [f.name.removeprefix(f"{ATTACHMENTS}/") for f in manifest.files if f.what == "attachment"]
    if not archived:
        return []
    if settings.attachments_backend != "disk":
        return [f"{len(archived)} attachments left out: this deployment keeps them in S3 (copy them there)"]
    disk = DiskStorage(settings.home_dir / ATTACHMENTS)
    for attachment_id in archived:
        disk.put(attachment_id, (staging / ATTACHMENTS / attachment_id).read_bytes())
    return [f"{len(archived)} attachments → {disk.root}"]


def _b64(key: bytes) -> bytes:
    return base64.b64encode(key)


def _write_key(path: Path, key: bytes) -> None:
    path.unlink(missing_ok=True)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    with os.fdopen(fd, "wb") as f:
        f.write(_b64(key) + b"\n")
