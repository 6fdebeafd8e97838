"""Opt-in worker versioning (`PAPERCLIP_WORKER_BUILD_ID`) on a real dev server: a build's workers
take a workflow only once their version is the deployment's current one, so a new build started
beside the old receives no history until it is made current."""

import asyncio
import uuid
from pathlib import Path

from temporalio import workflow
from temporalio.api.workflowservice.v1 import (
    DescribeWorkerDeploymentRequest,
    SetWorkerDeploymentCurrentVersionRequest,
)
from temporalio.client import Client, WorkflowExecutionStatus, WorkflowHandle
from temporalio.common import VersioningBehavior
from temporalio.service import RPCError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from paperclip.doctor import Status, temporal_checks
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.versioning import deployment_config
from workers.main import build_workers


@workflow.defn(name="VersionProbe", sandboxed=False)  # trivial; the sandbox would re-import this test module
class VersionProbe:
    @workflow.run
    async def run(self) -> str:
        return "done"


def settings_of(deployment: str, build: str | None, **fields: object) -> Settings:
    return Settings(worker_deployment_name=deployment, worker_build_id=build, **fields)  # type: ignore[arg-type]


async def make_current(client: Client, deployment: str, build: str) -> None:
    """Set the deployment's current version, once its workers have polled (registration is async)."""
    for _ in range(100):
        try:
            await client.workflow_service.set_worker_deployment_current_version(
                SetWorkerDeploymentCurrentVersionRequest(
                    namespace=client.namespace, deployment_name=deployment, build_id=build, identity="test"
                )
            )
            return
        except RPCError:
            await asyncio.sleep(0.2)
    raise AssertionError(f"{deployment}.{build} never became current")


async def ran_on(handle: WorkflowHandle[VersionProbe, str]) -> str:
    assert await handle.result() == "done"
    info = (await handle.describe()).raw_description.workflow_execution_info.versioning_info
    assert info.behavior == VersioningBehavior.AUTO_UPGRADE.value
    return info.deployment_version.build_id


def test_versioning_is_off_by_default_and_on_with_a_build_id() -> None:
    assert deployment_config(Settings()) is None
    config = deployment_config(settings_of("paperclip", "v2", worker_versioning_behavior="pinned"))
    assert config is not None and config.use_worker_versioning
    assert config.version.to_canonical_string() == "paperclip.v2"
    assert config.default_versioning_behavior is VersioningBehavior.PINNED


async def test_every_worker_of_the_process_announces_the_build(dev_env: WorkflowEnvironment, tmp_path: Path) -> None:
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    settings = settings_of("paperclip", "abc123", home=tmp_path)
    workers = build_workers(dev_env.client, store, task_queue=f"q-{uuid.uuid4().hex}", settings=settings)
    configs = [w.config().get("deployment_config") for w in workers]
    assert len(configs) > 3 and all(c == deployment_config(settings) for c in configs)
    plain = build_workers(dev_env.client, store, task_queue=f"q-{uuid.uuid4().hex}", settings=Settings(home=tmp_path))
    assert all(w.config().get("deployment_config") is None for w in plain)
    store.dispose()


async def test_a_new_build_takes_work_only_once_made_current(dev_env: WorkflowEnvironment) -> None:
    client = dev_env.client
    address = client.service_client.config.target_host
    queue, deployment = f"q-{uuid.uuid4().hex}", f"paperclip-{uuid.uuid4().hex[:8]}"

    def start() -> asyncio.Future[WorkflowHandle[VersionProbe, str]]:
        return asyncio.ensure_future(
            client.start_workflow(VersionProbe.run, id=f"probe-{uuid.uuid4().hex}", task_queue=queue)
        )

    def worker(build: str) -> Worker:
        config = deployment_config(settings_of(deployment, build))
        return Worker(client, task_queue=queue, workflows=[VersionProbe], deployment_config=config)

    async with worker("old"):
        waiting = await start()
        await asyncio.sleep(2)  # versioned workers only: nothing runs before a version is current
        assert (await waiting.describe()).status is WorkflowExecutionStatus.RUNNING
        await make_current(client, deployment, "old")
        assert await asyncio.wait_for(ran_on(waiting), timeout=30) == "old"

        async with worker("new"):
            await asyncio.sleep(1)
            assert await asyncio.wait_for(ran_on(await start()), timeout=30) == "old"  # started, not current
            await make_current(client, deployment, "new")
            assert await asyncio.wait_for(ran_on(await start()), timeout=30) == "new"
    by_build = {
        build: (await temporal_checks(settings_of(deployment, build, temporal_address=address)))[-1]
        for build in ("new", "old")
    }
    assert by_build["new"].status is Status.OK and by_build["new"].detail == f"{deployment}.new is the current version"
    assert by_build["old"].status is Status.INFO and "the current version new" in by_build["old"].detail
    unset = (await temporal_checks(settings_of(f"{deployment}-x", "b1", temporal_address=address)))[-1]
    assert unset.status is Status.WARN and unset.fix is not None
    assert unset.fix.startswith("temporal worker deployment set-current-version --address")
    described = await client.workflow_service.describe_worker_deployment(
        DescribeWorkerDeploymentRequest(namespace=client.namespace, deployment_name=deployment)
    )
    assert described.worker_deployment_info.routing_config.current_deployment_version.build_id == "new"
