"""Backups carry the disk backend's attachments: restored beside the store that records them;
an archive naming any other path is refused before anything is written."""

import io
import re
import tarfile
from datetime import UTC, datetime
from pathlib import Path

import pytest

from paperclip.attachments import DiskStorage, add_attachment
from paperclip.backup import Tampered, backup_key, create_backup, restore_backup
from paperclip.backup.manifest import ArchivedFile, archive_name
from paperclip.backup.sealed import SealingWriter
from paperclip.settings import Settings
from paperclip.store import Store

PNG = b"\x89PNG\r\n\x1a\n" + b"\x01" * 500


def settings_of(home: Path) -> Settings:
    return Settings(home=home, temporal_address="127.0.0.1:1")  # a cluster's Temporal: the store alone


def test_attachments_are_backed_up_and_restored_with_their_records(tmp_path: Path) -> None:
    home = tmp_path / "home"
    settings = settings_of(home)
    store = Store.from_settings(settings)
    store.migrate()
    disk = DiskStorage(home / "attachments")
    made = [
        add_attachment(
            store,
            disk,
            company_id="acme",
            task="ACME-1",
            filename=name,
            declared_type=kind,
            data=data,
            uploaded_by="ceo",
            max_bytes=10_000,
        )  # fmt: skip
        for name, kind, data in (("a.png", "image/png", PNG), ("notes.txt", "text/plain", b"remember"))
    ]
    store.dispose()
    archive, manifest = create_backup(settings, backup_key(settings))
    assert sorted(f.name for f in manifest.files if f.what == "attachment") == sorted(
        f"attachments/{a.id}" for a in made
    )
    assert re.fullmatch(r"store \(sqlite, \d{4}\) \+ 2 attachments", manifest.summary())

    fresh = settings_of(tmp_path / "fresh")
    _, done = restore_backup(archive, fresh, backup_key(settings))
    assert f"2 attachments → {fresh.home_dir / 'attachments'}" in done
    restored = Store(fresh.resolved_database_url)
    assert restored.list_attachments("acme", "ACME-1") == made
    restored.dispose()
    again = DiskStorage(fresh.home_dir / "attachments")
    assert again.get(made[0].id) == PNG and again.get(made[1].id) == b"remember"


@pytest.mark.parametrize("name", ["attachments/../../evil", "attachments/att-" + "0" * 32])
def test_an_archive_with_another_path_or_an_unlisted_file_is_refused(tmp_path: Path, name: str) -> None:
    home = tmp_path / "home"
    settings = settings_of(home)
    Store.from_settings(settings).migrate()
    key = backup_key(settings)
    _, manifest = create_backup(settings, key)
    if "evil" in name:  # listed, so only the name check stops it
        manifest.files.append(ArchivedFile(name=name, what="attachment", size=4, sha256="0" * 64))
    forged = tmp_path / archive_name(datetime.now(UTC))
    with forged.open("wb") as raw:
        sealed = SealingWriter(raw, key)
        with tarfile.open(fileobj=sealed, mode="w|gz") as tar:  # type: ignore[call-overload]
            for member, body in (("manifest.json", manifest.model_dump_json().encode()), (name, b"evil")):
                info = tarfile.TarInfo(member)
                info.size = len(body)
                tar.addfile(info, io.BytesIO(body))
        sealed.close()
    with pytest.raises(Tampered, match="a backup never does|unlisted"):
        restore_backup(forged, settings_of(tmp_path / "fresh"), key)
    assert not (tmp_path / "fresh" / "attachments").exists() and not (tmp_path / "evil").exists()
