"""Attachments over real HTTP, on SQLite and PostgreSQL: uploaded, listed, downloaded only as a
download, deleted; refused when too large or not what they claim; and invisible (404) to
another team, and to another company's path."""

import base64
import hashlib
import uuid
from datetime import timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.settings import Settings
from paperclip.tokens import task_tokens
from tests.api.conftest import assert_error
from tests.api.helpers import company_body, wait_for_task

PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 4
MAX_BYTES = 4_000


@pytest.fixture
def settings(tmp_path: Path, dev_env: WorkflowEnvironment) -> Settings:
    """The API's settings, with a small attachment limit."""
    return Settings(
        home=tmp_path,
        temporal_address=dev_env.client.service_client.config.target_host,
        attachments_max_bytes=MAX_BYTES,
    )


async def ok(response: httpx.Response, status: int = 200) -> Any:
    assert response.status_code == status, response.text
    return response.json() if response.content else None


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


async def company_with_task(api: httpx.AsyncClient, **fields: Any) -> str:
    company = (await ok(await api.post("/api/companies", json=company_body(**fields)), 201))["id"]
    await ok(await api.post(f"/api/companies/{company}/tasks", json={"title": "Ship it", "assignee": "ceo"}), 201)
    return company


def upload(name: str, data: bytes, content_type: str) -> dict[str, Any]:
    return {"files": {"file": (name, data, content_type)}}


async def test_a_file_is_kept_by_id_listed_and_served_only_as_a_download(
    api: httpx.AsyncClient, settings: Settings
) -> None:
    company = await company_with_task(api)
    base = f"/api/companies/{company}/tasks/ACME-1/attachments"
    hostile = "../../../outside/évil name.png"
    made = await ok(await api.post(base, **upload(hostile, PNG, "image/png")), 201)
    assert made["filename"] == "évil name.png" and made["content_type"] == "image/png"
    assert made["size"] == len(PNG) and made["sha256"] == hashlib.sha256(PNG).hexdigest()
    assert made["uploaded_by"] == "board" and made["task"] == "ACME-1"
    # The bytes are under the opaque id, and nothing was written where the name pointed.
    kept = settings.home_dir / "attachments" / made["id"]
    assert kept.read_bytes() == PNG and kept.stat().st_mode & 0o777 == 0o600
    assert not (settings.home_dir.parent / "outside").exists() and not Path("/outside").exists()
    assert [p.name for p in (settings.home_dir / "attachments").iterdir()] == [made["id"]]

    text = await ok(await api.post(base, **upload("notes.md", "# Hi\nüber\n".encode(), "text/markdown")), 201)
    listed = await ok(await api.get(base))
    assert listed["count"] == 2 and [a["id"] for a in listed["data"]] == [made["id"], text["id"]]

    got = await api.get(f"{base}/{made['id']}")
    assert got.status_code == 200 and got.content == PNG
    assert got.headers["content-type"] == "image/png"
    assert got.headers["content-disposition"] == (
        "attachment; filename=\"_vil name.png\"; filename*=UTF-8''%C3%A9vil%20name.png"
    )
    assert got.headers["x-content-type-options"] == "nosniff"
    assert got.headers["content-security-policy"] == "default-src 'none'; sandbox"

    await ok(await api.delete(f"{base}/{made['id']}"), 204)
    assert not kept.exists()
    assert_error(await api.get(f"{base}/{made['id']}"), 404, "not_found")
    assert_error(await api.delete(f"{base}/{made['id']}"), 404, "not_found")
    assert [a["id"] for a in (await ok(await api.get(base)))["data"]] == [text["id"]]


