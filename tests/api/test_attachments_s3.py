"""The API with the `s3` attachments backend, over real HTTP, against moto's real S3 server in its
own process: the bytes go to the bucket under the opaque id, come back as a download, and go."""

import json
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.settings import Settings
from tests.api.conftest import assert_error
from tests.api.helpers import create_company
from tests.fakes.s3_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY, S3ServerProcess


@pytest.fixture
def s3(tmp_path: Path) -> Iterator[S3ServerProcess]:
    with S3ServerProcess(tmp_path / "s3.log") as server:
        server.client().create_bucket(Bucket="paperclip")
        yield server


@pytest.fixture
def settings(tmp_path: Path, dev_env: WorkflowEnvironment, s3: S3ServerProcess) -> Settings:
    keys = tmp_path / "s3-keys.json"
    keys.write_text(json.dumps({"access_key_id": ACCESS_KEY_ID, "secret_access_key": SECRET_ACCESS_KEY}))
    return Settings(
        home=tmp_path / "home",
        temporal_address=dev_env.client.service_client.config.target_host,
        attachments_backend="s3",
        attachments_s3_bucket="paperclip",
        attachments_s3_endpoint_url=s3.endpoint_url,
        attachments_s3_credentials_file=keys,
    )


async def test_attachments_live_in_the_bucket(api: httpx.AsyncClient, s3: S3ServerProcess, settings: Settings) -> None:
    company = (await create_company(api))["id"]
    assert (
        await api.post(f"/api/companies/{company}/tasks", json={"title": "x", "assignee": "ceo"})
    ).status_code == 201
    base = f"/api/companies/{company}/tasks/ACME-1/attachments"
    made = await api.post(base, files={"file": ("../../data.csv", b"a,b\n1,2\n", "text/csv")})
    assert made.status_code == 201, made.text
    attachment_id = made.json()["id"]
    objects = s3.client().list_objects_v2(Bucket="paperclip")["Contents"]
    assert [o["Key"] for o in objects] == [f"attachments/{attachment_id}"]
    got = await api.get(f"{base}/{attachment_id}")
    assert got.content == b"a,b\n1,2\n" and got.headers["content-disposition"].startswith(
        'attachment; filename="data.csv"'
    )
    assert not (settings.home_dir / "attachments").exists()
    assert (await api.delete(f"{base}/{attachment_id}")).status_code == 204
    assert s3.client().list_objects_v2(Bucket="paperclip").get("Contents", []) == []
    assert_error(await api.get(f"{base}/{attachment_id}"), 404, "not_found")
    assert {key for *_, key in s3.requests()} <= {ACCESS_KEY_ID, "-"}
