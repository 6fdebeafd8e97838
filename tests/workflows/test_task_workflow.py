"""TaskWorkflow: continue-as-new with running children, retries honouring retry-after, failures."""

from datetime import timedelta

from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from api.traces import build_trace
from paperclip.constants import task_workflow_id
from paperclip.models import AgentSpec, CreateTaskInput, ModelConfig, TaskInput, TaskStatus
from tests.workflows.helpers import company_id_of, org, start_company, start_task, wait_for
from tests.workflows.stand_ins import ScriptedModel, stand_in_workers
from workflows.company import CompanyWorkflow
from workflows.task import TaskWorkflow


async def test_children_survive_their_parent_task_continuing_as_new(dev_env: WorkflowEnvironment) -> None:
    client = dev_env.client
    model = ScriptedModel(gated={"r1", "r2"})
    async with stand_in_workers(client, model) as queue:
        company = await start_company(client, queue, org(reports=2))
        agents = org(reports=2)
        parent = await start_task(
            client,
            queue,
            company,
            identifier="ACME-900",
            agent=agents[0],
            team=agents[1:],
            continue_as_new_after_turns=1,
        )
        first_run = (await parent.describe()).run_id
        # Both children are running (held by the gate) while the parent continues-as-new.
        await wait_for(company, lambda s: sum(t.status is TaskStatus.RUNNING for t in s.tasks) == 2)
        for _ in range(100):
            if (await parent.describe()).run_id != first_run:
                break
        assert (await parent.describe()).run_id != first_run
        model.gate.set()
        result = await client.get_workflow_handle_for(TaskWorkflow.run, parent.id).result()
        snap = await wait_for(company, lambda s: sum(t.status is TaskStatus.DONE for t in s.tasks) == 3)
    assert result.status is TaskStatus.DONE
    assert result.result == "ceo finished"
    assert result.turns == 2
    assert sorted(t.identifier for t in snap.tasks) == ["ACME-900", "ACME-900.1", "ACME-900.2"]


async def test_a_rate_limited_turn_waits_out_retry_after_durably(skipping_env: WorkflowEnvironment) -> None:
    client = skipping_env.client
    limited = ApplicationError(
        "openai rate limited (429)", type="ProviderRateLimited", next_retry_delay=timedelta(minutes=30)
    )
    model = ScriptedModel(failures={"ceo": [limited, limited]})
    async with stand_in_workers(client, model) as queue:
        company = await start_company(client, queue, org(reports=0))
        company_id = company.id.split(":", 1)[1]
        before = await skipping_env.get_current_time()
        result = await client.execute_workflow(
            TaskWorkflow.run,
            TaskInput(company_id=company_id, identifier="ACME-7", title="Wait", agent=org(reports=0)[0]),
            id=task_workflow_id(company_id, "ACME-7"),
            task_queue=queue,
        )
        elapsed = await skipping_env.get_current_time() - before
    assert result.status is TaskStatus.DONE
    assert len(model.calls) == 3
    assert elapsed >= timedelta(minutes=60)


async def test_a_rejected_model_call_fails_the_task_with_its_message(dev_env: WorkflowEnvironment) -> None:
    rejected = ApplicationError(
        "openai rejected the request (401): bad key", type="ProviderRejected", non_retryable=True
    )
    model = ScriptedModel(failures={"ceo": [rejected]})
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, org(reports=0))
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Try", assignee="ceo"))
        snap = await wait_for(company, lambda s: s.tasks and s.tasks[0].status.is_terminal)
    task = snap.tasks[0]
    assert task.status is TaskStatus.FAILED
    assert task.result is not None and "rejected the request (401): bad key" in task.result
    assert len(model.calls) == 1  # non-retryable: not tried again


async def test_a_model_that_fails_for_good_hands_the_turn_to_the_agents_fallback(dev_env: WorkflowEnvironment) -> None:
    rejected = ApplicationError("openai rejected the request (503): outage", type="ProviderDown", non_retryable=True)
    model = ScriptedModel(failures={"solo": [rejected, rejected]})
    solo = AgentSpec(
        name="solo",
        model=ModelConfig(model="primary"),
        fallback_models=[ModelConfig(model="second"), ModelConfig(model="third")],
    )
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, [solo])
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Try", assignee="solo"))
        snap = await wait_for(company, lambda s: s.tasks and s.tasks[0].status.is_terminal)
        trace = await build_trace(dev_env.client, company_id_of(company), "ACME-1")
    assert snap.tasks[0].status is TaskStatus.DONE
    # The same turn, with the same messages, on each model in turn.
    assert [(c.model.model, c.seq) for c in model.calls] == [("primary", 1), ("second", 1), ("third", 1)]
    assert model.calls[0].new_messages == model.calls[2].new_messages
    # The trace shows each model that failed the turn, then the reply.
    assert [(e.model, e.turn) for e in trace.events if e.kind == "error"] == [("primary", 1), ("second", 1)]
    assert [e.turn for e in trace.events if e.kind == "model_reply"] == [1]
