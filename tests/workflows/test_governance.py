"""The board's levers on the dev server: pause, resume, terminate, cancel with subtree, reassign,
comments that wake tasks, @-mentions, company pause and archive, agent statuses."""

import asyncio

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from paperclip.models import (
    AgentActionInput,
    AgentSpec,
    AgentStatus,
    CommentInput,
    CompanyActionInput,
    CreateTaskInput,
    ModelConfig,
    ReassignTaskInput,
    TaskActionInput,
    TaskStatus,
)
from tests.workflows.helpers import org, start_company, wait_for
from tests.workflows.stand_ins import ScriptedModel, stand_in_workers
from workflows.company import CompanyWorkflow


def status_of(identifier: str, status: TaskStatus):
    return lambda s: any(t.identifier == identifier and t.status is status for t in s.tasks)


def agent_status(snap, name: str) -> AgentStatus:
    return next(a.status for a in snap.agents if a.spec.name == name)


async def test_a_paused_agent_holds_before_its_next_turn_and_resumes(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel(gated={"solo"}, talk_turns=3)
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, [AgentSpec(name="solo")])
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Write", assignee="solo"))
        await wait_for(company, lambda s: len(model.calls) == 1)
        paused = await company.execute_update(CompanyWorkflow.pause_agent, AgentActionInput(agent="solo"))
        assert paused.status is AgentStatus.PAUSED
        model.gate.set()  # the turn in flight finishes; no further turn starts
        await asyncio.sleep(1.0)
        assert len(model.calls) == 1
        snap = await company.query(CompanyWorkflow.snapshot)
        assert snap.tasks[0].status is TaskStatus.RUNNING
        await company.execute_update(CompanyWorkflow.resume_agent, AgentActionInput(agent="solo"))
        snap = await wait_for(company, status_of("ACME-1", TaskStatus.DONE))
    assert len(model.calls) == 3
    assert agent_status(snap, "solo") is AgentStatus.IDLE
    kinds = [e.kind for e in snap.recent]
    assert "agent.paused" in kinds and "agent.resumed" in kinds


async def test_cancelling_a_task_cancels_its_subtree_and_the_calls_in_flight(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel(gated={"r1", "r2"})
    agents = [a.model_copy(update={"model": ModelConfig(heartbeat_timeout_seconds=2)}) for a in org(reports=2)]
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, agents)
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Ship", assignee="ceo"))
        await wait_for(company, lambda s: sum(t.status is TaskStatus.RUNNING for t in s.tasks) == 2)
        for _ in range(200):  # both subtasks' calls are in flight (each reserved its budget first)
            if {c.session.task for c in model.calls} >= {"ACME-1.1", "ACME-1.2"}:
                break
            await asyncio.sleep(0.05)
        await company.execute_update(
            CompanyWorkflow.cancel_task, TaskActionInput(identifier="ACME-1", reason="wrong plan")
        )
        snap = await wait_for(company, lambda s: len(s.tasks) == 3 and all(t.status.is_terminal for t in s.tasks))
        # The calls in flight learn it at their next heartbeat (within 0.8 x the heartbeat timeout).
        for _ in range(100):
            if len(model.cancelled) == 2:
                break
            await asyncio.sleep(0.05)
        model.gate.set()  # nothing is held any longer, whatever happened above
        with pytest.raises(WorkflowUpdateFailedError) as failure:
            await company.execute_update(CompanyWorkflow.cancel_task, TaskActionInput(identifier="ACME-1"))
        assert "ACME-1 is cancelled" in str(failure.value.cause)
    assert {t.identifier: t.status for t in snap.tasks} == {
        "ACME-1": TaskStatus.CANCELLED,
        "ACME-1.1": TaskStatus.CANCELLED,
        "ACME-1.2": TaskStatus.CANCELLED,
    }
    assert next(t for t in snap.tasks if t.identifier == "ACME-1").result == "cancelled by board: wrong plan"
    assert sorted(model.cancelled) == ["ACME-1.1", "ACME-1.2"]  # their calls were cancelled, not finished


