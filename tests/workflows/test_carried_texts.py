"""A company carries its tasks' long texts and its approvals' long details by reference: 500 open
tasks with 100 KB briefs, tasks finished with 100 KB results and 200 pending approvals with 100 KB
details continue as new with a small input, the tasks still start with their whole briefs (read
back from the real store), and the API answers every approval with its whole details."""

import json
import uuid
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from activities.store import StoreActivities
from activities.templates import TemplateActivities
from activities.webhooks import WebhookActivities
from api import approvals
from api.schemas import Decision
from api.texts import with_stored_texts
from paperclip.constants import llm_queue, task_workflow_id
from paperclip.models import (
    AgentActionInput,
    AgentSpec,
    ApprovalKind,
    ApprovalRequest,
    ApprovalStatus,
    CompanySnapshot,
    CreateTaskInput,
    CreateTasksInput,
    HireAgentInput,
    TaskActionInput,
    TaskStatus,
    ToolCall,
)
from paperclip.secrets import SecretBox, load_key
from paperclip.store import Store
from paperclip.tools import COMPLETE_TASK
from tests.histories.stage import settled
from tests.workflows.helpers import start_company, wait_for
from tests.workflows.stand_ins import ScriptedModel, end_companies
from workflows.company import CompanyWorkflow
from workflows.company.texts import CARRIED_TEXT_LIMIT
from workflows.task import TaskWorkflow

OPEN, FINISHED, APPROVALS = 500, 50, 200
TEXT = 100_000
"""Characters of each brief, result and approval's details (the most a brief may have)."""
BATCH = 10
"""Tasks per `create_tasks`: an update's input stays near 1 MB (Temporal takes 2 MB at most)."""


def text(kind: str, n: int) -> str:
    head = f"{kind} {n}: "
    return head + "x" * (TEXT - len(head))


async def continued_as_new_input_bytes(client: Client, workflow_id: str, run_id: str) -> int:
    """The size of the input a run continued as new with (its last event's payloads)."""
    history = await client.get_workflow_handle(workflow_id, run_id=run_id).fetch_history()
    last = history.events[-1]
    assert last.HasField("workflow_execution_continued_as_new_event_attributes"), last
    return sum(p.ByteSize() for p in last.workflow_execution_continued_as_new_event_attributes.input.payloads)


