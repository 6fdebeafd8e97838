"""A `template` step on the dev server with the real company, task and pipeline workflows: the run
hires a temporary agent from the template through the company (its org rules apply, a refusal is
the step's), the agent does the step's task, and it is retired when the run ends, however it
ends; a run that stops while a step waits at its gate leaves no approval pending."""

import asyncio

import pytest
from temporalio.client import WorkflowHandle
from temporalio.testing import WorkflowEnvironment

from paperclip.models import AgentStatus, ApprovalStatus, DecideApprovalInput, Role, TaskStatus
from paperclip.models.pipeline_steps import PipelineCancel
from paperclip.models.pipelines import PipelineSpec, PipelineStep, RunStatus, StepApproval, StepStatus
from tests.workflows.helpers import start_company, wait_for
from tests.workflows.pipeline_helpers import StepModel, pipeline_workers, start_run, step, team, wait_run
from workflows.company import CompanyWorkflow
from workflows.pipeline import PipelineWorkflow
from workflows.pipeline_hires import temporary_name


@pytest.fixture(autouse=True)
def no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The templates name OpenAI models: without a key here their agents run on the simulated one
    (as the API's hires do), which the stand-in model answers."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY"):
        monkeypatch.delenv(name, raising=False)


def run_id_of(handle_id: str) -> str:
    return handle_id.rpartition(":")[2]


async def start_company_with_cto(env: WorkflowEnvironment, queue: str) -> WorkflowHandle[CompanyWorkflow, object]:
    return await start_company(env.client, queue, team("cto", "a"))


async def test_a_template_step_hires_a_temporary_agent_that_is_retired_when_the_run_ends(
    dev_env: WorkflowEnvironment,
) -> None:
    model = StepModel(results={"a": ["NOTES: three points"]})
    spec = PipelineSpec(
        name="digest",
        steps=[
            PipelineStep(id="notes", agent="a", task="Take notes.", output="notes"),
            PipelineStep(id="summary", template="summarizer", task="Summarise ${notes}.", input=["notes"]),
        ],
    )
    async with pipeline_workers(dev_env.client, model) as queue:
        company = await start_company_with_cto(dev_env, queue)
        run = await start_run(dev_env.client, queue, company, spec)
        state = await run.result()
        name = temporary_name("summary", run_id_of(run.id))
        snap = await wait_for(company, lambda s: s.agents[-1].status is AgentStatus.TERMINATED)

    assert state.status is RunStatus.DONE, state
    summary = step(state, "summary")
    assert summary.status is StepStatus.DONE and summary.agent == name and summary.task == "ACME-2"
    # The step's task went to the temporary agent, which read the earlier output like any step.
    assert model.agents["ACME-2"] == name and "NOTES: three points" in model.assignments["ACME-2"]
    tasks = {t.identifier: t for t in snap.tasks}
    assert tasks["ACME-2"].assignee == name and tasks["ACME-2"].status is TaskStatus.DONE
    # Hired from the template, under the CEO; retired when the run ended, its spend kept.
    agent = next(a for a in snap.agents if a.spec.name == name)
    assert agent.spec.template == "summarizer" and agent.spec.role is Role.GENERAL
    assert agent.spec.reports_to == "ceo" and agent.spec.model.is_simulated
    assert agent.status is AgentStatus.TERMINATED and agent.cost_usd == pytest.approx(0.001)
    log = [e for e in snap.recent if e.agent == name]
    assert [e.kind for e in log][:1] == ["agent.hired"] and "for pipeline run" in log[0].summary
    assert any(e.kind == "agent.terminated" and "retired: pipeline run" in e.summary for e in log)
    # The company's own agents are untouched.
    others = [a for a in snap.agents if a.spec.name != name]
    assert [a.spec.name for a in others] == ["ceo", "cto", "a"]
    assert all(a.status is not AgentStatus.TERMINATED for a in others)


async def test_a_cancelled_run_retires_its_temporary_agent_and_cancels_its_task(dev_env: WorkflowEnvironment) -> None:
    hold = asyncio.Event()
    model = StepModel()
    spec = PipelineSpec(name="slow", steps=[PipelineStep(id="write", template="writer", task="Write it.")])
    async with pipeline_workers(dev_env.client, model) as queue:
        company = await start_company_with_cto(dev_env, queue)
        run = await start_run(dev_env.client, queue, company, spec)
        name = temporary_name("write", run_id_of(run.id))
        model.gates[name] = hold
        await wait_run(run, lambda s: "ACME-1" in model.agents)
        await run.execute_update(PipelineWorkflow.cancel, PipelineCancel(reason="not needed", actor="ana"))
        state = await run.result()
        snap = await wait_for(
            company, lambda s: any(a.spec.name == name and a.status is AgentStatus.TERMINATED for a in s.agents)
        )
    assert state.status is RunStatus.CANCELLED and step(state, "write").agent == name
    assert model.cancelled == ["ACME-1"]
    assert {t.identifier: t.status for t in snap.tasks} == {"ACME-1": TaskStatus.CANCELLED}


async def test_a_hire_the_company_refuses_fails_the_step_with_the_reason(dev_env: WorkflowEnvironment) -> None:
    spec = PipelineSpec(name="coup", steps=[PipelineStep(id="boss", template="ceo", task="Run the company.")])
    async with pipeline_workers(dev_env.client, StepModel()) as queue:
        company = await start_company_with_cto(dev_env, queue)
        run = await start_run(dev_env.client, queue, company, spec)
        state = await run.result()
        snap = await company.query(CompanyWorkflow.snapshot)
    name = temporary_name("boss", run_id_of(run.id))
    assert state.status is RunStatus.FAILED
    boss = step(state, "boss")
    assert boss.status is StepStatus.FAILED and boss.task is None
    assert boss.error == (
        f"the company refused its task: could not hire a temporary agent '{name}' from template 'ceo':"
        " the company already has a CEO ('ceo')"
    )
    assert [a.spec.name for a in snap.agents] == ["ceo", "cto", "a"] and snap.tasks == []


async def test_a_template_that_cannot_be_read_fails_the_step(dev_env: WorkflowEnvironment) -> None:
    spec = PipelineSpec(name="magic", steps=[PipelineStep(id="spell", template="wizard", task="Cast.")])
    async with pipeline_workers(dev_env.client, StepModel()) as queue:
        company = await start_company_with_cto(dev_env, queue)
        run = await start_run(dev_env.client, queue, company, spec)
        state = await run.result()
        snap = await company.query(CompanyWorkflow.snapshot)
    spell = step(state, "spell")
    assert state.status is RunStatus.FAILED and spell.status is StepStatus.FAILED
    assert spell.error is not None and spell.error.startswith(
        "could not hire a temporary agent from template 'wizard': "
    )
    assert "wizard" in spell.error.split(": ", 1)[1] and len(snap.agents) == 3


async def test_a_gated_template_step_hires_only_once_approved(dev_env: WorkflowEnvironment) -> None:
    spec = PipelineSpec(
        name="careful", steps=[PipelineStep(id="edit", template="editor", task="Edit.", approval=StepApproval())]
    )
    async with pipeline_workers(dev_env.client, StepModel()) as queue:
        company = await start_company_with_cto(dev_env, queue)
        run = await start_run(dev_env.client, queue, company, spec)
        state = await wait_run(run, lambda s: step(s, "edit").approval is not None)
        snap = await company.query(CompanyWorkflow.snapshot)
        assert len(snap.agents) == 3 and step(state, "edit").agent is None  # nobody hired before the decision
        await company.execute_update(
            CompanyWorkflow.decide_approval,
            DecideApprovalInput(id=step(state, "edit").approval, decision=ApprovalStatus.APPROVED),
        )
        state = await run.result()
    assert state.status is RunStatus.DONE and step(state, "edit").agent == temporary_name("edit", run_id_of(run.id))


async def test_a_run_that_continues_as_new_keeps_its_temporary_agent_and_retires_it(
    dev_env: WorkflowEnvironment,
) -> None:
    hold = asyncio.Event()
    model = StepModel()
    spec = PipelineSpec(name="long", steps=[PipelineStep(id="write", template="writer", task="Write it.")])
    async with pipeline_workers(dev_env.client, model) as queue:
        company = await start_company_with_cto(dev_env, queue)
        run = await start_run(dev_env.client, queue, company, spec, continue_as_new_after_events=1)
        name = temporary_name("write", run_id_of(run.id))
        model.gates[name] = hold
        await wait_run(run, lambda s: step(s, "write").task is not None)
        for _ in range(200):  # the task's news is its one handled message: it continues as new
            if (await run.describe()).run_id != run.result_run_id:
                break
            await asyncio.sleep(0.05)
        else:
            raise AssertionError("the run did not continue as new")
        hold.set()
        state = await dev_env.client.get_workflow_handle_for(PipelineWorkflow.run, run.id).result()
        snap = await wait_for(
            company, lambda s: any(a.spec.name == name and a.status is AgentStatus.TERMINATED for a in s.agents)
        )
    assert state.status is RunStatus.DONE and step(state, "write").agent == name
    assert [t.assignee for t in snap.tasks] == [name]  # hired and asked once, across the two runs
    assert [e.kind for e in snap.recent if e.agent == name and e.kind.startswith("agent.")] == [
        "agent.hired",
        "agent.terminated",
    ]
