"""Payload encryption is on in both compose files and deploy/kubernetes, its key a secret file:
the API and the workers find `PAPERCLIP_PAYLOAD_KEY` in PAPERCLIP_SECRETS_DIR (a compose secret
from `secrets/`, which git ignores; a file of the Kubernetes secret), never in their environment
nor in clear in the files. Then, with exactly those files mounted, what Paperclip writes into a
real Temporal server is ciphertext, and the API's codec endpoint (the Temporal Web UI's) opens it."""

import base64
import json
import os
import subprocess
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from google.protobuf.json_format import MessageToDict
from temporalio.api.common.v1 import Payloads
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from paperclip.codec import ENCODING
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.temporal import connect
from tests.api.conftest import board_headers, serve
from tests.deploy.files import CLUSTER, DEV, ROOT, load, mount_like_kubernetes
from tests.deploy.manifests import KUSTOMIZATION, named, pod, secret_files, secrets_dir

KEYS = ("PAPERCLIP_PAYLOAD_KEY", "PAPERCLIP_SECRET_KEY", "PAPERCLIP_BACKUP_KEY")
COMPOSE_SECRETS = "/run/secrets"
"""Where compose mounts a service's secrets (a short-syntax secret: /run/secrets/<name>)."""
SECRET = "Launch the Zephyr rocket by Friday"


def compose_secret_files(service: dict[str, Any]) -> list[str]:
    """The files a compose service finds in its PAPERCLIP_SECRETS_DIR, from its `secrets`."""
    assert service["environment"]["PAPERCLIP_SECRETS_DIR"] == COMPOSE_SECRETS
    return [s if isinstance(s, str) else s.get("target", s["source"]) for s in service.get("secrets", [])]


@pytest.mark.parametrize("path", [CLUSTER, DEV], ids=["cluster", "dev"])
def test_compose_gives_the_api_and_workers_the_payload_key_as_a_file_never_in_clear(path: Path) -> None:
    compose = load(path)
    for name in ("api", "worker"):
        service = compose["services"][name]
        assert "PAPERCLIP_PAYLOAD_KEY" in compose_secret_files(service), name
        assert not set(KEYS) & set(service["environment"]), name
    assert not any(key in path.read_text() for key in (f"${{{k}" for k in KEYS))  # not from .env either
    assert "PAPERCLIP_PAYLOAD_KEY" in compose["secrets"]
    for key, secret in compose["secrets"].items():
        source = Path(secret["file"])
        assert key in KEYS and source.parent == Path("secrets") and source.name == key
        ignored = subprocess.run(["git", "check-ignore", "-q", str(source)], cwd=ROOT, check=False)
        assert ignored.returncode == 0, f"{source} is not ignored by git"
    # The Temporal Web UI shows sealed payloads opened by the API's codec endpoint, and the API
    # lets that Web UI's origin call it.
    api = compose["services"]["api"]
    assert api["ports"] == ["127.0.0.1:${API_PORT:-8000}:8000"]
    if path == CLUSTER:
        ui = compose["services"]["temporal-ui"]["environment"]
        endpoint, origin = ui["TEMPORAL_CODEC_ENDPOINT"], ui["TEMPORAL_CORS_ORIGINS"]
    else:  # the dev server's own Web UI
        command = compose["services"]["temporal"]["command"]
        [endpoint] = [a.split("=", 1)[1] for a in command if a.startswith("--ui-codec-endpoint=")]
        origin = "http://localhost:${TEMPORAL_UI_PORT:-8233}"
        assert "127.0.0.1:${TEMPORAL_UI_PORT:-8233}:8233" in compose["services"]["temporal"]["ports"]
    assert endpoint == "http://localhost:${API_PORT:-8000}/api/codec"
    assert json.loads(api["environment"]["PAPERCLIP_CODEC_ORIGINS"]) == [origin]


def test_kubernetes_gives_the_api_and_workers_the_payload_key_as_a_file_never_in_clear() -> None:
    for name, kind in (("paperclip-api", "Deployment"), ("paperclip-worker", "StatefulSet")):
        workload = named(kind, name)
        container = pod(workload)["containers"][0]
        assert "PAPERCLIP_PAYLOAD_KEY" in secret_files(workload, container), name
        assert not {e["name"] for e in container.get("env", [])} & set(KEYS), name
    for path in KUSTOMIZATION.iterdir():
        assert "PAPERCLIP_PAYLOAD_KEY=" not in path.read_text(), path  # no value in the repository


def key() -> str:
    """A key as the documented command makes one: `openssl rand -base64 32`, with its newline."""
    return base64.b64encode(os.urandom(32)).decode() + "\n"


def compose_mount(path: Path) -> Any:
    """The worker's secrets as the compose file `path` mounts them: one file a secret."""

    def mount(folder: Path) -> Path:
        folder.mkdir()
        for name in compose_secret_files(load(path)["services"]["worker"]):
            (folder / name).write_text(key())
        return folder

    return mount


def kubernetes_mount(folder: Path) -> Path:
    """The worker's secrets as the kubelet mounts them (the database's URL left to the test)."""
    workload = named("StatefulSet", "paperclip-worker")
    files = [f for f in secret_files(workload, pod(workload)["containers"][0]) if f != "PAPERCLIP_DATABASE_URL"]
    assert secrets_dir() == "/run/secrets/paperclip"
    return mount_like_kubernetes(folder, {name: key() for name in files})


@pytest.mark.parametrize(
    "mount",
    [compose_mount(CLUSTER), compose_mount(DEV), kubernetes_mount],
    ids=["compose", "compose-dev", "kubernetes"],
)
async def test_with_the_mounted_key_temporal_holds_ciphertext_that_the_codec_endpoint_opens(
    mount: Any, dev_env: WorkflowEnvironment, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    for name in [n for n in os.environ if n.startswith("PAPERCLIP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PAPERCLIP_ENV_FILE", "")  # nor a `.env` file's
    monkeypatch.setenv("PAPERCLIP_SECRETS_DIR", str(mount(tmp_path / "secrets")))
    address = dev_env.client.service_client.config.target_host
    settings = Settings(home=tmp_path / "home", temporal_address=address, auth="required")
    assert settings.payload_key  # read from the file, not the environment
    client = await connect(settings)
    handle = await client.start_workflow(
        "NoSuchWorkflow", {"brief": SECRET}, id=f"sealed-{uuid.uuid4().hex}", task_queue=f"nobody-{uuid.uuid4().hex}"
    )
    try:
        raw = await Client.connect(address)  # as the server, its database and a Web UI without the codec see it
        history = await raw.get_workflow_handle(handle.id).fetch_history()
        started = history.events[0].workflow_execution_started_event_attributes.input
        assert [p.metadata["encoding"] for p in started.payloads] == [ENCODING]
        assert not any(SECRET.encode() in event.SerializeToString() for event in history.events)

        store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
        store.migrate()
        app = create_app(settings, client=client, store=store, task_queue="unused")
        async with serve(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=30) as api:
            wire = MessageToDict(Payloads(payloads=list(started.payloads)))
            assert (await api.post("/api/codec/decode", json=wire)).status_code == 401  # auth required
            opened = await api.post("/api/codec/decode", json=wire, headers=board_headers(settings))
        store.dispose()
        assert opened.status_code == 200, opened.text
        assert SECRET.encode() in base64.b64decode(opened.json()["payloads"][0]["data"])
    finally:
        await handle.terminate()
