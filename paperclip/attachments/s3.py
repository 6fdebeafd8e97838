"""Attachments in an S3-compatible bucket (AWS S3, MinIO, Ceph, R2...), through boto3.

The keys are read from a secret file (`PAPERCLIP_ATTACHMENTS_S3_CREDENTIALS_FILE`: JSON
`{"access_key_id": …, "secret_access_key": …}`, e.g. a mounted Kubernetes secret), never from
the environment boto3 would otherwise search, and go only to the configured endpoint: no
other process setting can send them elsewhere. They are never logged nor shown (`repr`).
"""

import json
from pathlib import Path
from typing import Any

from pydantic import BaseModel, SecretStr, ValidationError

from paperclip.attachments.storage import StorageError, checked_id

PREFIX = "attachments/"
"""Where in the bucket the objects are: `attachments/<id>`."""


class S3Keys(BaseModel):
    access_key_id: str
    secret_access_key: SecretStr


def read_keys(path: Path) -> S3Keys:
    """The keys in `path`.

    Raises:
        StorageError: missing or not the expected JSON (the message names the file, not its content).
    """
    try:
        return S3Keys.model_validate(json.loads(path.read_text()))
    except (OSError, ValueError, ValidationError):
        raise StorageError(
            f"{path} (PAPERCLIP_ATTACHMENTS_S3_CREDENTIALS_FILE) must hold JSON with access_key_id and "
            "secret_access_key"
        ) from None


class S3Storage:
    """Objects `attachments/<id>` of one bucket of one endpoint."""

    name = "s3"

    def __init__(self, *, bucket: str, endpoint_url: str | None, region: str, keys: S3Keys) -> None:
        try:
            import boto3
            from botocore.config import Config
        except ImportError:
            raise StorageError("the s3 attachments backend needs boto3: pip install 'paperclip-temporal[s3]'") from None
        self.bucket = bucket
        self.endpoint_url = endpoint_url
        self._client: Any = boto3.session.Session().client(
            "s3",
            endpoint_url=endpoint_url,
            region_name=region,
            aws_access_key_id=keys.access_key_id,
            aws_secret_access_key=keys.secret_access_key.get_secret_value(),
            config=Config(retries={"max_attempts": 3, "mode": "standard"}, connect_timeout=5, read_timeout=30),
        )

    def __repr__(self) -> str:
        return f"S3Storage(bucket={self.bucket!r}, endpoint_url={self.endpoint_url!r})"

    def _fail(self, what: str, attachment_id: str, err: Exception) -> StorageError:
        code = getattr(err, "response", {}).get("Error", {}).get("Code", type(err).__name__)
        return StorageError(f"could not {what} attachment {attachment_id} in bucket {self.bucket}: {code}")

    def put(self, attachment_id: str, data: bytes) -> None:
        key = PREFIX + checked_id(attachment_id)
        try:
            self._client.put_object(Bucket=self.bucket, Key=key, Body=data)
        except Exception as err:  # botocore's errors have no common base worth naming
            raise self._fail("store", attachment_id, err) from None

    def get(self, attachment_id: str) -> bytes:
        key = PREFIX + checked_id(attachment_id)
        try:
            body: bytes = self._client.get_object(Bucket=self.bucket, Key=key)["Body"].read()
        except Exception as err:
            raise self._fail("read", attachment_id, err) from None
        return body

    def delete(self, attachment_id: str) -> None:
        key = PREFIX + checked_id(attachment_id)
        try:
            self._client.delete_object(Bucket=self.bucket, Key=key)
        except Exception as err:
            raise self._fail("remove", attachment_id, err) from None