async def test_uploads_too_large_or_not_what_they_claim_are_refused(api: httpx.AsyncClient, settings: Settings) -> None:
    company = await company_with_task(api)
    base = f"/api/companies/{company}/tasks/ACME-1/attachments"
    big = await api.post(base, **upload("big.txt", b"x" * (MAX_BYTES + 1), "text/plain"))
    assert "PAPERCLIP_ATTACHMENTS_MAX_BYTES" in assert_error(big, 413, "too_large")["message"]
    huge = await api.post(base, **upload("huge.txt", b"x" * (MAX_BYTES + 200_000), "text/plain"))
    assert "larger than" in assert_error(huge, 413)["message"]  # refused before it is read
    refusals = [
        ("page.html", b"<!DOCTYPE html><script>alert(1)</script>", "text/html", "not attached"),
        ("page.txt", b"\xef\xbb\xbf  <html><body onload=x()>", "text/plain", "active content"),
        ("logo.svg", b'<svg xmlns="http://www.w3.org/2000/svg"/>', "image/svg+xml", "active content"),
        ("logo.png", b'<?xml version="1.0"?><svg/>', "image/png", "active content"),
        ("fake.png", b"GIF89a" + b"\0" * 40, "image/png", "declared image/png, but the content is image/gif"),
        ("blob.txt", b"\0\1\2\3", "text/plain", "not UTF-8 text"),
        ("tool.exe", b"MZ\x90\0", "application/x-msdownload", "not attached"),
    ]
    for name, data, declared, message in refusals:
        response = await api.post(base, **upload(name, data, declared))
        assert message in assert_error(response, 415, "unsupported_media_type")["message"], name
    assert_error(await api.post(base, **upload("empty.txt", b"", "text/plain")), 400)
    assert "part 'file'" in assert_error(await api.post(base, data={"nofile": "x"}), 400)["message"]
    missing = await api.post(
        f"/api/companies/{company}/tasks/ACME-99/attachments", **upload("a.txt", b"a", "text/plain")
    )
    assert_error(missing, 404, "not_found")
    # Unknown binary stays octet-stream; a known one declared as octet-stream takes its real type.
    blob = await ok(await api.post(base, **upload("a.bin", b"\0\1\2", "application/octet-stream")), 201)
    png = await ok(await api.post(base, **upload("a.bin", PNG, "application/octet-stream")), 201)
    assert (blob["content_type"], png["content_type"]) == ("application/octet-stream", "image/png")
    assert not (settings.home_dir / "attachments" / "big.txt").exists()
    assert len(list((settings.home_dir / "attachments").iterdir())) == 2  # nothing refused was kept


@pytest.fixture
async def people(api: httpx.AsyncClient) -> dict[str, str]:
    """Teams red and blue; alice operates red, vic views red, bob operates blue: their keys."""
    for team in ("red", "blue"):
        await ok(await api.post("/api/teams", json={"name": team}), 201)
    members = {"alice": ("red", "operator"), "vic": ("red", "viewer"), "bob": ("blue", "operator")}
    keys = {}
    for user, (team, role) in members.items():
        await ok(await api.put(f"/api/teams/{team}/members", json={"user": user, "role": role}))
        keys[user] = (await ok(await api.post("/api/tokens", json={"user": user, "label": "test"}), 201))["token"]
    return keys


async def test_attachments_are_404_to_another_team_and_under_another_company(
    api: httpx.AsyncClient, people: dict[str, str]
) -> None:
    alice, vic, bob = bearer(people["alice"]), bearer(people["vic"]), bearer(people["bob"])
    red = await company_with_task(api, team="red")
    blue = await company_with_task(api, team="blue")
    base = f"/api/companies/{red}/tasks/ACME-1/attachments"
    made = await ok(await api.post(base, **upload("plan.txt", b"the plan", "text/plain"), headers=alice), 201)
    assert made["uploaded_by"] == "alice"

    for method, path, extra in [
        ("GET", base, {}),
        ("GET", f"{base}/{made['id']}", {}),
        ("POST", base, upload("x.txt", b"x", "text/plain")),
        ("DELETE", f"{base}/{made['id']}", {}),
    ]:
        response = await api.request(method, path, headers=bob, **extra)
        assert f"company '{red}' not found" in assert_error(response, 404, "not_found")["message"], (method, path)
    # Bob's own company does not lend its path to red's attachment, nor does the board's call.
    for who in (bob, {}):
        response = await api.get(f"/api/companies/{blue}/tasks/ACME-1/attachments/{made['id']}", headers=who)
        assert_error(response, 404, "not_found")
    assert (await ok(await api.get(f"/api/companies/{blue}/tasks/ACME-1/attachments", headers=bob)))["count"] == 0

    # A viewer of red reads and downloads, but neither uploads nor deletes.
    assert (await ok(await api.get(base, headers=vic)))["count"] == 1
    assert (await api.get(f"{base}/{made['id']}", headers=vic)).content == b"the plan"
    assert_error(await api.post(base, headers=vic, **upload("x.txt", b"x", "text/plain")), 403, "forbidden")
    assert_error(await api.delete(f"{base}/{made['id']}", headers=vic), 403, "forbidden")
    assert (await api.get(f"{base}/{made['id']}", headers=alice)).content == b"the plan"


