"""What lets the API and the workers run as many copies as the work needs: one API process a
container (each counts its own metrics, so Prometheus scrapes every one), attachments kept where
every API process and worker reaches them, and a health check on every worker that says what it
can honestly say. Each value the files give is read back through `Settings`."""

import json
import os
import re
from pathlib import Path
from typing import Any

import pytest

from paperclip.attachments import StorageError, new_id, open_storage
from paperclip.settings import Settings
from tests.deploy.files import CLUSTER, DEV, ROOT, load, mount_like_kubernetes
from tests.deploy.manifests import config_map, env, named, pod
from tests.fakes.s3_server import ACCESS_KEY_ID, SECRET_ACCESS_KEY, S3ServerProcess


def read(monkeypatch: pytest.MonkeyPatch, values: dict[str, Any]) -> Settings:
    """Settings as a process given exactly `values` (and no other PAPERCLIP_ variable) reads them;
    but for the secrets' folder, which is the container's (its files are `test_codec_on`'s), and
    a variable passed through from the shell (None), which the files leave unset."""
    for name in [n for n in os.environ if n.startswith("PAPERCLIP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PAPERCLIP_ENV_FILE", "")  # nor a `.env` file's
    for name, value in values.items():
        if name != "PAPERCLIP_SECRETS_DIR" and value is not None:
            monkeypatch.setenv(name, interpolated(str(value)))
    return Settings()


def interpolated(value: str) -> str:
    """A compose value as compose gives it with an empty `.env`: `${X:-default}` its default,
    `${X:?message}` (a required password) a stand-in, `${X}` nothing."""
    value = re.sub(r"\$\{[A-Z0-9_]+:-([^}]*)\}", r"\1", value)
    value = re.sub(r"\$\{[A-Z0-9_]+:\?[^}]*\}", "secret", value)
    return re.sub(r"\$\{[A-Z0-9_]+\}", "", value)


def kubernetes_api() -> dict[str, Any]:
    [container] = pod(named("Deployment", "paperclip-api"))["containers"]
    return container


# ---------------------------------------------------------------- one API process a container


@pytest.mark.parametrize("path", [CLUSTER, DEV], ids=["cluster", "dev"])
def test_each_compose_api_container_runs_one_process(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    environment = load(path)["services"]["api"]["environment"]
    assert "PAPERCLIP_API_WORKERS" not in environment  # nor passed through from `.env`
    assert read(monkeypatch, environment).api_workers == 1


def test_each_kubernetes_api_pod_runs_one_process_and_the_deployment_scales_by_replicas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    given = config_map("paperclip-config") | env(kubernetes_api())
    assert "PAPERCLIP_API_WORKERS" not in given
    assert read(monkeypatch, given).api_workers == 1
    assert named("Deployment", "paperclip-api")["spec"]["replicas"] >= 2


# ---------------------------------------------------------------- attachments


def attachment_settings(monkeypatch: pytest.MonkeyPatch, container: dict[str, Any]) -> Settings:
    """What the container reads of the attachments' settings: its config maps' and its own `env`."""
    given: dict[str, str] = {}
    for source in container.get("envFrom", []):
        if "configMapRef" in source:
            name = source["configMapRef"]["name"].rsplit("-", 1)[0]  # without kustomize's hash
            given |= config_map(name)
    given |= {k: v for k, v in env(container).items() if v is not None}
    return read(monkeypatch, {k: v for k, v in given.items() if k.startswith("PAPERCLIP_ATTACHMENTS_")})


@pytest.mark.parametrize(("kind", "name"), [("Deployment", "paperclip-api"), ("StatefulSet", "paperclip-worker")])
def test_every_kubernetes_api_and_worker_keeps_attachments_in_one_s3_bucket_with_its_keys_as_a_file(
    kind: str, name: str, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two API replicas with a home each (and workers, whose `attach_file` keeps files too) must
    share one store of bytes, or a file uploaded through one is not served by the other."""
    workload = named(kind, name)
    assert workload["spec"]["replicas"] >= 2
    [container] = pod(workload)["containers"]
    settings = attachment_settings(monkeypatch, container)
    assert settings.attachments_backend == "s3"
    assert settings.attachments_s3_bucket and settings.attachments_s3_region
    credentials = settings.attachments_s3_credentials_file
    assert credentials is not None
    # The credentials file is a key of a secret, mounted read-only where the setting says.
    [mount] = [m for m in container["volumeMounts"] if credentials.parent == Path(m["mountPath"])]
    assert mount["readOnly"] is True
    [volume] = [v for v in pod(workload)["volumes"] if v["name"] == mount["name"]]
    secret = volume["secret"]
    assert secret["secretName"] == "paperclip-attachments-s3"
    assert "optional" not in secret  # without the keys no attachment is kept or served: the pod waits
    assert {"key": credentials.name, "path": credentials.name} in secret["items"]


def test_kubernetes_gives_every_api_and_worker_the_same_bucket(monkeypatch: pytest.MonkeyPatch) -> None:
    seen = []
    for kind, name in (("Deployment", "paperclip-api"), ("StatefulSet", "paperclip-worker")):
        [container] = pod(named(kind, name))["containers"]
        settings = attachment_settings(monkeypatch, container)
        seen.append(
            (settings.attachments_s3_bucket, settings.attachments_s3_endpoint_url, settings.attachments_s3_region)
        )
    assert seen[0] == seen[1]


def test_what_one_kubernetes_replica_keeps_another_serves(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    """The API's and the worker's attachment settings, their keys mounted as the kubelet mounts the
    secret and a real S3 server (moto's) as the bucket's endpoint: bytes kept through one replica's
    storage (an upload, or a worker's `attach_file`) come back through another's, whose home is
    another folder, and are gone for both once removed."""
    credentials = json.dumps({"access_key_id": ACCESS_KEY_ID, "secret_access_key": SECRET_ACCESS_KEY})
    replicas, buckets = [], set()
    with S3ServerProcess(tmp_path / "s3.log") as server:
        for index, (kind, name) in enumerate(
            (("Deployment", "paperclip-api"), ("Deployment", "paperclip-api"), ("StatefulSet", "paperclip-worker"))
        ):
            [container] = pod(named(kind, name))["containers"]
            given = attachment_settings(monkeypatch, container)
            assert given.attachments_s3_credentials_file is not None
            mounted = mount_like_kubernetes(
                tmp_path / f"s3-keys-{index}", {given.attachments_s3_credentials_file.name: credentials}
            )
            settings = given.model_copy(
                update={
                    "home": tmp_path / f"home-{index}",  # an emptyDir, or the worker's own volume
                    "attachments_s3_endpoint_url": server.endpoint_url,  # the operator's, for MinIO & co.
                    "attachments_s3_credentials_file": mounted / given.attachments_s3_credentials_file.name,
                }
            )
            replicas.append(open_storage(settings))
            buckets.add(settings.attachments_s3_bucket)
        [bucket] = buckets
        server.client().create_bucket(Bucket=bucket)
        kept_by_api, kept_by_worker = new_id(), new_id()
        replicas[0].put(kept_by_api, b"uploaded through one API replica")
        replicas[2].put(kept_by_worker, b"attached by a worker")
        assert replicas[1].get(kept_by_api) == b"uploaded through one API replica"
        assert replicas[1].get(kept_by_worker) == b"attached by a worker"
        replicas[1].delete(kept_by_api)
        with pytest.raises(StorageError):
            replicas[0].get(kept_by_api)
        assert {key for *_, key in server.requests()} <= {ACCESS_KEY_ID, "-"}
    assert not any((tmp_path / f"home-{index}").exists() for index in range(3))  # nothing on a pod's disk


def test_compose_keeps_attachments_on_named_volumes_the_api_and_every_worker_share(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """One API container, its home a named volume (it outlives the container); the workers, each
    with a home of its own, mount the same attachments volume there, so what `attach_file` keeps
    on any of them the API serves. The disk backend, then: no bucket to set up."""
    compose = load(CLUSTER)
    services = compose["services"]
    home = "/var/lib/paperclip"  # the image's PAPERCLIP_HOME (Dockerfile)
    attachments = f"{home}/attachments"  # the disk backend's folder: $PAPERCLIP_HOME/attachments
    api = services["api"]
    assert read(monkeypatch, api["environment"]).attachments_backend == "disk"
    mounts = {v.split(":")[1]: v.split(":")[0] for v in api["volumes"] if ":" in v}
    assert mounts[home] in compose["volumes"]  # named, not anonymous: kept across `up`
    shared = mounts[attachments]
    assert shared in compose["volumes"]
    worker = services["worker"]
    assert read(monkeypatch, worker["environment"]).attachments_backend == "disk"
    assert f"{shared}:{attachments}" in worker["volumes"]
    assert home in worker["volumes"]  # each worker's own home (anonymous), the attachments mounted in it
    dockerfile = (ROOT / "Dockerfile").read_text()
    assert f"PAPERCLIP_HOME={home}" in dockerfile
    # A fresh volume takes its owner from the image's folder: the image's user must own it.
    assert re.search(rf"install -d -o 10001 -g 10001 -m 0700 [^\n&]*{re.escape(attachments)}\b", dockerfile)


def test_the_dev_compose_file_shares_one_home_and_so_its_attachments(monkeypatch: pytest.MonkeyPatch) -> None:
    services = load(DEV)["services"]
    for name in ("api", "worker"):
        assert read(monkeypatch, services[name]["environment"]).attachments_backend == "disk"
        assert "paperclip-home:/var/lib/paperclip" in services[name]["volumes"]