async def test_terminating_an_agent_cancels_its_work_and_moves_its_reports(dev_env: WorkflowEnvironment) -> None:
    agents = [
        AgentSpec(name="ceo", role="ceo"),
        AgentSpec(name="cto", role="cto", reports_to="ceo", max_concurrent_runs=1),
        AgentSpec(name="dev", role="engineer", reports_to="cto"),
    ]
    model = ScriptedModel(gated={"cto"})
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, agents)
        for title in ("Build", "Test"):
            await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title=title, assignee="cto"))
        await wait_for(company, status_of("ACME-1", TaskStatus.RUNNING))
        with pytest.raises(WorkflowUpdateFailedError) as failure:
            await company.execute_update(CompanyWorkflow.terminate_agent, AgentActionInput(agent="ceo"))
        assert "heads the org chart and has reports" in str(failure.value.cause)
        await company.execute_update(CompanyWorkflow.terminate_agent, AgentActionInput(agent="cto", reason="cuts"))
        snap = await wait_for(company, lambda s: all(t.status.is_terminal for t in s.tasks))
        with pytest.raises(WorkflowUpdateFailedError) as failure:
            await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="x", assignee="cto"))
        assert "terminated" in str(failure.value.cause)
    assert {t.identifier: t.status for t in snap.tasks} == {
        "ACME-1": TaskStatus.CANCELLED,
        "ACME-2": TaskStatus.CANCELLED,
    }
    assert agent_status(snap, "cto") is AgentStatus.TERMINATED
    assert next(a for a in snap.agents if a.spec.name == "dev").spec.reports_to == "ceo"


async def test_a_reassigned_task_carries_on_with_the_new_agent(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel(gated={"ann"}, talk_turns=2)
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, [AgentSpec(name="ann"), AgentSpec(name="bob")])
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Draft", assignee="ann"))
        await wait_for(company, lambda s: len(model.calls) == 1)
        record = await company.execute_update(
            CompanyWorkflow.reassign_task, ReassignTaskInput(identifier="ACME-1", assignee="bob")
        )
        assert record.assignee == "bob"
        model.gate.set()
        snap = await wait_for(company, status_of("ACME-1", TaskStatus.DONE))
    assert [c.session.agent for c in model.calls] == ["ann", "bob"]
    handover = model.calls[1].new_messages[-1].content
    assert "reassigned from ann to you, bob" in handover
    assert snap.tasks[0].result == "bob finished"


async def test_a_comment_wakes_a_blocked_task_and_is_its_next_input(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel(gated={"r1"})
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, org(reports=1))
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Ship", assignee="ceo"))
        await wait_for(company, status_of("ACME-1", TaskStatus.BLOCKED))
        reached = await company.execute_update(
            CompanyWorkflow.post_comment, CommentInput(identifier="ACME-1", body="Please ship by Friday.")
        )
        assert reached == ["ACME-1"]
        await wait_for(company, lambda s: sum(c.session.task == "ACME-1" for c in model.calls) == 2)
        second = [c for c in model.calls if c.session.task == "ACME-1"][1]
        assert "Comment from board: Please ship by Friday." in [m.content for m in second.new_messages]
        # It tried to complete with its subtask still open: refused, so it waits again.
        await wait_for(company, status_of("ACME-1", TaskStatus.BLOCKED))
        model.gate.set()
        await wait_for(company, status_of("ACME-1", TaskStatus.DONE))
    third = [c for c in model.calls if c.session.task == "ACME-1"][2]
    assert any("still open" in m.content for m in third.new_messages if m.role == "tool")


async def test_a_mention_wakes_the_named_agent(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel(gated={"r1"})
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, org(reports=2))
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Plan", assignee="r1"))
        await wait_for(company, status_of("ACME-1", TaskStatus.RUNNING))
        reached = await company.execute_update(
            CompanyWorkflow.post_comment,
            CommentInput(identifier="ACME-1", body="@r2 can you review? cc @nobody", author="ceo"),
        )
        assert reached == ["ACME-1"]
        snap = await wait_for(company, status_of("ACME-2", TaskStatus.DONE))
        model.gate.set()
    answer = next(t for t in snap.tasks if t.identifier == "ACME-2")
    assert answer.assignee == "r2" and answer.title == "Answer ceo on ACME-1"
    assert "@r2 can you review?" in answer.brief


