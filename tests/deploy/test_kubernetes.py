"""deploy/kubernetes: rendered as kustomize would (`tests.deploy.kustomize`), every object valid by
Kubernetes' own schemas (`kubernetes-validate`, strict: no unknown field) for the oldest version
whose fields it uses and the newest it knows, and the rules a cluster teaches: liveness by TCP,
resource requests, fsGroup for mounted volumes, Recreate for a Deployment on a ReadWriteOnce
volume, optional secrets marked so, a disruption budget, workers as a StatefulSet with a volume
each and time to drain; and every variable given to our containers is one of our settings."""

from collections.abc import Iterator
from functools import cache
from typing import Any

import kubernetes_validate
import pytest

from tests.deploy.files import PAPERCLIP_IMAGE, ROOT, not_settings
from tests.deploy.kustomize import render

KUSTOMIZATION = ROOT / "deploy" / "kubernetes"
VERSIONS = ["1.30.0", kubernetes_validate.latest_version()]
"""1.30: the first with `appArmorProfile` in a security context."""
HOME = "/var/lib/paperclip"  # the image's PAPERCLIP_HOME (Dockerfile)
UID = 10001  # the image's USER


@cache
def rendered() -> tuple[dict[str, Any], ...]:
    return tuple(render(KUSTOMIZATION))


def objects(kind: str) -> list[dict[str, Any]]:
    return [o for o in rendered() if o["kind"] == kind]


def workloads() -> list[dict[str, Any]]:
    return [o for o in rendered() if o["kind"] in ("Deployment", "StatefulSet", "Job")]


def ours() -> Iterator[tuple[dict[str, Any], dict[str, Any]]]:
    """(workload, container) for each container running our image."""
    for workload in workloads():
        for container in workload["spec"]["template"]["spec"]["containers"]:
            if PAPERCLIP_IMAGE.match(container["image"]):
                yield workload, container


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = workload["spec"]["template"].get("metadata", {}).get("labels", {})
    return labels


def named(kind: str, name: str) -> dict[str, Any]:
    [found] = [o for o in objects(kind) if o["metadata"]["name"] == name]
    return found


@pytest.mark.parametrize("version", VERSIONS)
def test_every_object_is_valid_by_the_kubernetes_schemas(version: str) -> None:
    kinds = sorted({o["kind"] for o in rendered()})
    assert kinds == ["ConfigMap", "Deployment", "Job", "PodDisruptionBudget", "Service", "StatefulSet"]
    for obj in rendered():
        kubernetes_validate.validate(obj, version, strict=True)


def test_the_validator_refuses_a_field_kubernetes_does_not_know() -> None:
    worker = dict(named("StatefulSet", "paperclip-worker"))
    worker["spec"] = {**worker["spec"], "strategy": {"type": "Recreate"}}  # a Deployment's, not a StatefulSet's
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(worker, VERSIONS[-1], strict=True)


def config_map(name: str) -> dict[str, str]:
    [found] = [o for o in objects("ConfigMap") if o["metadata"]["name"].startswith(f"{name}-")]
    data: dict[str, str] = found["data"]
    return data


def secrets_dir() -> str:
    return config_map("paperclip-config")["PAPERCLIP_SECRETS_DIR"]


def test_our_containers_are_given_only_our_settings_and_secrets_as_files() -> None:
    assert not_settings(config_map("paperclip-config")) == []
    seen = set()
    for workload, container in ours():
        seen.add(workload["metadata"]["name"])
        assert not_settings(e["name"] for e in container.get("env", [])) == [], workload["metadata"]["name"]
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                assert source["configMapRef"]["name"].startswith("paperclip-config-")
            else:  # provider keys: read from the environment by design, and may be absent
                assert source["secretRef"] == {"name": "paperclip-provider-keys", "optional": True}
    assert seen == {"paperclip-api", "paperclip-dashboard", "paperclip-worker"}
    for name, kind in (("paperclip-api", "Deployment"), ("paperclip-worker", "StatefulSet")):
        pod = named(kind, name)["spec"]["template"]["spec"]
        [mount] = [m for m in pod["containers"][0]["volumeMounts"] if m["mountPath"] == secrets_dir()]
        assert mount["readOnly"] is True
        [volume] = [v for v in pod["volumes"] if v["name"] == mount["name"]]
        files = [item["path"] for item in volume["secret"]["items"]]
        assert not_settings(files) == [] and "PAPERCLIP_SECRET_KEY" in files and "PAPERCLIP_DATABASE_URL" in files


