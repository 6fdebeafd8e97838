"""deploy/kubernetes: rendered as kustomize would (`tests.deploy.kustomize`), every object valid by
Kubernetes' own schemas (`kubernetes-validate`, strict: no unknown field) for the oldest version
whose fields it uses and the newest it knows, and the rules a cluster teaches: liveness by TCP,
resource requests, fsGroup for mounted volumes, Recreate for a Deployment on a ReadWriteOnce
volume, optional secrets marked so, a disruption budget, workers as a StatefulSet with a volume
each and time to drain; and every variable given to our containers is one of our settings."""

from typing import Any

import kubernetes_validate
import pytest

from tests.deploy.files import not_settings
from tests.deploy.manifests import (
    config_map,
    containers,
    named,
    objects,
    ours,
    pod,
    rendered,
    secret_files,
    template,
    workloads,
)

VERSIONS = ["1.30.0", kubernetes_validate.latest_version()]
"""1.30: the first with `appArmorProfile` in a security context."""
HOME = "/var/lib/paperclip"  # the image's PAPERCLIP_HOME (Dockerfile)
UID = 10001  # the image's USER


def pod_labels(workload: dict[str, Any]) -> dict[str, str]:
    labels: dict[str, str] = template(workload).get("metadata", {}).get("labels", {})
    return labels


@pytest.mark.parametrize("version", VERSIONS)
def test_every_object_is_valid_by_the_kubernetes_schemas(version: str) -> None:
    kinds = sorted({o["kind"] for o in rendered()})
    assert kinds == [
        "ConfigMap", "CronJob", "Deployment", "Job", "PersistentVolumeClaim", "PodDisruptionBudget", "Service",
        "StatefulSet",
    ]  # fmt: skip
    for obj in rendered():
        kubernetes_validate.validate(obj, version, strict=True)


def test_the_validator_refuses_a_field_kubernetes_does_not_know() -> None:
    worker = dict(named("StatefulSet", "paperclip-worker"))
    worker["spec"] = {**worker["spec"], "strategy": {"type": "Recreate"}}  # a Deployment's, not a StatefulSet's
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(worker, VERSIONS[-1], strict=True)


def test_our_containers_are_given_only_our_settings_and_secrets_as_files() -> None:
    assert not_settings(config_map("paperclip-config")) == []
    assert not_settings(config_map("paperclip-attachments")) == []
    seen = set()
    for workload, container in ours():
        seen.add(workload["metadata"]["name"])
        assert not_settings(e["name"] for e in container.get("env", [])) == [], workload["metadata"]["name"]
        for source in container.get("envFrom", []):
            if "configMapRef" in source:
                assert source["configMapRef"]["name"].startswith(("paperclip-config-", "paperclip-attachments-"))
            else:  # provider keys: read from the environment by design, and may be absent
                assert source["secretRef"] == {"name": "paperclip-provider-keys", "optional": True}
    assert seen == {"paperclip-api", "paperclip-dashboard", "paperclip-worker", "paperclip-migrate", "paperclip-backup"}
    for workload, container in ours():
        files = secret_files(workload, container)
        assert not_settings(files) == [], workload["metadata"]["name"]
        if workload["metadata"]["name"] != "paperclip-dashboard":  # it talks to the API only
            assert "PAPERCLIP_DATABASE_URL" in files, workload["metadata"]["name"]
    for name, kind in (("paperclip-api", "Deployment"), ("paperclip-worker", "StatefulSet")):
        workload = named(kind, name)
        assert "PAPERCLIP_SECRET_KEY" in secret_files(workload, pod(workload)["containers"][0])


def test_every_api_replica_has_the_same_board_token_from_the_secret() -> None:
    spec = pod(named("Deployment", "paperclip-api"))
    [mount] = [m for m in spec["containers"][0]["volumeMounts"] if m["mountPath"] == f"{HOME}/board.token"]
    assert mount["subPath"] == "board.token" and mount["readOnly"] is True
    [volume] = [v for v in spec["volumes"] if v["name"] == mount["name"]]
    assert volume["secret"]["secretName"] == "paperclip-secrets" and "optional" not in volume["secret"]


def test_liveness_is_probed_by_tcp_and_every_container_requests_resources() -> None:
    for workload in workloads():
        for container in containers(workload):
            assert {"cpu", "memory"} <= set(container["resources"]["requests"]), container["name"]
            if "livenessProbe" in container:
                assert "tcpSocket" in container["livenessProbe"], container["name"]
            assert container["securityContext"]["allowPrivilegeEscalation"] is False
    for workload, _ in ours():
        context = pod(workload)["securityContext"]
        assert context["runAsNonRoot"] is True and context["runAsUser"] == UID


def test_mounted_volumes_get_fs_group_and_a_deployment_on_one_volume_is_recreated() -> None:
    for workload in workloads():
        spec = pod(workload)
        claims = workload["spec"].get("volumeClaimTemplates", [])
        writable = [v for v in spec.get("volumes", []) if "secret" not in v] + claims
        if writable:
            assert spec["securityContext"]["fsGroup"] == UID, workload["metadata"]["name"]
        for volume in spec.get("volumes", []):
            if "persistentVolumeClaim" in volume:  # a claim the kustomization makes
                named("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
        if workload["kind"] == "Deployment" and any("persistentVolumeClaim" in v for v in spec.get("volumes", [])):
            assert workload["spec"]["strategy"]["type"] == "Recreate", workload["metadata"]["name"]


def test_workers_hold_their_workspaces_each_on_its_own_volume_and_drain_before_they_are_killed() -> None:
    worker = named("StatefulSet", "paperclip-worker")
    [claim] = worker["spec"]["volumeClaimTemplates"]
    assert claim["spec"]["accessModes"] == ["ReadWriteOnce"]
    spec = pod(worker)
    [container] = spec["containers"]
    assert {"name": claim["metadata"]["name"], "mountPath": HOME} in container["volumeMounts"]
    env = {e["name"]: e["value"] for e in container["env"]}
    assert spec["terminationGracePeriodSeconds"] > float(env["PAPERCLIP_WORKER_SHUTDOWN_SECONDS"]) > 0
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
        ports = {p["name"] for c in pod(workload)["containers"] for p in c.get("ports", [])}
        assert {p["targetPort"] for p in service["spec"].get("ports", [])} <= ports
