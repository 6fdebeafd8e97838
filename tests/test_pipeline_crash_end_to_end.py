"""A pipeline run survives its worker being SIGKILLed: `paperclip worker` as its own process runs
a company and a run of three steps (two at once, then one reading both outputs) against the fake
provider; the worker is killed while both first steps' model calls are in flight, another starts,
and the run finishes with each step done once, the last one reading the first two by reference."""

import uuid
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.constants import company_workflow_id
from paperclip.models import CompanyInput, CompanySpec, TaskStatus
from paperclip.models.pipelines import PipelineSpec, PipelineStep, RunStatus, StepStatus
from paperclip.store import Store
from tests.fakes import FakeModelServer
from tests.test_crash_spend_end_to_end import agents, calls_in_flight, kill, seen_gone, stop
from tests.test_end_to_end import bound_env, worker_process
from tests.workflows.helpers import wait_for
from tests.workflows.pipeline_helpers import start_run
from workflows.company import CompanyWorkflow

pytestmark = pytest.mark.long

SPEC = PipelineSpec(
    name="review",
    steps=[
        PipelineStep(id="lint", agent="a0", task="Lint the change.", output="lint_results"),
        PipelineStep(id="security", agent="a1", task="Look for security issues.", output="findings"),
        PipelineStep(
            id="summary",
            agent="a2",
            task="Summarise ${lint_results} and ${findings}.",
            input=["lint_results", "findings"],
        ),
    ],
)


async def test_a_run_survives_a_worker_sigkill_and_each_step_runs_once(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    db = tmp_path / "paperclip.db"
    store = Store(f"sqlite:///{db}")
    store.migrate()
    queue = f"pipeline-kill-{uuid.uuid4().hex}"
    with FakeModelServer(latency=2.0) as server:
        workers = [worker_process(dev_env, db, queue, tmp_path / "worker.log", bound_env(server))]
        try:
            company_id = f"pk-{uuid.uuid4().hex[:8]}"
            company = await dev_env.client.start_workflow(
                CompanyWorkflow.run,
                CompanyInput(spec=CompanySpec(id=company_id, name="Acme", prefix="ACME"), agents=agents(server)[:3]),
                id=company_workflow_id(company_id),
                task_queue=queue,
            )
            run = await start_run(dev_env.client, queue, company, SPEC)
            await calls_in_flight(server, 2)  # lint and security at once
            kill(workers[0])
            await seen_gone(server, 2)
            workers.append(worker_process(dev_env, db, queue, tmp_path / "worker.log", bound_env(server)))
            state = await run.result()
            snap = await wait_for(company, lambda s: all(t.status.is_terminal for t in s.tasks), timeout=60)
        finally:
            stop(*workers)
    assert state.status is RunStatus.DONE, state
    assert [s.status for s in state.steps] == [StepStatus.DONE] * 3
    tasks = [s.task or "" for s in state.steps]
    assert all(tasks) and len(set(tasks)) == 3 and len(snap.tasks) == 3  # one task a step: none made twice by the crash
    assert {t.status for t in snap.tasks} == {TaskStatus.DONE}
    assert server.aborted == 2  # the two calls killed in flight were sent again, nothing else
    summary = next(t for t in snap.tasks if t.identifier == tasks[2])
    assert summary.assignee == "a2"
    assert server.calls_for(tasks[0]) and server.calls_for(tasks[1])  # the first steps' tasks, by reference
    summary_calls = [r for r in server.requests if tasks[2] in str(r) and "Summarise" in str(r)]
    assert summary_calls and all(tasks[0] in str(r) and tasks[1] in str(r) for r in summary_calls)
