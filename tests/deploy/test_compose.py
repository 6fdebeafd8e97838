"""docker-compose.yml and docker-compose.dev.yml: valid by the compose specification's schema
(check-jsonschema's vendored copy of it), and consistent with the product: the variables they
give our containers are our settings, Temporal gets our search attributes and dynamic config,
the worker scales, every dependency waits for health or a finished job, and `.env.example`
names every variable the cluster file needs.

(`docker compose config` would be a second opinion, but the docker client here has no compose
plugin, and there is no engine.)"""

import re
import subprocess
import sys
from pathlib import Path

import pytest

from paperclip.devserver import DYNAMIC_CONFIG
from tests.deploy.files import (
    CLUSTER,
    DEV,
    ROOT,
    compose_ours,
    load,
    not_settings,
    provider_keys,
    search_attribute_names,
)

ONE_SHOT = re.compile(r"on-failure")


def check_compose_schema(*files: Path) -> subprocess.CompletedProcess[str]:
    return subprocess.run(
        [sys.executable, "-m", "check_jsonschema", "--builtin-schema", "vendor.compose-spec", *map(str, files)],
        capture_output=True,
        text=True,
        timeout=120,
    )


def test_both_compose_files_are_valid_by_the_compose_specification() -> None:
    result = check_compose_schema(CLUSTER, DEV)
    assert result.returncode == 0, result.stdout + result.stderr


def test_the_schema_check_refuses_a_service_key_compose_does_not_know(tmp_path: Path) -> None:
    broken = tmp_path / "docker-compose.yml"
    broken.write_text(CLUSTER.read_text().replace('command: ["worker"]', 'command: ["worker"]\n    replicas_: 3'))
    result = check_compose_schema(broken)
    assert result.returncode == 1 and "replicas_" in result.stdout


@pytest.mark.parametrize("path", [CLUSTER, DEV], ids=["cluster", "dev"])
def test_our_containers_are_given_only_our_settings(path: Path) -> None:
    services = compose_ours(load(path))
    assert set(services) == {"worker", "api", "ui"} | ({"migrate"} if path == CLUSTER else set())
    for name, service in services.items():
        allowed = provider_keys() if name == "worker" else frozenset()
        assert not_settings(service.get("environment", {}), allowed=allowed) == [], name
        assert not_settings(service.get("secrets", [])) == [], name  # files of PAPERCLIP_SECRETS_DIR
        command = service["command"]
        assert (
            command == ["cli", "migrate"] if name == "migrate" else command == [name]
        )  # roles of docker/entrypoint.sh
        assert service["build"]["context"] == "."


def test_the_cluster_runs_temporal_as_upstream_does_not_the_deprecated_auto_setup() -> None:
    services = load(CLUSTER)["services"]
    images = {name: s.get("image", "") for name, s in services.items()}
    assert not any("auto-setup" in image for image in images.values())
    assert images["temporal"].startswith("temporalio/server:")
    assert images["temporal-ui"].startswith("temporalio/ui:")
    for job in ("temporal-schema", "temporal-namespace"):
        assert images[job].startswith("temporalio/admin-tools:")
    assert services["temporal"]["depends_on"]["temporal-schema"]["condition"] == "service_completed_successfully"
    ui = services["temporal-ui"]["environment"]
    assert ui["TEMPORAL_CODEC_ENDPOINT"].endswith("/api/codec")  # api/routes/codec.py
    origins = services["api"]["environment"]["PAPERCLIP_CODEC_ORIGINS"]
    assert ui["TEMPORAL_CORS_ORIGINS"] in origins


def test_temporal_gets_our_search_attributes_and_dynamic_config() -> None:
    dynamic = load(ROOT / "docker/temporal/dynamicconfig.yaml")
    assert {key: entries[0]["value"] for key, entries in dynamic.items()} == DYNAMIC_CONFIG
    dev = load(DEV)["services"]["temporal"]["command"]
    assert dev[:2] == ["server", "start-dev"]
    given = sorted(a.split("=")[1] for a in dev if a.startswith("--search-attribute="))
    assert given == search_attribute_names()
    assert all(a.endswith("=Keyword") for a in dev if a.startswith("--search-attribute="))
    values = dict(a.split("=", 1)[1].split("=") for a in dev if a.startswith("--dynamic-config-value="))
    assert {k: int(v) for k, v in values.items()} == DYNAMIC_CONFIG


def test_the_worker_scales_and_drains_before_it_is_killed() -> None:
    worker = load(CLUSTER)["services"]["worker"]
    assert "container_name" not in worker and "ports" not in worker and "hostname" not in worker
    # Each replica its own home (anonymous volume): its own workspaces, as a host of its own.
    assert worker["volumes"][0] == "/var/lib/paperclip"
    drain = int(re.fullmatch(r"\$\{PAPERCLIP_WORKER_SHUTDOWN_SECONDS:-(\d+)\}",
                             worker["environment"]["PAPERCLIP_WORKER_SHUTDOWN_SECONDS"])[1])  # type: ignore[index]  # fmt: skip
    assert int(worker["stop_grace_period"].removesuffix("s")) > drain > 0


@pytest.mark.parametrize("path", [CLUSTER, DEV], ids=["cluster", "dev"])
def test_every_dependency_waits_for_health_or_a_finished_one_shot_job(path: Path) -> None:
    services = load(path)["services"]
    for name, service in services.items():
        for target, wait in service.get("depends_on", {}).items():
            condition = wait["condition"]
            if condition == "service_healthy":
                assert "healthcheck" in services[target], f"{name} waits for {target}, which has no health check"
            else:
                assert condition == "service_completed_successfully", f"{name} → {target}"
                assert ONE_SHOT.match(services[target]["restart"]), f"{target} is not a one-shot job"
        if ONE_SHOT.match(service.get("restart", "")):
            assert "ports" not in service and "healthcheck" not in service
        else:
            assert service.get("restart") == "unless-stopped", name


@pytest.mark.parametrize("path", [CLUSTER, DEV], ids=["cluster", "dev"])
def test_files_the_compose_file_mounts_are_in_the_repository(path: Path) -> None:
    for service in load(path)["services"].values():
        for volume in service.get("volumes", []):
            source = volume.split(":")[0]
            if source.startswith("./"):
                assert (ROOT / source).exists(), source


def test_env_example_names_every_variable_the_cluster_needs_and_holds_no_secret() -> None:
    used = set(re.findall(r"\$\{([A-Z0-9_]+)", CLUSTER.read_text()))
    example = (ROOT / ".env.example").read_text().splitlines()
    given = {line.split("=")[0] for line in example if re.match(r"^[A-Z0-9_]+=", line)}
    mentioned = {line.lstrip("# ").split("=")[0] for line in example if re.match(r"^# [A-Z0-9_]+=", line)}
    required = set(re.findall(r"\$\{([A-Z0-9_]+):\?", CLUSTER.read_text()))
    assert required <= given  # to be filled in
    assert used <= given | mentioned
    assert all(line.endswith("=") for line in example if re.match(r"^[A-Z0-9_]+=", line))  # no values
    assert (ROOT / ".gitignore").read_text().splitlines().count(".env") == 1
