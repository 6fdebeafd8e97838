"""A company's snapshot stays answerable however many long texts one run holds: 40 tasks finished
with 100 KB results (4 MB; a run continues as new only once its history passes a few MB, so it
holds up to twice what a query may answer) are shown by reference once the store holds them, and
the API fills them back in."""

import uuid
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.store import StoreActivities
from activities.templates import TemplateActivities
from api.texts import with_stored_texts
from paperclip.constants import llm_queue
from paperclip.models import AgentSpec, CreateTaskInput, CreateTasksInput, TaskStatus, ToolCall
from paperclip.store import Store
from paperclip.tools import COMPLETE_TASK
from tests.histories.stage import settled
from tests.workflows.helpers import start_company, wait_for
from tests.workflows.stand_ins import ScriptedModel, end_companies
from workflows.company import CompanyWorkflow
from workflows.company.texts import CARRIED_TEXT_LIMIT
from workflows.task import TaskWorkflow

FINISHED, TEXT = 40, 100_000


def result(n: int) -> str:
    return f"result {n}: " + "y" * (TEXT - 20)


@pytest.mark.long
async def test_a_run_holding_4mb_of_results_answers_its_snapshot_small(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    client = dev_env.client
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    store.migrate()
    acts = StoreActivities(store)
    plans = [[ToolCall(id=f"done-{i}", name=COMPLETE_TASK, arguments={"result": result(i)})] for i in range(FINISHED)]
    model = ScriptedModel(plans={"doer": plans})
    queue = f"test-{uuid.uuid4().hex}"
    async with (
        Worker(
            client,
            task_queue=queue,
            workflows=[CompanyWorkflow, TaskWorkflow],
            activities=[acts.record, acts.task_brief, TemplateActivities(None).agent_from_template],
        ),
        Worker(client, task_queue=llm_queue(queue), activities=[model.model_turn]),
    ):
        company = await start_company(client, queue, [AgentSpec(name="doer", max_concurrent_runs=5)])
        try:
            for start in range(0, FINISHED, 10):
                tasks = [CreateTaskInput(title=f"task {i}", assignee="doer") for i in range(start, start + 10)]
                await company.execute_update(CompanyWorkflow.create_tasks, CreateTasksInput(tasks=tasks))
                await wait_for(
                    company, lambda s, n=start + 10: sum(t.status is TaskStatus.DONE for t in s.tasks) == n, timeout=60
                )
            await settled(company)
            snap = await company.query(CompanyWorkflow.snapshot)
            assert all(len(t.result or "") <= CARRIED_TEXT_LIMIT for t in snap.tasks)
            assert len(snap.stored_texts) == FINISHED
            assert len(snap.model_dump_json()) < 200_000
            # Readers of the API see every result whole.
            filled = await with_stored_texts(store, snap)
            assert sorted(t.result or "" for t in filled.tasks) == sorted(result(i) for i in range(FINISHED))
            assert filled.stored_texts == []
        finally:
            await end_companies(client, queue)
