"""Record the histories the replay test runs over, from a clean checkout::

    .venv/bin/python -m tests.histories.record v4                # every scenario in SCENARIOS
    .venv/bin/python -m tests.histories.record v4 budget held    # some of them
    .venv/bin/python -m tests.histories.record v5 demo           # the demo company alone (v5-company.json, …)

Each scenario (`tests.histories.scenarios`) runs one company on a dev server (in memory, with our
search attributes registered, like the tests' `dev_env`) with the real workers
(`workers.main.build_workers`), a real SQLite store and, for agents on a provider, the fake
model server (`tests.fakes.FakeModelServer`) with its key in `RECORD_PROVIDER_KEY` (a credential
the recording deployment allows). It then writes the company's, each task's, pipeline run's,
review's, poll's and routine fire's history here as
`<version>-<scenario>-<workflow>.json` (`v4-budget-company.json`, `v4-budget-ACME-1.json`; the
demo's files have no scenario: `v3-company.json`), and checks that they hold the patch ids the scenario is there for.

Re-record after an intended workflow change that is guarded by `workflow.patched`, under a new
version; keep the old files too, so running companies stay replayable.
"""

import asyncio
import os
import sys
import tempfile
import time
from pathlib import Path
from typing import Any

from temporalio.client import Client, WorkflowHandle
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from paperclip.binaries import temporal_cli
from paperclip.constants import SEARCH_ATTRIBUTES, pipeline_workflow_id, task_workflow_id
from paperclip.devserver import dynamic_config_args
from paperclip.models import TaskStatus
from paperclip.settings import Settings
from paperclip.store import Store
from tests.fakes import FakeModelServer
from tests.histories.patches import recorded_patch_ids
from tests.histories.scenarios import SCENARIOS
from tests.histories.stage import KEY, Company, Stage, settled
from workflows.company import CompanyWorkflow

HERE = Path(__file__).parent
RUNS = (("review", "review:{}:"), ("poll", "github-poll:{}:"))
"""Workflows of a company besides its own, its tasks' and its runs': file name → workflow id prefix."""


async def write_histories(client: Client, company: Company, prefix: str) -> dict[str, set[str]]:
    """Write the company's, its tasks', its pipeline runs', reviews', polls' and routine fires'
    histories as `<prefix>-<workflow>.json` (a run's as `<prefix>-run-<run>.json`, a routine's
    fire as `<prefix>-routine-<name>.json`); returns the patch ids in each file."""
    snap = await company.query(CompanyWorkflow.snapshot)
    company_id = snap.spec.id
    handles: dict[str, WorkflowHandle[Any, Any]] = {"company": company} | {
        t.identifier: client.get_workflow_handle(task_workflow_id(company_id, t.identifier))
        for t in snap.tasks
        if t.status is not TaskStatus.QUEUED  # never started: no workflow
    }
    runs = f"WorkflowId STARTS_WITH '{pipeline_workflow_id(company_id, '')}'"
    async for execution in client.list_workflows(runs):  # its pipeline runs: `run-<run id>`
        handles[f"run-{execution.id.rpartition(':')[2]}"] = client.get_workflow_handle(execution.id)
    for kind, id_prefix in RUNS:  # its pull-request reviews and monitors' polls
        query = f"WorkflowId STARTS_WITH '{id_prefix.format(company_id)}'"
        ids = sorted({execution.id async for execution in client.list_workflows(query)})
        for n, workflow_id in enumerate(ids, start=1):
            handles[kind if n == 1 else f"{kind}{n}"] = client.get_workflow_handle(workflow_id)
    async for fire in client.list_workflows(f"WorkflowId STARTS_WITH 'routine-run:{company_id}:'"):
        name = fire.id.removeprefix(f"routine-run:{company_id}:").partition("-20")[0]
        handles[f"routine-{name}"] = client.get_workflow_handle(fire.id)
    for name, handle in list(handles.items()):
        try:
            await handle.describe()
        except RPCError as err:  # cancelled or blocked before it started: no workflow either
            if err.status is not RPCStatusCode.NOT_FOUND:
                raise
            del handles[name]
    for handle in handles.values():
        await settled(handle)
    written: dict[str, set[str]] = {}
    for name, handle in handles.items():
        text = (await handle.fetch_history()).to_json()
        path = HERE / f"{prefix}-{name}.json"
        path.write_text(text)
        written[path.name] = recorded_patch_ids(text)
    return written


async def record_scenario(client: Client, folder: Path, server: FakeModelServer, version: str, name: str) -> None:
    """Run one scenario on fresh workers and store, write its histories, and fail (exit) when
    they lack a patch id the scenario is there for."""
    scenario = SCENARIOS[name]
    store = Store(f"sqlite:///{folder / name}.db")
    store.migrate()
    server.reset()
    stage = Stage(
        client,
        store,
        # The deployment lets the workers use the key in `KEY`, with the fake server alone.
        Settings.model_validate(
            {"home": folder, "env_credentials": [KEY], "credential_urls": {KEY: [server.base_url]}}
        ),
        server,
        queue=f"record-{name}",
        rate_limits=scenario.rate_limits,
    )
    await stage.start_workers()
    started = time.monotonic()
    try:
        company = await scenario.run(stage)
        prefix = version if name == "demo" else f"{version}-{name}"
        written = await write_histories(client, company, prefix)
    finally:
        await stage.stop_workers()
    covered = set().union(*written.values())
    missing = scenario.expects - covered
    for file, ids in written.items():
        size = (HERE / file).stat().st_size
        print(f"  {file}: {size / 1024:.0f} KB, patches {sorted(ids) or '-'}")
    print(f"{name}: {len(written)} histories in {time.monotonic() - started:.0f}s")
    if missing:
        raise SystemExit(f"{name}: the histories hold no marker of {sorted(missing)}; record it again")


async def record(version: str, names: list[str]) -> None:
    unknown = [n for n in names if n not in SCENARIOS]
    if unknown:
        raise SystemExit(f"unknown scenario(s) {unknown}; known: {', '.join(SCENARIOS)}")
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        data_converter=pydantic_data_converter,
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_extra_args=dynamic_config_args(),
    )
    try:
        with tempfile.TemporaryDirectory() as folder, FakeModelServer() as server:
            os.environ[KEY] = server.openai_key
            for name in names or [n for n in SCENARIOS if n != "demo"]:
                await record_scenario(env.client, Path(folder), server, version, name)
    finally:
        os.environ.pop(KEY, None)
        await env.shutdown()


if __name__ == "__main__":
    if len(sys.argv) < 2:
        raise SystemExit("usage: python -m tests.histories.record VERSION [SCENARIO ...]")
    asyncio.run(record(sys.argv[1], sys.argv[2:]))
