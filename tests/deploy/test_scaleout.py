"""What lets the API and the workers run as many copies as the work needs: one API process a
container (each counts its own metrics, so Prometheus scrapes every one), attachments kept where
every API process and worker reaches them, and a health check on every worker that says what it
can honestly say. Each value the files give is read back through `Settings`."""

import os
from pathlib import Path
from typing import Any

import pytest

from paperclip.settings import Settings
from tests.deploy.files import CLUSTER, DEV, load
from tests.deploy.manifests import config_map, env, named, pod


def read(monkeypatch: pytest.MonkeyPatch, values: dict[str, Any]) -> Settings:
    """Settings as a process given exactly `values` (and no other PAPERCLIP_ variable) reads them."""
    for name in [n for n in os.environ if n.startswith("PAPERCLIP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PAPERCLIP_ENV_FILE", "")  # nor a `.env` file's
    for name, value in values.items():
        monkeypatch.setenv(name, str(value))
    return Settings()


def kubernetes_api() -> dict[str, Any]:
    [container] = pod(named("Deployment", "paperclip-api"))["containers"]
    return container


# ---------------------------------------------------------------- one API process a container


@pytest.mark.parametrize("path", [CLUSTER, DEV], ids=["cluster", "dev"])
def test_each_compose_api_container_runs_one_process(path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    environment = load(path)["services"]["api"]["environment"]
    assert "PAPERCLIP_API_WORKERS" not in environment  # nor passed through from `.env`
    assert read(monkeypatch, {k: v for k, v in environment.items() if k != "PAPERCLIP_SECRETS_DIR"}).api_workers == 1


def test_each_kubernetes_api_pod_runs_one_process_and_the_deployment_scales_by_replicas(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    given = config_map("paperclip-config") | {k: v for k, v in env(kubernetes_api()).items() if v is not None}
    assert "PAPERCLIP_API_WORKERS" not in given
    given.pop("PAPERCLIP_SECRETS_DIR")  # a folder of the pod's
    assert read(monkeypatch, given).api_workers == 1
    assert named("Deployment", "paperclip-api")["spec"]["replicas"] >= 2
