"""Archives refuse the wrong key and any alteration with one sentence; `list` and `prune` read the folder."""

import base64
import io
import json
import os
import tarfile
from datetime import UTC, datetime, timedelta
from pathlib import Path

import pytest

from paperclip.backup import Tampered, WrongKey, backup_key, create_backup, prune, restore_backup
from paperclip.backup.manifest import archive_name
from paperclip.backup.sealed import CHUNK, OpeningReader, SealingWriter
from paperclip.secrets import SecretBox, load_key
from paperclip.settings import Settings
from paperclip.store import Store
from tests.backup.conftest import cli


@pytest.fixture
def home(tmp_path: Path) -> Path:
    """A home with a store holding a company and a sealed credential (no Temporal file: a cluster's)."""
    home = tmp_path / "home"
    home.mkdir()
    store = Store(f"sqlite:///{home / 'paperclip.db'}")
    store.migrate()
    store.put_credential(
        None, "OPENAI_API_KEY", SecretBox(load_key(home)).seal("OPENAI_API_KEY", "sk-1"), ["https://x"]
    )
    store.dispose()
    return home


def one_archive(home: Path) -> Path:
    made = cli(home, "backup", "create")
    assert made.returncode == 0, made.stderr
    [archive] = sorted((home / "backups").glob("*.enc"))
    assert archive.stat().st_mode & 0o777 == 0o600
    return archive


def refused(home: Path, archive: Path, *args: str) -> str:
    """Restore `archive` into a fresh home: refused with exit 1 and one line, which is returned."""
    done = cli(home.parent / "fresh", "backup", "restore", str(archive), *args)
    assert done.returncode == 1, done.stdout
    lines = done.stderr.strip().splitlines()
    assert len(lines) == 1, done.stderr
    assert not (home.parent / "fresh" / "paperclip.db").exists()
    return lines[0]


def test_the_wrong_key_is_refused_with_a_sentence(home: Path, tmp_path: Path) -> None:
    archive = one_archive(home)
    other = tmp_path / "other.key"
    other.write_text(base64.b64encode(os.urandom(32)).decode() + "\n")
    line = refused(home, archive, "--key-file", str(other))
    assert line == (
        "error: this archive was encrypted with another backup key: give the key it was made with (--key-file)"
    )
    assert "no backup key" in refused(home, archive)  # a fresh home has none of its own


@pytest.mark.parametrize("where", [0.3, 0.6, 0.99])
def test_an_altered_archive_is_refused(home: Path, where: float) -> None:
    archive = one_archive(home)
    data = bytearray(archive.read_bytes())
    data[int(len(data) * where)] ^= 0x01
    archive.write_bytes(bytes(data))
    assert "altered" in refused(home, archive, "--key-file", str(home / "backup.key"))


def test_an_archive_cut_short_is_refused(home: Path) -> None:
    archive = one_archive(home)
    archive.write_bytes(archive.read_bytes()[:-20])
    assert "cut short or altered" in refused(home, archive, "--key-file", str(home / "backup.key"))


def test_a_file_that_does_not_match_its_manifest_is_refused(home: Path, tmp_path: Path) -> None:
    """Sealed with the right key (say, by someone who has it) but the store swapped: the sha256 catches it."""
    settings = Settings(home=home, temporal_address="127.0.0.1:1")
    key = backup_key(settings)
    archive, manifest = create_backup(settings, key)
    forged = tmp_path / archive_name(datetime.now(UTC))
    with forged.open("wb") as raw:
        sealed = SealingWriter(raw, key)
        with tarfile.open(fileobj=sealed, mode="w|gz") as tar:  # type: ignore[call-overload]
            for name, body in (("manifest.json", manifest.model_dump_json().encode()), ("store.sqlite", b"x" * 99)):
                info = tarfile.TarInfo(name)
                info.size = len(body)
                tar.addfile(info, io.BytesIO(body))
        sealed.close()
    with pytest.raises(Tampered, match="store.sqlite in this archive does not match its manifest"):
        restore_backup(forged, Settings(home=tmp_path / "fresh"), key)
    assert not (tmp_path / "fresh" / "paperclip.db").exists()
    manifest_json = json.loads(manifest.model_dump_json())
    assert manifest_json["store_kind"] == "sqlite" and manifest_json["files"][0]["name"] == "store.sqlite"


def test_sealing_round_trips_many_chunks_and_refuses_reordered_ones(tmp_path: Path) -> None:
    key = os.urandom(32)
    plain = os.urandom(CHUNK * 2 + 123)
    path = tmp_path / "x.enc"
    with path.open("wb") as raw:
        writer = SealingWriter(raw, key)
        writer.write(plain)
        writer.close()
    with path.open("rb") as raw:
        assert OpeningReader(raw, key).read() == plain
    with path.open("rb") as raw, pytest.raises(WrongKey):
        OpeningReader(raw, os.urandom(32))
    data = path.read_bytes()
    header, first = 26, 4 + CHUNK + 16
    swapped = data[:header] + data[header + first : header + 2 * first] + data[header : header + first]
    swapped += data[header + 2 * first :]
    path.write_bytes(swapped)
    with path.open("rb") as raw, pytest.raises(Tampered):
        OpeningReader(raw, key).read()


def test_list_shows_each_archive_with_its_date_size_and_contents(home: Path) -> None:
    one_archive(home)
    listed = cli(home, "backup", "list")
    assert listed.returncode == 0, listed.stderr
    assert "store (sqlite" in listed.stdout and "KB" in listed.stdout
    assert datetime.now(UTC).strftime("%Y-%m-%d") in listed.stdout


def test_prune_removes_what_is_past_the_retention_but_never_the_newest(tmp_path: Path) -> None:
    now = datetime.now(UTC)
    folder = tmp_path / "backups"
    folder.mkdir()
    ages = {"new": 1, "month": 29, "old": 31, "older": 90}
    paths = {label: folder / archive_name(now - timedelta(days=days)) for label, days in ages.items()}
    for path in paths.values():
        path.write_bytes(b"x")
    (folder / "notes.txt").write_text("not ours")
    removed = prune(folder, 30, now=now)
    assert sorted(removed) == sorted([paths["old"], paths["older"]])
    assert sorted(p.name for p in folder.iterdir()) == sorted([paths["new"].name, paths["month"].name, "notes.txt"])

    lonely = tmp_path / "lonely"
    lonely.mkdir()
    last = lonely / archive_name(now - timedelta(days=400))
    last.write_bytes(b"x")
    assert prune(lonely, 30, now=now) == [] and last.exists()


def test_prune_by_the_cli_uses_the_days_given(tmp_path: Path) -> None:
    home = tmp_path / "home"
    folder = home / "backups"
    folder.mkdir(parents=True)
    now = datetime.now(UTC)
    for days in (0, 3, 10):
        (folder / archive_name(now - timedelta(days=days, hours=1))).write_bytes(b"x")
    done = cli(home, "backup", "prune", "--keep-days", "7")
    assert done.returncode == 0, done.stderr
    assert "Removed 1 archive(s) older than 7 days." in done.stdout
    assert len(list(folder.iterdir())) == 2