@pytest.mark.long
async def test_500_open_tasks_with_100kb_briefs_continue_as_new_under_2mb(
    dev_env: WorkflowEnvironment, tmp_path: Path
) -> None:
    client = dev_env.client
    store = Store(f"sqlite:///{tmp_path / 'store.db'}")
    store.migrate()
    acts = StoreActivities(store)
    finishing = [
        [ToolCall(id=f"done-{i}", name=COMPLETE_TASK, arguments={"result": text("result", i)})] for i in range(FINISHED)
    ]
    model = ScriptedModel(gated={"waiter"}, plans={"doer": finishing})
    queue = f"test-{uuid.uuid4().hex}"
    async with (
        Worker(
            client,
            task_queue=queue,
            workflows=[CompanyWorkflow, TaskWorkflow],
            activities=[
                acts.record,
                acts.task_brief,
                TemplateActivities(None).agent_from_template,
                # The approvals below are events for webhooks: the company hands them to `notify`.
                WebhookActivities(store, lambda: SecretBox(load_key(tmp_path))).notify,
            ],
        ),
        Worker(client, task_queue=llm_queue(queue), activities=[model.model_turn]),
    ):
        agents = [AgentSpec(name="waiter", max_concurrent_runs=2), AgentSpec(name="doer", max_concurrent_runs=10)]
        company = await start_company(client, queue, agents, continue_as_new_after_events=5)
        company_id = company.id.split(":", 1)[1]
        try:
            await company.execute_update(CompanyWorkflow.pause_agent, AgentActionInput(agent="waiter"))
            # Tasks finished with long results, then the open ones (held: their agent is paused).
            for start in range(0, FINISHED, BATCH):
                tasks = [CreateTaskInput(title=f"done {i}", assignee="doer") for i in range(start, start + BATCH)]
                await company.execute_update(CompanyWorkflow.create_tasks, CreateTasksInput(tasks=tasks))
            await wait_for(
                company, lambda s: sum(t.status is TaskStatus.DONE for t in s.tasks) == FINISHED, timeout=120
            )
            for start in range(0, OPEN, BATCH):
                tasks = [
                    CreateTaskInput(title=f"open {i}", assignee="waiter", brief=text("brief", i))
                    for i in range(start, start + BATCH)
                ]
                await company.execute_update(CompanyWorkflow.create_tasks, CreateTasksInput(tasks=tasks))
                # A quiet moment, as a company's callers give it: a run ends only once nothing
                # is left to record, and a write follows each of these megabyte updates.
                await settled(company)
            first_open = FINISHED + 1
            for n in range(APPROVALS):
                request = ApprovalRequest(
                    request_id=f"ask-{n}",
                    kind=ApprovalKind.BOARD,
                    title=f"Sign-off {n}",
                    details=text("details", n),
                    requested_by="waiter",
                    task=f"ACME-{first_open + n}",
                )
                await company.signal(CompanyWorkflow.approval_requested, request)
                if n % BATCH == BATCH - 1:
                    # Agents ask one by one, each after a model turn: a run holds a new approval's
                    # details only until its record write, so a query's answer stays small.
                    await settled(company)

            def carried(s: CompanySnapshot) -> bool:
                stored = len(s.stored_texts) == OPEN + FINISHED and len(s.stored_approvals) == APPROVALS
                return len(s.approvals) == APPROVALS and stored

            snap = await wait_for(company, carried, timeout=120)
            # One more continue-as-new, with everything in: its input is what is measured.
            run_id, generation = (await company.describe()).run_id, snap.generation
            waiter = AgentSpec(name="waiter", max_concurrent_runs=2)
            while (await company.describe()).run_id == run_id:
                await company.execute_update(CompanyWorkflow.update_agent, HireAgentInput(agent=waiter))
            assert run_id is not None
            size = await continued_as_new_input_bytes(client, company.id, run_id)
            print(
                f"\ncontinue-as-new input: {size / 1024:.0f} KB for {OPEN} open tasks with {TEXT // 1000} KB "
                f"briefs, {FINISHED} tasks with {TEXT // 1000} KB results, {APPROVALS} pending approvals with "
                f"{TEXT // 1000} KB details "
                f"(generation {generation + 1})"
            )
            assert size < 2 * 1024 * 1024

            snap = await wait_for(company, lambda s: s.generation == generation + 1)
            shown = {t.identifier: t for t in snap.tasks}
            assert all(
                len(t.brief) <= CARRIED_TEXT_LIMIT and len(t.result or "") <= CARRIED_TEXT_LIMIT for t in snap.tasks
            )
            assert sum(t.status is TaskStatus.QUEUED for t in snap.tasks) == OPEN
            assert len([a for a in snap.approvals if a.status.value == "pending"]) == APPROVALS
            assert all(a.details == "" for a in snap.approvals) and len(snap.stored_approvals) == APPROVALS
            # The store holds every approval's details, and the API answers with them.
            ids = [f"AP-{n + 1}" for n in range(APPROVALS)]
            assert store.approval_details(company_id, ids) == {
                f"AP-{n + 1}": text("details", n) for n in range(APPROVALS)
            }
            pending = await approvals.list_approvals(
                client=client, store=store, company_id=company_id, status=ApprovalStatus.PENDING
            )
            assert {a.id: a.details for a in pending} == {f"AP-{n + 1}": text("details", n) for n in range(APPROVALS)}
            one = await approvals.get_approval(client=client, store=store, company_id=company_id, approval_id="AP-7")
            assert (one.title, one.details) == ("Sign-off 6", text("details", 6))
            whole = await with_stored_texts(store, snap)
            assert {a.id: a.details for a in whole.approvals} == {a.id: a.details for a in pending}
            assert whole.stored_approvals == [] and whole.stored_texts == []
            # The store holds every text the company left behind.
            assert store.get_task(company_id, f"ACME-{first_open}").brief == text("brief", 0)
            done = [t for t in shown.values() if t.status is TaskStatus.DONE]
            assert len(done) == FINISHED
            assert {store.get_task(company_id, t.identifier).result for t in done} == {  # type: ignore[union-attr]
                text("result", i) for i in range(FINISHED)
            }

            # The paused agent resumes: its first two tasks start with their whole briefs.
            await company.execute_update(CompanyWorkflow.resume_agent, AgentActionInput(agent="waiter"))
            snap = await wait_for(company, lambda s: sum(t.status is TaskStatus.RUNNING for t in s.tasks) == 2)
            running = [t.identifier for t in snap.tasks if t.status is TaskStatus.RUNNING]
            assert running == [f"ACME-{first_open}", f"ACME-{first_open + 1}"]
            for n, identifier in enumerate(running):
                child = await client.get_workflow_handle(task_workflow_id(company_id, identifier)).fetch_history()
                started = child.events[0].workflow_execution_started_event_attributes
                assert json.loads(started.input.payloads[0].data)["brief"] == text("brief", n)
                assert shown[identifier].brief == ""  # carried by reference until it started
            # Their briefs are read back into the company: shown whole until their records are
            # written, by reference after (the API fills them in).
            assert {
                t.identifier: t.brief for t in (await with_stored_texts(store, snap)).tasks if t.identifier in running
            } == {identifier: text("brief", n) for n, identifier in enumerate(running)}
            # A record written without its brief keeps the one the store holds.
            fifth = f"ACME-{first_open + 5}"
            await company.execute_update(CompanyWorkflow.cancel_task, TaskActionInput(identifier=fifth))
            snap = await wait_for(
                company, lambda s: any(t.identifier == fifth and t.status.is_terminal for t in s.tasks)
            )
            await wait_for(company, lambda _: store.get_task(company_id, fifth).status is TaskStatus.CANCELLED)  # type: ignore[union-attr]
            kept = store.get_task(company_id, fifth)
            assert kept is not None and (kept.brief, kept.result) == (text("brief", 5), "cancelled by board")
            # Readers of the API get the snapshot with every text filled in from the store.
            filled = {t.identifier: t for t in (await with_stored_texts(store, snap)).tasks}
            assert filled[fifth].brief == text("brief", 5) and filled[fifth].result == "cancelled by board"
            assert filled[f"ACME-{first_open + 9}"].brief == text("brief", 9)
            assert {t.result for t in filled.values() if t.assignee == "doer"} == {
                text("result", i) for i in range(FINISHED)
            }
            # Deciding an approval carried without its details answers with them (AP-7: the open
            # ACME-{first_open + 6}'s; AP-6 was asked for the task cancelled above, and is refused).
            decision = Decision(decision=ApprovalStatus.REJECTED, note="not now")
            decided = await approvals.decide(
                client=client, store=store, company_id=company_id, approval_id="AP-7", decision=decision
            )
            assert (decided.status, decided.note, decided.details) == (
                ApprovalStatus.REJECTED,
                "not now",
                text("details", 6),
            )
        finally:
            await end_companies(client, queue)