async def test_pause_resume_and_archive_the_company(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel()
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, [AgentSpec(name="solo")])
        await company.execute_update(CompanyWorkflow.pause_company, CompanyActionInput(reason="audit"))
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Later", assignee="solo"))
        await asyncio.sleep(0.5)
        snap = await company.query(CompanyWorkflow.snapshot)
        assert snap.paused and snap.queue == ["ACME-1"] and model.calls == []
        with pytest.raises(WorkflowUpdateFailedError) as failure:
            await company.execute_update(CompanyWorkflow.archive_company, CompanyActionInput())
        assert "1 task(s) still open (ACME-1)" in str(failure.value.cause)
        await company.execute_update(CompanyWorkflow.resume_company, CompanyActionInput())
        await wait_for(company, status_of("ACME-1", TaskStatus.DONE))
        await company.execute_update(CompanyWorkflow.archive_company, CompanyActionInput(reason="done"))
        result = await company.result()
    assert result.archived


async def test_a_failed_task_puts_its_agent_in_error_until_resumed(dev_env: WorkflowEnvironment) -> None:
    rejected = ApplicationError("bad key", type="ProviderRejected", non_retryable=True)
    model = ScriptedModel(failures={"solo": [rejected]})
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, [AgentSpec(name="solo")])
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="One", assignee="solo"))
        snap = await wait_for(company, status_of("ACME-1", TaskStatus.FAILED))
        assert agent_status(snap, "solo") is AgentStatus.ERROR
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Two", assignee="solo"))
        await asyncio.sleep(0.5)
        assert (await company.query(CompanyWorkflow.snapshot)).queue == ["ACME-2"]
        await company.execute_update(CompanyWorkflow.resume_agent, AgentActionInput(agent="solo"))
        snap = await wait_for(company, status_of("ACME-2", TaskStatus.DONE))
    assert agent_status(snap, "solo") is AgentStatus.IDLE


async def test_work_delegated_to_a_paused_agent_waits_for_its_resume(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel()
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, org(reports=1))
        await company.execute_update(CompanyWorkflow.pause_agent, AgentActionInput(agent="r1"))
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Ship", assignee="ceo"))
        await wait_for(company, status_of("ACME-1.1", TaskStatus.RUNNING))
        await asyncio.sleep(1.0)
        assert [c.session.task for c in model.calls] == ["ACME-1"]  # the subtask took no turn
        await company.execute_update(CompanyWorkflow.resume_agent, AgentActionInput(agent="r1"))
        snap = await wait_for(company, status_of("ACME-1", TaskStatus.DONE))
    assert [c.session.task for c in model.calls] == ["ACME-1", "ACME-1.1", "ACME-1"]
    assert all(t.status is TaskStatus.DONE for t in snap.tasks)


async def test_an_escalated_task_goes_to_the_manager_who_carries_on(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel(escalating={"dev"})
    agents = [AgentSpec(name="lead", role="ceo"), AgentSpec(name="dev", role="engineer", reports_to="lead")]
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, agents)
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Decide", assignee="dev"))
        snap = await wait_for(company, status_of("ACME-1", TaskStatus.DONE))
    assert [(c.session.agent, c.seq) for c in model.calls] == [("dev", 1), ("lead", 2)]
    assert "escalate" in [t.name for t in model.calls[0].tools]
    assert "escalate" not in [t.name for t in model.calls[1].tools]  # nobody above the lead
    handover = [m.content for m in model.calls[1].new_messages]
    assert handover[0] == "Escalated to lead: needs a decision"
    assert "reassigned from dev to you, lead" in handover[1]
    task = snap.tasks[0]
    assert (task.assignee, task.result) == ("lead", "lead finished")
    escalated = [e for e in snap.recent if e.kind == "task.escalated"]
    assert escalated and escalated[0].summary == "dev escalated ACME-1 to lead: needs a decision"
    assert {a.spec.name: a.running for a in snap.agents} == {"lead": 0, "dev": 0}
