"""Dependencies between tasks on the dev server: a chain runs in order with its inputs' results, a
cycle or a bad blocker is refused with the reason, a blocker that fails leaves its dependants
blocked, and an agent's `add_blocker` reaches its own team's tasks only."""

import asyncio

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from paperclip.models import (
    AgentSpec,
    CompanyActionInput,
    CreateTaskInput,
    CreateTasksInput,
    ReassignTaskInput,
    TaskActionInput,
    TaskStatus,
    ToolCall,
)
from paperclip.models.dependencies import AddBlockerInput
from tests.workflows.helpers import org, start_company, wait_for
from tests.workflows.stand_ins import ScriptedModel, stand_in_workers
from workflows.company import CompanyWorkflow

TEAM = [AgentSpec(name="a"), AgentSpec(name="b"), AgentSpec(name="c")]


def chain() -> CreateTasksInput:
    """ACME-1 (c) waits on ACME-2 (b), which waits on ACME-3 (a): created last-first, run first-last."""
    return CreateTasksInput(
        tasks=[
            CreateTaskInput(title="Ship", assignee="c", blocked_by=["ACME-2"], inputs=["ACME-2"]),
            CreateTaskInput(title="Build", assignee="b", blocked_by=["ACME-3"], inputs=["ACME-3"]),
            CreateTaskInput(title="Design", assignee="a"),
        ]
    )


def tasks_of(snap):
    return {t.identifier: t for t in snap.tasks}


async def test_a_chain_of_three_runs_in_order_each_given_its_input(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel()
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, TEAM)
        created = await company.execute_update(CompanyWorkflow.create_tasks, chain())
        assert [(t.identifier, t.blocked_by, t.status) for t in created] == [
            ("ACME-1", ["ACME-2"], TaskStatus.QUEUED),
            ("ACME-2", ["ACME-3"], TaskStatus.QUEUED),
            ("ACME-3", [], TaskStatus.QUEUED),
        ]
        snap = await wait_for(company, lambda s: len(s.tasks) == 3 and all(t.status.is_terminal for t in s.tasks))
    assert all(t.status is TaskStatus.DONE for t in snap.tasks)
    assert [c.session.task for c in model.calls] == ["ACME-3", "ACME-2", "ACME-1"]
    first = {c.session.task: c.new_messages[0].content for c in model.calls}
    assert "- ACME-3 'Design': a finished" in first["ACME-2"]
    assert "- ACME-2 'Build': b finished" in first["ACME-1"]
    assert "Inputs" not in first["ACME-3"]


async def test_a_blocker_that_fails_leaves_its_dependant_blocked_and_tells_its_assignee(
    dev_env: WorkflowEnvironment,
) -> None:
    rejected = ApplicationError("bad key", type="ProviderRejected", non_retryable=True)
    model = ScriptedModel(failures={"a": [rejected]})
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, TEAM)
        await company.execute_update(CompanyWorkflow.create_tasks, chain())
        snap = await wait_for(company, lambda s: tasks_of(s)["ACME-2"].status is TaskStatus.BLOCKED)
        tasks = tasks_of(snap)
        assert tasks["ACME-3"].status is TaskStatus.FAILED
        assert tasks["ACME-2"].blocked_reason is not None
        assert tasks["ACME-2"].blocked_reason.startswith("its blocker ACME-3 failed")
        assert tasks["ACME-1"].status is TaskStatus.QUEUED  # still waits on ACME-2, which is not done
        told = [e for e in snap.recent if e.kind == "task.blocked"]
        assert [(e.task, e.agent) for e in told] == [("ACME-2", "b")]
        assert {a.spec.name: a.status for a in snap.agents}["b"] == "idle"  # not at work on it
        # Handed to c, it is still not started: no run is counted for either agent.
        await company.execute_update(
            CompanyWorkflow.reassign_task, ReassignTaskInput(identifier="ACME-2", assignee="c")
        )
        snap = await company.query(CompanyWorkflow.snapshot)
        assert {a.spec.name: a.running for a in snap.agents} == {"a": 0, "b": 0, "c": 0}
        assert tasks_of(snap)["ACME-2"].assignee == "c"
        # Cancelling the blocked task (it never started) blocks the one waiting on it in turn.
        await company.execute_update(CompanyWorkflow.cancel_task, TaskActionInput(identifier="ACME-2"))
        snap = await wait_for(company, lambda s: tasks_of(s)["ACME-1"].status is TaskStatus.BLOCKED)
        assert tasks_of(snap)["ACME-2"].status is TaskStatus.CANCELLED
        assert tasks_of(snap)["ACME-1"].blocked_reason == "its blocker ACME-2 cancelled: cancelled by board"
    assert [c.session.task for c in model.calls] == ["ACME-3"]


def _new(**fields) -> CreateTaskInput:
    return CreateTaskInput(title="x", assignee="ceo", **fields)


