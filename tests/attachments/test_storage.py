"""The attachments' backends and checks: bytes kept by opaque id on disk and in a real
S3-compatible server (moto's, in its own process), keys read from a secret file and never shown,
and an upload's name and type checked."""

import json
import logging
from collections.abc import Iterator
from pathlib import Path

import pytest

from paperclip.attachments import (
    AttachmentRefused,
    DiskStorage,
    S3Storage,
    StorageError,
    add_attachment,
    new_id,
    open_storage,
    remove_attachment,
    safe_filename,
)
from paperclip.attachments.content import checked_type
from paperclip.models.attachments import Attachment
from paperclip.settings import Settings
from tests.fakes.s3_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY, S3ServerProcess


class Records:
    """The store's attachment methods, in memory (the store's own are tested on both databases)."""

    def __init__(self) -> None:
        self.rows: dict[tuple[str, str], Attachment] = {}

    def add_attachment(self, company_id: str, attachment: Attachment) -> bool:
        return self.rows.setdefault((company_id, attachment.id), attachment) is attachment

    def get_attachment(self, company_id: str, attachment_id: str) -> Attachment | None:
        return self.rows.get((company_id, attachment_id))

    def delete_attachment(self, company_id: str, attachment_id: str, *, actor: str = "board") -> bool:
        return self.rows.pop((company_id, attachment_id), None) is not None


@pytest.mark.parametrize(
    ("given", "kept"),
    [
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\system32\\evil.dll", "evil.dll"),
        ("/abs/path/report.pdf", "report.pdf"),
        ("a\x00b\x1b[31mc\u202e.txt", "ab[31mc.txt"),
        ("..", "attachment"),
        ("", "attachment"),
        (None, "attachment"),
        ("x" * 300 + ".txt", "x" * 255),
    ],
)
def test_a_name_is_only_a_plain_file_name(given: str | None, kept: str) -> None:
    assert safe_filename(given) == kept


def test_disk_keys_bytes_by_id_and_refuses_anything_else(tmp_path: Path) -> None:
    disk = DiskStorage(tmp_path / "attachments")
    attachment_id = new_id()
    disk.put(attachment_id, b"hello")
    assert disk.get(attachment_id) == b"hello" and disk.ids() == [attachment_id]
    for bad in ("../escape", "att-../../x", "/etc/passwd", "att-" + "g" * 32, attachment_id + "/x"):
        with pytest.raises(ValueError, match="not an attachment id"):
            disk.put(bad, b"x")
    assert {p.name for p in tmp_path.rglob("*")} == {"attachments", attachment_id}
    disk.delete(attachment_id)
    with pytest.raises(StorageError, match="missing"):
        disk.get(attachment_id)
    assert new_id("co", "T-1", "call-1") == new_id("co", "T-1", "call-1") != new_id("co", "T-1", "call-2")


def test_a_retried_attach_with_the_same_id_keeps_the_first(tmp_path: Path) -> None:
    records, disk = Records(), DiskStorage(tmp_path)
    fixed = new_id("acme", "ACME-1", "call-7")
    args = {"company_id": "acme", "task": "ACME-1", "declared_type": "text/plain", "uploaded_by": "ceo"}
    first = add_attachment(records, disk, filename="a.txt", data=b"one", max_bytes=10, attachment_id=fixed, **args)
    again = add_attachment(records, disk, filename="b.txt", data=b"two", max_bytes=10, attachment_id=fixed, **args)
    assert again == first and disk.get(fixed) == b"one" and len(records.rows) == 1
    with pytest.raises(AttachmentRefused) as refused:
        add_attachment(records, disk, filename="c.txt", data=b"x" * 11, max_bytes=10, **args)
    assert refused.value.kind == "too_large" and disk.ids() == [fixed]
    assert remove_attachment(records, disk, "acme", fixed) and disk.ids() == []
    assert not remove_attachment(records, disk, "acme", fixed)


def test_types_are_checked_against_the_content() -> None:
    assert checked_type("image/jpg", b"\xff\xd8\xff\xe0rest") == "image/jpeg"
    assert checked_type("text/csv; charset=utf-8", b"a,b\n1,2\n") == "text/csv"
    assert checked_type(None, b"RIFF\0\0\0\0WEBPVP8 ") == "image/webp"
    docx = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"
    assert checked_type(docx, b"PK\x03\x04rest") == docx
    with pytest.raises(AttachmentRefused, match="content is application/pdf"):
        checked_type(docx, b"%PDF-1.7")
    with pytest.raises(AttachmentRefused, match="active content"):
        checked_type("application/octet-stream", b"\n\n<SCRIPT>alert(1)</script>")


@pytest.fixture
def s3(tmp_path: Path) -> Iterator[S3ServerProcess]:
    with S3ServerProcess(tmp_path / "s3.log") as server:
        server.client().create_bucket(Bucket="paperclip")
        yield server


def s3_settings(tmp_path: Path, server: S3ServerProcess, keys: Path) -> Settings:
    return Settings(
        home=tmp_path / "home",
        attachments_backend="s3",
        attachments_s3_bucket="paperclip",
        attachments_s3_endpoint_url=server.endpoint_url,
        attachments_s3_credentials_file=keys,
    )


def test_s3_keeps_bytes_in_the_bucket_with_the_keys_of_its_secret_file(
    tmp_path: Path, s3: S3ServerProcess, caplog: pytest.LogCaptureFixture
) -> None:
    keys = tmp_path / "s3.json"
    keys.write_text(json.dumps({"access_key_id": ACCESS_KEY_ID, "secret_access_key": SECRET_ACCESS_KEY}))
    caplog.set_level(logging.DEBUG)  # botocore's most talkative
    storage = open_storage(s3_settings(tmp_path, s3, keys))
    assert isinstance(storage, S3Storage) and SECRET_ACCESS_KEY not in repr(storage)
    attachment_id = new_id()
    data = bytes(range(256)) * 100
    storage.put(attachment_id, data)
    assert storage.get(attachment_id) == data
    listed = s3.client().list_objects_v2(Bucket="paperclip")["Contents"]
    assert [o["Key"] for o in listed] == [f"attachments/{attachment_id}"]
    with pytest.raises(ValueError):
        storage.put("../../other-bucket/x", b"x")
    storage.delete(attachment_id)
    with pytest.raises(StorageError, match="NoSuchKey") as missing:
        storage.get(attachment_id)
    assert SECRET_ACCESS_KEY not in str(missing.value)
    mine = [r for r in s3.requests() if r[2] != "-"]
    assert len(mine) >= 5 and {r[2] for r in mine} == {ACCESS_KEY_ID}  # every request signed with the file's key
    assert SECRET_ACCESS_KEY not in caplog.text and not (tmp_path / "home" / "attachments").exists()


def test_s3_without_its_settings_or_with_a_bad_secret_file_says_what_to_set(tmp_path: Path) -> None:
    with pytest.raises(StorageError, match="PAPERCLIP_ATTACHMENTS_S3_BUCKET"):
        open_storage(Settings(home=tmp_path, attachments_backend="s3"))
    bad = tmp_path / "bad.json"
    bad.write_text(f'{{"access_key_id": "x", "secret": "{SECRET_ACCESS_KEY}"}}')
    with pytest.raises(StorageError) as refused:
        open_storage(
            Settings(
                home=tmp_path, attachments_backend="s3", attachments_s3_bucket="b", attachments_s3_credentials_file=bad
            )
        )
    assert "access_key_id and secret_access_key" in str(refused.value) and SECRET_ACCESS_KEY not in str(refused.value)
    assert isinstance(open_storage(Settings(home=tmp_path)), DiskStorage)
