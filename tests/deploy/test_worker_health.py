"""The workers' health check (compose) and probes (Kubernetes) are against their Prometheus
endpoint, the one port a worker serves. What that can honestly say, shown with real worker
processes: the port opens only once Temporal has answered (a worker that cannot reach it at its
start exits 1 with the port never open, and is restarted); then the check the compose files run
passes, `/metrics` answers, and the worker polls its task queues (Temporal lists it). The port
stays open while Temporal is away later (the worker retries its polls), so the checks do not
restart a worker for an outage of Temporal's."""

import asyncio
import re
import socket
import subprocess
import sys
import time
import uuid
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.settings import Settings
from paperclip.store import Store
from tests.deploy.files import CLUSTER, DEV, load
from tests.deploy.manifests import env, named, pod
from tests.test_end_to_end import worker_process

URL = re.compile(r"http://127\.0\.0\.1:(\d+)(/\S*?)'")


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


def compose_check(path: Path) -> tuple[list[str], int, str]:
    """The worker's health check in the compose file `path`: its command, and the port and path it
    asks; the worker serves its metrics on that port."""
    worker = load(path)["services"]["worker"]
    test = worker["healthcheck"]["test"]
    assert test[0] == "CMD"
    found = URL.search(test[-1])
    assert found, test
    port = int(found[1])
    assert str(port) == worker["environment"]["PAPERCLIP_METRICS_PORT"] and worker["expose"] == [str(port)]
    return test[1:], port, found[2]


@pytest.mark.parametrize("path", [CLUSTER, DEV], ids=["cluster", "dev"])
def test_every_compose_worker_has_a_health_check_against_its_metrics_endpoint(path: Path) -> None:
    command, _, route = compose_check(path)
    assert command[:2] == ["python", "-c"] and route == "/metrics"  # the image's python; the SDK's route
    check = load(path)["services"]["worker"]["healthcheck"]
    assert int(check["start_period"].removesuffix("s")) > 10  # longer than a worker waits for Temporal


def test_kubernetes_workers_are_probed_on_their_metrics_port() -> None:
    [container] = pod(named("StatefulSet", "paperclip-worker"))["containers"]
    [metrics] = [p for p in container["ports"] if p["name"] == "metrics"]
    assert metrics["containerPort"] == int(env(container)["PAPERCLIP_METRICS_PORT"] or 0)
    assert container["livenessProbe"]["tcpSocket"] == {"port": "metrics"}  # alive: the port accepts
    assert container["startupProbe"]["tcpSocket"] == {"port": "metrics"}
    assert container["readinessProbe"]["httpGet"] == {"path": "/metrics", "port": "metrics"}


def run_check(command: list[str], port: int) -> subprocess.CompletedProcess[str]:
    """The compose health check's command, as Docker runs it in the container, for a worker whose
    metrics are on `port`."""
    script = command[-1].replace("127.0.0.1:9464", f"127.0.0.1:{port}")
    return subprocess.run([sys.executable, *command[1:-1], script], capture_output=True, text=True, timeout=30)


def port_open(port: int) -> bool:
    with socket.socket() as s:
        s.settimeout(0.5)
        return s.connect_ex(("127.0.0.1", port)) == 0


async def test_a_worker_that_cannot_reach_temporal_never_opens_the_port_and_exits(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    command, _, _ = compose_check(CLUSTER)
    port = free_port()
    db = tmp_path / "paperclip.db"
    extra = {"TEMPORAL_ADDRESS": f"127.0.0.1:{free_port()}", "PAPERCLIP_METRICS_PORT": str(port)}  # nobody there
    process = worker_process(dev_env, db, "unused", tmp_path / "worker.log", extra)
    try:
        while process.poll() is None:
            assert not port_open(port)
            assert run_check(command, port).returncode != 0
            await asyncio.sleep(0.5)
    finally:
        if process.poll() is None:
            process.kill()
    assert process.returncode == 1
    assert "does not answer" in (tmp_path / "worker.log").read_text()


async def test_the_check_passes_once_temporal_answered_and_the_worker_polls(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    command, _, _ = compose_check(CLUSTER)
    port = free_port()
    db = tmp_path / "paperclip.db"
    Store(f"sqlite:///{db}").migrate()
    queue = f"health-{uuid.uuid4().hex}"
    process = worker_process(dev_env, db, queue, tmp_path / "worker.log", {"PAPERCLIP_METRICS_PORT": str(port)})
    try:
        deadline = time.monotonic() + 60
        while run_check(command, port).returncode != 0:
            assert process.poll() is None, (tmp_path / "worker.log").read_text()
            assert time.monotonic() < deadline, "the worker's health check never passed"
            await asyncio.sleep(0.25)
        async with httpx.AsyncClient(timeout=10) as http:
            metrics = await http.get(f"http://127.0.0.1:{port}/metrics")  # the readiness probe's GET
        assert metrics.status_code == 200 and "temporal_" in metrics.text
        assert await polls(dev_env, queue, deadline)
    finally:
        process.terminate()
        await asyncio.to_thread(process.wait, 60)


async def polls(dev_env: WorkflowEnvironment, queue: str, deadline: float) -> bool:
    """Whether a worker polls `queue` (Temporal lists its pollers) before `deadline`."""
    from temporalio.api.enums.v1 import TaskQueueType
    from temporalio.api.taskqueue.v1 import TaskQueue
    from temporalio.api.workflowservice.v1 import DescribeTaskQueueRequest

    namespace = Settings.model_fields["temporal_namespace"].default
    while time.monotonic() < deadline:
        described: Any = await dev_env.client.workflow_service.describe_task_queue(
            DescribeTaskQueueRequest(
                namespace=namespace,
                task_queue=TaskQueue(name=queue),
                task_queue_type=TaskQueueType.TASK_QUEUE_TYPE_WORKFLOW,
            )
        )
        if described.pollers:
            return True
        await asyncio.sleep(0.25)
    return False
