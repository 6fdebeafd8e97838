"""CompanyWorkflow on the dev server: delegation, dispatch, validators, continue-as-new."""

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from paperclip.models import AgentSpec, CreateTaskInput, HireAgentInput, Priority, TaskStatus
from tests.workflows.helpers import org, start_company, wait_for
from tests.workflows.stand_ins import RecordingStore, ScriptedModel, stand_in_workers
from workflows.company import CompanyWorkflow


def all_done(count: int):
    return lambda s: len(s.tasks) == count and all(t.status.is_terminal for t in s.tasks)


async def test_ceo_delegates_to_each_report_and_results_flow_back(dev_env: WorkflowEnvironment) -> None:
    model, store = ScriptedModel(), RecordingStore()
    async with stand_in_workers(dev_env.client, model, store) as queue:
        company = await start_company(dev_env.client, queue, org(reports=2))
        task = await company.execute_update(
            CompanyWorkflow.create_task, CreateTaskInput(title="Ship v1", assignee="ceo")
        )
        assert task.identifier == "ACME-1" and task.status is TaskStatus.QUEUED
        snap = await wait_for(company, all_done(3))

    tasks = {t.identifier: t for t in snap.tasks}
    assert set(tasks) == {"ACME-1", "ACME-1.1", "ACME-1.2"}
    assert {tasks["ACME-1.1"].assignee, tasks["ACME-1.2"].assignee} == {"r1", "r2"}
    assert all(t.status is TaskStatus.DONE for t in tasks.values())
    assert tasks["ACME-1.1"].parent == "ACME-1"
    assert tasks["ACME-1"].result == "ceo finished"
    assert tasks["ACME-1"].turns == 2  # delegate, then (woken by both results) complete
    # The CEO's second turn is given the children's results, not the whole conversation.
    ceo_second = [c for c in model.calls if c.session.task == "ACME-1" and c.seq == 2][0]
    child_reports = [m.content for m in ceo_second.new_messages if m.role == "user"]
    assert sorted(r.split(" ")[1] for r in child_reports) == ["ACME-1.1", "ACME-1.2"]
    assert all("finished: done" in r for r in child_reports)
    assert [m.role for m in ceo_second.new_messages[:2]] == ["tool", "tool"]
    assert snap.cost_usd == pytest.approx(0.004)
    # Every change reached the store batches.
    recorded = {t.identifier: t.status for b in store.batches for t in b.tasks}
    assert recorded == {"ACME-1": TaskStatus.DONE, "ACME-1.1": TaskStatus.DONE, "ACME-1.2": TaskStatus.DONE}
    kinds = [e.kind for b in store.batches for e in b.activity]
    assert kinds.count("task.finished") == 3 and kinds.count("agent.hired") == 3


async def test_dispatch_by_priority_within_agent_concurrency(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel(gated={"solo"})
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, [AgentSpec(name="solo", max_concurrent_runs=1)])
        for title, priority in [
            ("first", Priority.LOW),
            ("low", Priority.LOW),
            ("high", Priority.HIGH),
            ("critical", Priority.CRITICAL),
            ("medium", Priority.MEDIUM),
        ]:
            await company.execute_update(
                CompanyWorkflow.create_task, CreateTaskInput(title=title, assignee="solo", priority=priority)
            )
        snap = await wait_for(company, lambda s: sum(t.status is TaskStatus.RUNNING for t in s.tasks) == 1)
        assert [t.title for t in snap.tasks if t.status is TaskStatus.RUNNING] == ["first"]
        assert len(snap.queue) == 4
        model.gate.set()
        await wait_for(company, all_done(5))
    order = [c.new_messages[0].content.split("\n")[0] for c in model.calls]
    assert [line.split(": ", 1)[1] for line in order] == ["first", "critical", "high", "medium", "low"]


@pytest.mark.parametrize(
    ("update", "argument", "message"),
    [
        (CompanyWorkflow.create_task, CreateTaskInput(title="x", assignee="nobody"), "unknown agent 'nobody'"),
        (CompanyWorkflow.create_task, CreateTaskInput(title="   ", assignee="ceo"), "a task needs a title"),
        (
            CompanyWorkflow.hire_agent,
            HireAgentInput(agent=AgentSpec(name="x", reports_to="ghost")),
            "reports_to 'ghost' is not an agent",
        ),
        (CompanyWorkflow.hire_agent, HireAgentInput(agent=AgentSpec(name="x", reports_to="x")), "cycle"),
        (CompanyWorkflow.hire_agent, HireAgentInput(agent=AgentSpec(name="r1")), "already exists"),
        (CompanyWorkflow.hire_agent, HireAgentInput(agent=AgentSpec(name="boss", role="ceo")), "already has a CEO"),
        (
            CompanyWorkflow.update_agent,
            HireAgentInput(agent=AgentSpec(name="ceo", role="ceo", reports_to="r1")),
            "cycle",
        ),
    ],
)
async def test_validators_reject_bad_input_before_history(
    dev_env: WorkflowEnvironment, update, argument, message: str
) -> None:
    async with stand_in_workers(dev_env.client, ScriptedModel()) as queue:
        company = await start_company(dev_env.client, queue, org(reports=1))
        with pytest.raises(WorkflowUpdateFailedError) as failure:
            await company.execute_update(update, argument)
        assert message in str(failure.value.cause)
        # Nothing of the rejected update entered history.
        history = await company.fetch_history()
        accepted = [e for e in history.events if e.HasField("workflow_execution_update_accepted_event_attributes")]
        assert accepted == []
        snap = await company.query(CompanyWorkflow.snapshot)
        assert snap.tasks == [] and {a.spec.name for a in snap.agents} == {"ceo", "r1"}


async def test_running_tasks_survive_company_continue_as_new(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel(gated={"r1", "r2"})
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, org(reports=2), continue_as_new_after_events=2)
        first_run = (await company.describe()).run_id
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Ship", assignee="ceo"))
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Sell", assignee="r1"))
        await wait_for(company, lambda s: s.generation >= 1 and sum(not t.status.is_terminal for t in s.tasks) == 4)
        assert (await company.describe()).run_id != first_run
        model.gate.set()
        snap = await wait_for(company, all_done(4))
    assert all(t.status is TaskStatus.DONE for t in snap.tasks)
    assert {a.spec.name: a.running for a in snap.agents} == {"ceo": 0, "r1": 0, "r2": 0}