def test_every_api_replica_has_the_same_board_token_from_the_secret() -> None:
    pod = named("Deployment", "paperclip-api")["spec"]["template"]["spec"]
    [mount] = [m for m in pod["containers"][0]["volumeMounts"] if m["mountPath"] == f"{HOME}/board.token"]
    assert mount["subPath"] == "board.token" and mount["readOnly"] is True
    [volume] = [v for v in pod["volumes"] if v["name"] == mount["name"]]
    assert volume["secret"]["secretName"] == "paperclip-secrets" and "optional" not in volume["secret"]


def test_liveness_is_probed_by_tcp_and_every_container_requests_resources() -> None:
    for workload in workloads():
        for container in workload["spec"]["template"]["spec"]["containers"]:
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), container["name"]
            if "livenessProbe" in container:
                assert "tcpSocket" in container["livenessProbe"], container["name"]
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
    for workload, _ in ours():
        pod = workload["spec"]["template"]["spec"]
        assert pod["securityContext"]["runAsNonRoot"] is True and pod["securityContext"]["runAsUser"] == UID


def test_mounted_volumes_get_fs_group_and_a_deployment_on_one_volume_is_recreated() -> None:
    for workload in workloads():
        pod = workload["spec"]["template"]["spec"]
        claims = workload["spec"].get("volumeClaimTemplates", [])
        writable = [v for v in pod.get("volumes", []) if "secret" not in v] + claims
        if writable:
            assert pod["securityContext"]["fsGroup"] == UID, workload["metadata"]["name"]
        if workload["kind"] == "Deployment" and any("persistentVolumeClaim" in v for v in pod.get("volumes", [])):
            assert workload["spec"]["strategy"]["type"] == "Recreate", workload["metadata"]["name"]


def test_workers_hold_their_workspaces_each_on_its_own_volume_and_drain_before_they_are_killed() -> None:
    worker = named("StatefulSet", "paperclip-worker")
    [claim] = worker["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    pod = worker["spec"]["template"]["spec"]
    [container] = pod["containers"]
    assert {"name": claim["metadata"]["name"], "mountPath": HOME} in container["volumeMounts"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert pod["terminationGracePeriodSeconds"] > float(env["PAPERCLIP_WORKER_SHUTDOWN_SECONDS"]) > 0
    assert container["args"] == ["worker"]
    assert worker["spec"]["serviceName"] == named("Service", "paperclip-worker")["metadata"]["name"]


def test_each_disruption_budget_covers_a_workload() -> None:
    budgets = objects("PodDisruptionBudget")
    assert {b["metadata"]["name"] for b in budgets} == {"paperclip-api", "paperclip-worker"}
    for budget in budgets:
        selector = budget["spec"]["selector"]["matchLabels"]
        covered = [w for w in workloads() if selector.items() <= pod_labels(w).items()]
        assert len(covered) == 1, budget["metadata"]["name"]


def test_services_reach_their_pods_by_named_ports() -> None:
    for service in objects("Service"):
        selector = service["spec"]["selector"]
        [workload] = [w for w in workloads() if selector.items() <= pod_labels(w).items()]
        ports = {p["name"] for c in workload["spec"]["template"]["spec"]["containers"] for p in c.get("ports", [])}
        assert {p["targetPort"] for p in service["spec"].get("ports", [])} <= ports
