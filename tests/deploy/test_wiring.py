"""What docker-compose.yml and deploy/kubernetes do with the features the product has: the store
migrated once by a job before the API and the workers start (which do not migrate), the workers'
Prometheus endpoint published where a scraper finds it, backups written to a volume of their own
with the backup key from a secret file, and worker versioning left to the operator. Each value
the files give is read back through `Settings`, so a typo'd or unparseable one fails here."""

import re
from typing import Any

import pytest

from paperclip.settings import Settings
from tests.deploy.files import CLUSTER, ROOT, load
from tests.deploy.manifests import config_map, containers, env, named, ours, pod, secret_files, template

BACKUP_DIR = "/var/backups/paperclip"  # made in the image, owned by its user (Dockerfile)


def read(monkeypatch: pytest.MonkeyPatch, values: dict[str, Any]) -> Settings:
    """Settings as a process given exactly `values` (and no other PAPERCLIP_ variable) reads them."""
    import os

    for name in [n for n in os.environ if n.startswith("PAPERCLIP_")]:
        monkeypatch.delenv(name)
    monkeypatch.setenv("PAPERCLIP_ENV_FILE", "")  # nor a `.env` file's
    for name, value in values.items():
        monkeypatch.setenv(name, str(value))
    return Settings()


def compose() -> dict[str, Any]:
    services: dict[str, Any] = load(CLUSTER)["services"]
    return services


# ---------------------------------------------------------------- migrations: a one-shot job


def test_compose_migrates_in_a_one_shot_job_the_api_and_workers_wait_for(monkeypatch: pytest.MonkeyPatch) -> None:
    services = compose()
    job = services["migrate"]
    assert job["command"] == ["cli", "migrate"] and job["restart"].startswith("on-failure")
    assert job["depends_on"] == {"paperclip-db": {"condition": "service_completed_successfully"}}
    for name in ("api", "worker"):
        service = services[name]
        assert service["depends_on"]["migrate"] == {"condition": "service_completed_successfully"}, name
        assert service["environment"]["PAPERCLIP_DATABASE_URL"] == job["environment"]["PAPERCLIP_DATABASE_URL"]
        assert read(monkeypatch, {"PAPERCLIP_MIGRATE_ON_START": service["environment"]["PAPERCLIP_MIGRATE_ON_START"]}
                    ).migrate_on_start is False  # fmt: skip
    assert "PAPERCLIP_MIGRATE_ON_START" not in job["environment"]  # the job is the one that migrates


def test_kubernetes_migrates_in_a_job_and_each_api_and_worker_pod_waits_for_it(monkeypatch: pytest.MonkeyPatch) -> None:
    settings = config_map("paperclip-config")
    assert (
        read(monkeypatch, {"PAPERCLIP_MIGRATE_ON_START": settings["PAPERCLIP_MIGRATE_ON_START"]}).migrate_on_start
        is False
    )
    job = named("Job", "paperclip-migrate")
    [migrate] = pod(job)["containers"]
    assert migrate["args"] == ["cli", "migrate"] and pod(job)["restartPolicy"] == "OnFailure"
    assert "PAPERCLIP_DATABASE_URL" in secret_files(job, migrate)
    migrating = [(w["metadata"]["name"], c["name"]) for w, c in ours() if c.get("args", [])[:2] == ["cli", "migrate"]]
    waiting = []
    for name, kind in (("paperclip-api", "Deployment"), ("paperclip-worker", "StatefulSet")):
        workload = named(kind, name)
        [init] = pod(workload)["initContainers"]
        assert init["args"][:3] == ["cli", "migrate", "--wait"] and float(init["args"][3]) > 0
        assert init["envFrom"] == pod(workload)["containers"][0]["envFrom"][:1]  # the same store
        assert "PAPERCLIP_DATABASE_URL" in secret_files(workload, init)
        waiting.append((name, init["name"]))
    assert sorted(migrating) == sorted([("paperclip-migrate", "migrate"), *waiting])  # nothing else migrates


# ---------------------------------------------------------------- metrics


def test_compose_workers_serve_metrics_on_the_port_they_expose(monkeypatch: pytest.MonkeyPatch) -> None:
    worker = compose()["worker"]
    port = read(monkeypatch, {"PAPERCLIP_METRICS_PORT": worker["environment"]["PAPERCLIP_METRICS_PORT"]}).metrics_port
    assert port is not None and [str(port)] == worker["expose"]
    assert "ports" not in worker  # on compose's network only, for a scraper there (docs/deploy.md)


