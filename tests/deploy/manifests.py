"""deploy/kubernetes as the tests read it: rendered as kustomize would (`tests.deploy.kustomize`),
and the ways into what was rendered (workloads of every kind, their pods, our containers, the
ConfigMap, the secret files a pod mounts)."""

from collections.abc import Iterator
from functools import cache
from typing import Any

from tests.deploy.files import PAPERCLIP_IMAGE, ROOT
from tests.deploy.kustomize import render

KUSTOMIZATION = ROOT / "deploy" / "kubernetes"
WORKLOADS = ("Deployment", "StatefulSet", "Job", "CronJob")


@cache
def rendered() -> tuple[dict[str, Any], ...]:
    return tuple(render(KUSTOMIZATION))


def objects(kind: str) -> list[dict[str, Any]]:
    return [o for o in rendered() if o["kind"] == kind]


def named(kind: str, name: str) -> dict[str, Any]:
    [found] = [o for o in objects(kind) if o["metadata"]["name"] == name]
    return found


def workloads() -> list[dict[str, Any]]:
    return [o for o in rendered() if o["kind"] in WORKLOADS]


def template(workload: dict[str, Any]) -> dict[str, Any]:
    """The pod template of a workload (a CronJob's is inside its job template)."""
    spec = workload["spec"]["jobTemplate"]["spec"] if workload["kind"] == "CronJob" else workload["spec"]
    found: dict[str, Any] = spec["template"]
    return found


def pod(workload: dict[str, Any]) -> dict[str, Any]:
    found: dict[str, Any] = template(workload)["spec"]
    return found


def containers(workload: dict[str, Any]) -> list[dict[str, Any]]:
    """Its init containers, then its containers."""
    spec = pod(workload)
    return [*spec.get("initContainers", []), *spec["containers"]]


def ours() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(workload, container) for each container, init containers too, running our image."""
    for workload in workloads():
        for container in containers(workload):
            if PAPERCLIP_IMAGE.match(container["image"]):
                yield workload, container


def config_map(name: str) -> dict[str, str]:
    [found] = [o for o in objects("ConfigMap") if o["metadata"]["name"].startswith(f"{name}-")]
    data: dict[str, str] = found["data"]
    return data


def secrets_dir() -> str:
    return config_map("paperclip-config")["PAPERCLIP_SECRETS_DIR"]


def env(container: dict[str, Any]) -> dict[str, str | None]:
    """The container's own `env` values (not what `envFrom` adds); None for one `valueFrom` gives."""
    return {e["name"]: e.get("value") for e in container.get("env", [])}


def secret_files(workload: dict[str, Any], container: dict[str, Any]) -> list[str]:
    """The files of `paperclip-secrets` the container finds in PAPERCLIP_SECRETS_DIR (mounted
    read-only there), or [] when it mounts none."""
    mounts = [m for m in container.get("volumeMounts", []) if m["mountPath"] == secrets_dir()]
    if not mounts:
        return []
    [mount] = mounts
    assert mount["readOnly"] is True
    [volume] = [v for v in pod(workload)["volumes"] if v["name"] == mount["name"]]
    assert volume["secret"]["secretName"] == "paperclip-secrets"
    assert all(item["key"] == item["path"] for item in volume["secret"]["items"])
    return [item["path"] for item in volume["secret"]["items"]]
