"""RoutineWorkflow on the time-skipping server, started the way a routine's schedule starts it.

The time-skipping test server does not implement Schedules (CreateSchedule answers
UNIMPLEMENTED), so these tests play the schedule: one run per simulated hour, with the workflow
id the schedule would give it (`routine-run:{company}:{name}-<time>`). The schedule wiring itself
is tested on the dev server through the API (tests/api/test_routines.py). The server does not
skip time while an activity is pending, so the tests that hold a task open fire without sleeping
between runs, and end with every task finished: a call left pending on the shared server would
stop it skipping time for the tests after.
"""

import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from datetime import timedelta

from temporalio.client import Client, WorkflowHandle
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from paperclip.constants import llm_queue
from paperclip.models import AgentSpec, CreateTaskInput, RoutineInput, RoutineRunResult, TaskStatus
from tests.workflows.helpers import company_id_of, start_company, wait_for
from tests.workflows.stand_ins import RecordingStore, ScriptedModel, end_companies
from workflows.company import CompanyWorkflow
from workflows.routine import RoutineWorkflow
from workflows.task import TaskWorkflow

HOUR = timedelta(hours=1)


@asynccontextmanager
async def routine_workers(client: Client, store: RecordingStore, model: ScriptedModel | None) -> AsyncIterator[str]:
    """The three workflows on a fresh queue; model calls are served only when `model` is given
    (with none, a task stays open as long as the test likes, whatever time is skipped)."""
    queue = f"test-{uuid.uuid4().hex}"
    async with AsyncExitStack() as stack:
        await stack.enter_async_context(
            Worker(
                client,
                task_queue=queue,
                workflows=[CompanyWorkflow, TaskWorkflow, RoutineWorkflow],
                activities=[store.record],
            )
        )
        if model is not None:
            await stack.enter_async_context(Worker(client, task_queue=llm_queue(queue), activities=[model.model_turn]))
        try:
            yield queue
        finally:
            await end_companies(client, queue)


async def fire(
    client: Client, queue: str, company: WorkflowHandle[CompanyWorkflow, object], hour: int, *, skip_if_open: bool
) -> RoutineRunResult:
    """One scheduled run, as the schedule would start it at `hour`."""
    company_id = company_id_of(company)
    return await client.execute_workflow(
        RoutineWorkflow.run,
        RoutineInput(
            company_id=company_id,
            routine="standup",
            task=CreateTaskInput(title="Daily stand-up", assignee="pm"),
            skip_if_open=skip_if_open,
        ),
        id=f"routine-run:{company_id}:standup-2026-01-01T{hour:02d}:00:00Z",
        task_queue=queue,
    )


async def test_an_hourly_routine_over_a_simulated_day_creates_a_task_each_hour(
    skipping_env: WorkflowEnvironment,
) -> None:
    client, store = skipping_env.client, RecordingStore()
    async with routine_workers(client, store, ScriptedModel()) as queue:
        company = await start_company(client, queue, [AgentSpec(name="pm", role="pm")])
        for hour in range(24):
            result = await fire(client, queue, company, hour, skip_if_open=True)
            assert result.fire_id.endswith(f"T{hour:02d}:00:00Z")
            await wait_for(company, lambda s: all(t.status.is_terminal for t in s.tasks))
            await skipping_env.sleep(HOUR)
        snap = await wait_for(company, lambda s: len(s.tasks) == 24)

    assert [t.identifier for t in snap.tasks] == [f"ACME-{i}" for i in range(1, 25)]
    assert all(t.routine == "standup" and t.status is TaskStatus.DONE for t in snap.tasks)
    span = snap.tasks[-1].created_at - snap.tasks[0].created_at
    assert timedelta(hours=23) <= span < timedelta(hours=24)
    assert not [e for e in snap.recent if e.kind == "routine.skipped"]
    created = [e for b in store.batches for e in b.activity if e.kind == "task.created"]
    assert len(created) == 24 and {e.actor for e in created} == {"routine:standup"}
    # The store is given the routine of each task it records.
    assert {t.routine for b in store.batches for t in b.tasks} == {"standup"}


async def test_while_the_last_task_is_open_each_fire_is_skipped_and_logged(skipping_env: WorkflowEnvironment) -> None:
    client, store = skipping_env.client, RecordingStore()
    async with routine_workers(client, store, model=None) as queue:
        company = await start_company(client, queue, [AgentSpec(name="pm", role="pm")])
        for hour in range(6):  # no time skipped: the server holds time while a model call is pending
            await fire(client, queue, company, hour, skip_if_open=True)
        snap = await wait_for(company, lambda s: len([e for e in s.recent if e.kind == "routine.skipped"]) == 5)
        assert [(t.identifier, t.status) for t in snap.tasks] == [("ACME-1", TaskStatus.RUNNING)]
        skipped = [e for e in snap.recent if e.kind == "routine.skipped"]
        assert {(e.actor, e.task) for e in skipped} == {("system", "ACME-1")}
        assert "ACME-1 is still running" in skipped[0].summary

        # Once the open task finishes, the next fire creates a task again.
        model = ScriptedModel()
        async with Worker(client, task_queue=llm_queue(queue), activities=[model.model_turn]):
            await wait_for(company, lambda s: s.tasks[0].status is TaskStatus.DONE)
            await fire(client, queue, company, 6, skip_if_open=True)
            snap = await wait_for(company, lambda s: len(s.tasks) == 2 and all(t.status.is_terminal for t in s.tasks))
    assert snap.tasks[1].routine == "standup"
    skipped_in_store = [e for b in store.batches for e in b.activity if e.kind == "routine.skipped"]
    assert len(skipped_in_store) == 5


async def test_with_overlap_allowed_every_fire_creates_a_task(skipping_env: WorkflowEnvironment) -> None:
    client, store = skipping_env.client, RecordingStore()
    model = ScriptedModel(gated={"pm"})  # tasks stay open until the gate opens
    async with routine_workers(client, store, model) as queue:
        company = await start_company(client, queue, [AgentSpec(name="pm", role="pm")])
        for hour in range(3):
            await fire(client, queue, company, hour, skip_if_open=False)
        snap = await wait_for(company, lambda s: len(s.tasks) == 3)
        assert sum(not t.status.is_terminal for t in snap.tasks) == 3
        model.gate.set()  # leave nothing pending on the shared server: it would stop skipping time
        await wait_for(company, lambda s: all(t.status.is_terminal for t in s.tasks))
    assert all(t.routine == "standup" for t in snap.tasks)
    assert not [e for e in snap.recent if e.kind == "routine.skipped"]


async def test_a_repeated_run_of_the_same_fire_is_dropped(skipping_env: WorkflowEnvironment) -> None:
    client, store = skipping_env.client, RecordingStore()
    async with routine_workers(client, store, ScriptedModel()) as queue:
        company = await start_company(client, queue, [AgentSpec(name="pm", role="pm")])
        await fire(client, queue, company, 9, skip_if_open=False)
        await fire(client, queue, company, 9, skip_if_open=False)  # the same scheduled time again
        await fire(client, queue, company, 10, skip_if_open=False)
        snap = await wait_for(company, lambda s: len(s.tasks) == 2 and all(t.status.is_terminal for t in s.tasks))
    assert [t.identifier for t in snap.tasks] == ["ACME-1", "ACME-2"]