async def test_an_upload_repeated_with_its_idempotency_key_is_kept_once(api: httpx.AsyncClient) -> None:
    company = await company_with_task(api)
    base = f"/api/companies/{company}/tasks/ACME-1/attachments"
    headers = {"Idempotency-Key": "upload-1", "Content-Type": "multipart/form-data; boundary=fixed-boundary-1"}
    first = await ok(await api.post(base, headers=headers, **upload("a.txt", b"once", "text/plain")), 201)
    again = await api.post(base, headers=headers, **upload("a.txt", b"once", "text/plain"))
    assert again.status_code == 201 and again.headers["idempotent-replayed"] == "true" and again.json() == first
    other = await api.post(base, headers=headers, **upload("a.txt", b"twice", "text/plain"))
    assert_error(other, 422, "idempotency_key_reused")
    assert [a["id"] for a in (await ok(await api.get(base)))["data"]] == [first["id"]]


async def test_an_export_carries_the_files_and_an_import_keeps_them_under_new_ids(api: httpx.AsyncClient) -> None:
    company = await company_with_task(api)
    base = f"/api/companies/{company}/tasks/ACME-1/attachments"
    made = await ok(await api.post(base, **upload("chart.png", PNG, "image/png")), 201)
    await wait_for_task(api, company, "ACME-1", "done")
    doc = await ok(await api.get(f"/api/companies/{company}/export"))
    [exported] = doc["attachments"]
    assert exported["id"] == made["id"] and base64.b64decode(exported["content"]) == PNG

    tampered = {**doc, "attachments": [{**exported, "content": base64.b64encode(PNG[:-1] + b"!").decode()}]}
    copy = f"copy-{uuid.uuid4().hex[:10]}"
    refused = await api.post("/api/companies/import", params={"id": copy, "prefix": "BAD"}, json=tampered)
    assert "attachments[0]" in assert_error(refused, 400, "invalid_document")["message"]

    await ok(await api.post("/api/companies/import", params={"id": copy, "prefix": "COPY"}, json=doc), 201)
    [copied] = (await ok(await api.get(f"/api/companies/{copy}/tasks/COPY-1/attachments")))["data"]
    assert copied["id"] != made["id"] and copied["task"] == "COPY-1"
    assert {k: copied[k] for k in ("filename", "content_type", "sha256", "uploaded_by")} == {
        k: made[k] for k in ("filename", "content_type", "sha256", "uploaded_by")
    }
    got = await api.get(f"/api/companies/{copy}/tasks/COPY-1/attachments/{copied['id']}")
    assert got.content == PNG
    # The original's file is its own: deleting the copy leaves it.
    await ok(await api.delete(f"/api/companies/{copy}/tasks/COPY-1/attachments/{copied['id']}"), 204)
    assert (await api.get(f"{base}/{made['id']}")).content == PNG


async def test_a_task_token_attaches_to_and_reads_its_own_task_only(api: httpx.AsyncClient, settings: Settings) -> None:
    company = await company_with_task(api)
    await ok(await api.post(f"/api/companies/{company}/tasks", json={"title": "Other", "assignee": "cto"}), 201)
    signer = task_tokens(settings.home_dir, settings.secret_key)
    token = bearer(signer.mint(company_id=company, task="ACME-1", agent="ceo", ttl=timedelta(hours=1)))
    base = f"/api/companies/{company}/tasks/ACME-1/attachments"
    made = await ok(await api.post(base, headers=token, **upload("out.txt", b"done", "text/plain")), 201)
    assert made["uploaded_by"] == "ceo"
    assert (await ok(await api.get(base, headers=token)))["count"] == 1
    assert (await api.get(f"{base}/{made['id']}", headers=token)).content == b"done"
    assert_error(await api.delete(f"{base}/{made['id']}", headers=token), 403, "forbidden")
    other = f"/api/companies/{company}/tasks/ACME-2/attachments"
    assert_error(await api.post(other, headers=token, **upload("x.txt", b"x", "text/plain")), 403, "forbidden")
    assert_error(await api.get(other, headers=token), 403, "forbidden")
