"""Record the histories the replay test runs over: `python -m tests.histories.record v3`.

Runs the demo-shaped company (a CEO and two reports, simulated model, real activities and a
real store) on a dev server, and writes the company's and each task's history as JSON here.
Re-record after an intended workflow change that is guarded by `workflow.patched`; keep the old
files too, so running companies stay replayable.
"""

import asyncio
import sys
import tempfile
import uuid
from pathlib import Path

from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.testing import WorkflowEnvironment

from paperclip.binaries import temporal_cli
from paperclip.constants import company_workflow_id, task_workflow_id
from paperclip.devserver import dynamic_config_args
from paperclip.models import AgentSpec, CompanyInput, CompanySpec, CreateTaskInput, GoalInput
from paperclip.store import Store
from workers.main import build_workers
from workflows.company import CompanyWorkflow

HERE = Path(__file__).parent


async def record(version: str = "v1") -> None:
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=pydantic_data_converter,
        dev_server_extra_args=dynamic_config_args(),
    )
    with tempfile.TemporaryDirectory() as folder:
        store = Store(f"sqlite:///{folder}/paperclip.db")
        store.migrate()
        queue = f"record-{uuid.uuid4().hex}"
        workers = build_workers(env.client, store, task_queue=queue)
        runs = [asyncio.ensure_future(w.run()) for w in workers]
        agents = [
            AgentSpec(name="ceo", role="ceo", title="Chief Executive"),
            AgentSpec(name="cto", role="cto", reports_to="ceo", capabilities="software"),
            AgentSpec(name="cmo", role="cmo", reports_to="ceo", capabilities="marketing"),
        ]
        company = await env.client.start_workflow(
            CompanyWorkflow.run,
            CompanyInput(
                spec=CompanySpec(id="acme", name="Acme Robotics", prefix="ACME"),
                agents=agents,
                goals=[GoalInput(title="Ship the first robot")],
            ),
            id=company_workflow_id("acme"),
            task_queue=queue,
        )
        await company.execute_update(
            CompanyWorkflow.create_task, CreateTaskInput(title="Launch", assignee="ceo", goal="G1")
        )
        await env.client.get_workflow_handle(task_workflow_id("acme", "ACME-1")).result()
        await asyncio.sleep(1)  # the company's last store write
        ids = {"company": company.id} | {
            ident: task_workflow_id("acme", ident) for ident in ("ACME-1", "ACME-1.1", "ACME-1.2")
        }
        for name, workflow_id in ids.items():
            history = await env.client.get_workflow_handle(workflow_id).fetch_history()
            (HERE / f"{version}-{name}.json").write_text(history.to_json())
        await asyncio.gather(*(w.shutdown() for w in workers))
        await asyncio.gather(*runs, return_exceptions=True)
    await env.shutdown()


if __name__ == "__main__":
    asyncio.run(record(*sys.argv[1:2]))