def test_kubernetes_workers_and_api_are_scraped_where_they_serve_metrics(monkeypatch: pytest.MonkeyPatch) -> None:
    worker = named("StatefulSet", "paperclip-worker")
    [container] = pod(worker)["containers"]
    port = read(monkeypatch, {"PAPERCLIP_METRICS_PORT": env(container)["PAPERCLIP_METRICS_PORT"]}).metrics_port
    [metrics] = [p for p in container["ports"] if p["name"] == "metrics"]
    assert metrics["containerPort"] == port
    service = named("Service", "paperclip-worker")
    assert {"name": "metrics", "port": port, "targetPort": "metrics"} in service["spec"]["ports"]
    api = named("Deployment", "paperclip-api")
    [http] = [p for p in pod(api)["containers"][0]["ports"] if p["name"] == "http"]
    for workload, served in ((worker, port), (api, http["containerPort"])):
        annotations = template(workload)["metadata"]["annotations"]
        assert annotations["prometheus.io/scrape"] == "true"
        assert annotations["prometheus.io/port"] == str(served)
        assert annotations["prometheus.io/path"] == "/metrics"  # the worker's and api/metrics.py's route


# ---------------------------------------------------------------- backups


def test_compose_workers_back_up_to_one_shared_volume_with_the_backup_key_from_a_file(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    worker = compose()["worker"]
    folder = read(monkeypatch, {"PAPERCLIP_BACKUP_DIR": worker["environment"]["PAPERCLIP_BACKUP_DIR"]}).backup_dir
    assert str(folder) == BACKUP_DIR
    [volume] = [v for v in worker["volumes"] if v.endswith(f":{BACKUP_DIR}")]
    assert volume.split(":")[0] in load(CLUSTER)["volumes"]  # a named volume: every replica's the same
    assert "PAPERCLIP_BACKUP_KEY" in worker["secrets"] and "PAPERCLIP_BACKUP_KEY" not in worker["environment"]
    assert "PAPERCLIP_BACKUP_EVERY" not in worker["environment"]  # the schedule (hourly) stays on


def test_kubernetes_backs_up_from_a_cron_job_onto_its_volume_and_the_workers_schedule_is_off(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    cron = named("CronJob", "paperclip-backup")
    assert cron["spec"]["concurrencyPolicy"] == "Forbid"
    [container] = containers(cron)
    assert re.search(r"\bpaperclip backup create\b", " ".join(container["args"]))
    folder = read(monkeypatch, {"PAPERCLIP_BACKUP_DIR": env(container)["PAPERCLIP_BACKUP_DIR"]}).backup_dir
    [mount] = [m for m in container["volumeMounts"] if m["mountPath"] == str(folder) == BACKUP_DIR]
    [volume] = [v for v in pod(cron)["volumes"] if v["name"] == mount["name"]]
    named("PersistentVolumeClaim", volume["persistentVolumeClaim"]["claimName"])
    assert {"PAPERCLIP_BACKUP_KEY", "PAPERCLIP_DATABASE_URL"} <= set(secret_files(cron, container))
    [worker] = pod(named("StatefulSet", "paperclip-worker"))["containers"]
    assert read(monkeypatch, {"PAPERCLIP_BACKUP_EVERY": env(worker)["PAPERCLIP_BACKUP_EVERY"]}).backup_every == 0


def test_the_backup_folder_is_made_in_the_image_for_its_user() -> None:
    text = re.sub(r"\\\n\s*", " ", (ROOT / "Dockerfile").read_text())
    assert re.search(rf"install -d -o 10001 -g 10001 -m 0700 [^\n&]*{re.escape(BACKUP_DIR)}", text)


# ---------------------------------------------------------------- worker versioning: opt-in


def test_worker_build_id_is_passed_through_from_env_and_unset_by_default() -> None:
    """A versioned worker takes no workflow until its build is made current, so the files leave
    versioning off unless the operator sets the build (docs/deploy.md, Upgrades)."""
    worker = compose()["worker"]
    assert "PAPERCLIP_WORKER_BUILD_ID" in worker["environment"]
    assert worker["environment"]["PAPERCLIP_WORKER_BUILD_ID"] is None  # from the shell or .env; else unset
    assert "# PAPERCLIP_WORKER_BUILD_ID=" in (ROOT / ".env.example").read_text().splitlines()
    for _, container in ours():
        assert "PAPERCLIP_WORKER_BUILD_ID" not in env(container)
    assert "PAPERCLIP_WORKER_BUILD_ID" not in config_map("paperclip-config")
