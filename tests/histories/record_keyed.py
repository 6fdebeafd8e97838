"""Record `keyed-<version>-ACME-1.json`: one task of a model on a rate-limited credential, which
asks which model queue its calls go to (`python -m tests.histories.record_keyed v4`).

`keyed-v3` was recorded with this script on the code before teams' credentials (commit af88375:
the `credential_queue` local activity, by name); `keyed-v4` on the code that asks `model_queue`
with the company (`team-credential-queues`). Both must replay on today's code.
"""

import asyncio
import os
import sys
import tempfile
import uuid
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from paperclip.binaries import temporal_cli
from paperclip.constants import company_workflow_id, task_workflow_id
from paperclip.devserver import dynamic_config_args
from paperclip.models import AgentSpec, CompanyInput, CompanySpec, CreateTaskInput, ModelConfig, RateLimit
from paperclip.settings import Settings
from paperclip.store import Store
from tests.fakes import FakeModelServer
from workers.main import build_workers
from workflows.company import CompanyWorkflow

HERE = Path(__file__).parent
NAME = "TEST_PROVIDER_KEY"


async def record(version: str) -> None:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=dynamic_config_args(),
    )
    os.environ[NAME] = "test-key"
    with tempfile.TemporaryDirectory() as folder, FakeModelServer() as server:
        store = Store(f"sqlite:///{folder}/paperclip.db")
        store.migrate()
        queue = f"record-{uuid.uuid4().hex}"
        # Code before the allow-list ignores these two settings and reads any variable.
        settings = Settings.model_validate({"env_credentials": [NAME], "credential_urls": {NAME: [server.base_url]}})
        limits = {NAME: RateLimit(requests_per_minute=600)}
        workers = build_workers(env.client, store, task_queue=queue, rate_limits=limits, settings=settings)
        runs = [asyncio.ensure_future(w.run()) for w in workers]
        model = ModelConfig(provider="openai", model="gpt-4o-mini", base_url=server.base_url_openai, credential=NAME)
        company = await env.client.start_workflow(
            CompanyWorkflow.run,
            CompanyInput(
                spec=CompanySpec(id="acme", name="Acme", prefix="ACME"),
                agents=[AgentSpec(name="ceo", role="ceo", model=model)],
            ),
            id=company_workflow_id("acme"),
            task_queue=queue,
        )
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Launch", assignee="ceo"))
        task = env.client.get_workflow_handle(task_workflow_id("acme", "ACME-1"))
        await task.result()
        history = await task.fetch_history()
        (HERE / f"keyed-{version}-ACME-1.json").write_text(history.to_json())
        await asyncio.gather(*(w.shutdown() for w in workers))
        await asyncio.gather(*runs, return_exceptions=True)
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1] if len(sys.argv) > 1 else "v4"))