@pytest.mark.parametrize(
    ("tasks", "message"),
    [
        (
            [_new(blocked_by=["ACME-2"]), _new(blocked_by=["ACME-1"])],
            "a dependency cycle: ACME-1 → ACME-2 → ACME-1",
        ),
        (
            [_new(blocked_by=["ACME-3"]), _new(blocked_by=["ACME-1"]), _new(blocked_by=["ACME-2"])],
            "a dependency cycle: ACME-1 → ACME-3 → ACME-2 → ACME-1",
        ),
        ([_new(blocked_by=["ACME-1"])], "ACME-1 cannot wait on itself"),
        ([_new(blocked_by=["ACME-9"])], "blocker 'ACME-9' not found"),
        ([_new(blocked_by=["OTHER-1"])], "blocker 'OTHER-1' is not a task of company"),
        ([_new(), _new(blocked_by=["ACME-1"], inputs=["ACME-7"])], "inputs ACME-7 of ACME-2 are not among"),
    ],
)
async def test_cycles_and_bad_blockers_are_refused_before_history(
    dev_env: WorkflowEnvironment, tasks: list[CreateTaskInput], message: str
) -> None:
    async with stand_in_workers(dev_env.client, ScriptedModel()) as queue:
        company = await start_company(dev_env.client, queue, org(reports=1))
        with pytest.raises(WorkflowUpdateFailedError) as failure:
            await company.execute_update(CompanyWorkflow.create_tasks, CreateTasksInput(tasks=tasks))
        assert message in str(failure.value.cause)
        assert (await company.query(CompanyWorkflow.snapshot)).tasks == []


async def test_add_blocker_refuses_a_cycle_naming_it(dev_env: WorkflowEnvironment) -> None:
    async with stand_in_workers(dev_env.client, ScriptedModel()) as queue:
        company = await start_company(dev_env.client, queue, org(reports=1))
        await company.execute_update(CompanyWorkflow.pause_company, CompanyActionInput(reason="planning"))
        await company.execute_update(CompanyWorkflow.create_task, _new())
        await company.execute_update(CompanyWorkflow.create_task, _new(blocked_by=["ACME-1"]))
        await company.execute_update(CompanyWorkflow.create_task, _new(blocked_by=["ACME-2"]))
        with pytest.raises(WorkflowUpdateFailedError) as failure:
            await company.execute_update(
                CompanyWorkflow.add_blocker, AddBlockerInput(identifier="ACME-1", blocked_by="ACME-3")
            )
        assert "a dependency cycle: ACME-1 → ACME-3 → ACME-2 → ACME-1" in str(failure.value.cause)
        record = await company.execute_update(
            CompanyWorkflow.add_blocker, AddBlockerInput(identifier="ACME-3", blocked_by="ACME-1", input=True)
        )
        assert record.blocked_by == ["ACME-2", "ACME-1"] and record.inputs == ["ACME-1"]


async def test_an_agents_add_blocker_reaches_its_own_team_only(dev_env: WorkflowEnvironment) -> None:
    def add(task: str, blocked_by: str) -> ToolCall:
        return ToolCall(id=f"add-{task}", name="add_blocker", arguments={"task": task, "blocked_by": blocked_by})

    model = ScriptedModel(gated={"r2"}, plans={"r1": [[add("ACME-2", "ACME-3"), add("ACME-4", "ACME-1")]]})
    agents = [
        AgentSpec(name="ceo", role="ceo"),
        AgentSpec(name="r1", reports_to="ceo", tools=["add_blocker"], max_concurrent_runs=1),
        AgentSpec(name="r2", reports_to="ceo"),
    ]
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, agents)
        for task in [
            CreateTaskInput(title="Long job", assignee="r2"),
            CreateTaskInput(title="Later", assignee="r2", blocked_by=["ACME-1"]),
            CreateTaskInput(title="Plan", assignee="r1"),
            CreateTaskInput(title="Follow-up", assignee="r1"),
        ]:
            await company.execute_update(CompanyWorkflow.create_task, task)
        await wait_for(company, lambda s: tasks_of(s)["ACME-3"].status is TaskStatus.DONE)
        await asyncio.sleep(0.5)  # time for dispatch to start ACME-4, were it not waiting
        tasks = tasks_of(await company.query(CompanyWorkflow.snapshot))
        assert tasks["ACME-2"].blocked_by == ["ACME-1"]  # r2's task: out of r1's reach
        assert tasks["ACME-4"].blocked_by == ["ACME-1"] and tasks["ACME-4"].status is TaskStatus.QUEUED
        answers = [m.content for m in [c for c in model.calls if c.session.task == "ACME-3"][1].new_messages]
        assert "ACME-2 is r2's, outside r1's team" in answers[0]
        assert answers[1] == "ACME-4 now waits on ACME-1: it starts once they are done."
        model.gate.set()
        await wait_for(company, lambda s: all(t.status is TaskStatus.DONE for t in s.tasks))
