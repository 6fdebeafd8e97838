"""The goal tree on the dev server: levels, statuses, tasks linked to goals, what agents see."""

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from paperclip.models import (
    CreateTaskInput,
    GoalInput,
    GoalLevel,
    GoalStatus,
    GoalUpdateInput,
    TaskStatus,
)
from tests.workflows.helpers import org, start_company, wait_for
from tests.workflows.stand_ins import ScriptedModel, stand_in_workers
from workflows.company import CompanyWorkflow

FOUNDING = [GoalInput(title="Ship the product"), GoalInput(title="Find customers", status=GoalStatus.PLANNED)]


async def rejected(company, update, argument) -> str:
    with pytest.raises(WorkflowUpdateFailedError) as failure:
        await company.execute_update(update, argument)
    return str(failure.value.cause)


async def test_founding_goals_and_a_tree_below_them(dev_env: WorkflowEnvironment) -> None:
    async with stand_in_workers(dev_env.client, ScriptedModel()) as queue:
        company = await start_company(dev_env.client, queue, org(reports=2), goals=FOUNDING)
        team = await company.execute_update(
            CompanyWorkflow.create_goal, GoalInput(title="Build v1", level=GoalLevel.TEAM, parent="G1", owner="r1")
        )
        mine = await company.execute_update(
            CompanyWorkflow.create_goal, GoalInput(title="API", level=GoalLevel.AGENT, parent=team.id, owner="r1")
        )
        snap = await company.query(CompanyWorkflow.snapshot)
    assert [(g.id, g.level, g.parent, g.status) for g in snap.goals] == [
        ("G1", GoalLevel.COMPANY, None, GoalStatus.ACTIVE),
        ("G2", GoalLevel.COMPANY, None, GoalStatus.PLANNED),
        ("G3", GoalLevel.TEAM, "G1", GoalStatus.ACTIVE),
        ("G4", GoalLevel.AGENT, "G3", GoalStatus.ACTIVE),
    ]
    assert mine.id == "G4"
    assert sum(e.kind == "goal.created" for e in snap.recent) == 4


@pytest.mark.parametrize(
    ("goal", "message"),
    [
        (GoalInput(title="x", level=GoalLevel.TEAM, owner="r1"), "a team goal needs a parent goal"),
        (GoalInput(title="x", level=GoalLevel.TEAM, parent="G9", owner="r1"), "parent goal 'G9' not found"),
        (GoalInput(title="x", level=GoalLevel.TEAM, parent="G1"), "needs an owner"),
        (GoalInput(title="x", level=GoalLevel.TEAM, parent="G1", owner="nobody"), "unknown agent 'nobody'"),
        (GoalInput(title="x", parent="G1"), "a company goal has no parent goal"),
        (GoalInput(title="x", level=GoalLevel.TEAM, parent="G3", owner="r1"), "cannot serve a agent goal"),
        (GoalInput(title="x", status=GoalStatus.ACHIEVED), "a new goal is planned or active"),
    ],
)
async def test_a_bad_goal_is_rejected_with_a_clear_message(
    dev_env: WorkflowEnvironment, goal: GoalInput, message: str
) -> None:
    async with stand_in_workers(dev_env.client, ScriptedModel()) as queue:
        company = await start_company(
            dev_env.client,
            queue,
            org(reports=1),
            goals=[
                GoalInput(title="Ship"),
                GoalInput(title="Team", level=GoalLevel.TEAM, parent="G1", owner="r1"),
                GoalInput(title="Mine", level=GoalLevel.AGENT, parent="G2", owner="r1"),
            ],
        )
        assert message in await rejected(company, CompanyWorkflow.create_goal, goal)
        snap = await company.query(CompanyWorkflow.snapshot)
    assert len(snap.goals) == 3


async def test_goal_statuses_follow_their_lifecycle_and_a_company_keeps_one_goal(dev_env: WorkflowEnvironment) -> None:
    async with stand_in_workers(dev_env.client, ScriptedModel()) as queue:
        company = await start_company(dev_env.client, queue, org(reports=1), goals=FOUNDING)
        await company.execute_update(
            CompanyWorkflow.create_goal, GoalInput(title="Team", level=GoalLevel.TEAM, parent="G2", owner="r1")
        )
        done = await company.execute_update(
            CompanyWorkflow.update_goal, GoalUpdateInput(id="G1", status=GoalStatus.ACHIEVED, note="shipped")
        )
        assert done.status is GoalStatus.ACHIEVED
        # Cancelling G2 cancels the team goal under it.
        await company.execute_update(CompanyWorkflow.update_goal, GoalUpdateInput(id="G2", status=GoalStatus.CANCELLED))
        assert "cannot go from cancelled to active" in await rejected(
            company, CompanyWorkflow.update_goal, GoalUpdateInput(id="G2", status=GoalStatus.ACTIVE)
        )
        assert "cannot go from achieved to cancelled" in await rejected(
            company, CompanyWorkflow.update_goal, GoalUpdateInput(id="G1", status=GoalStatus.CANCELLED)
        )
        # Reopened, G1 is the only company goal left: it cannot be cancelled.
        await company.execute_update(CompanyWorkflow.update_goal, GoalUpdateInput(id="G1", status=GoalStatus.ACTIVE))
        assert "last goal" in await rejected(
            company, CompanyWorkflow.update_goal, GoalUpdateInput(id="G1", status=GoalStatus.CANCELLED)
        )
        assert "not found" in await rejected(
            company, CompanyWorkflow.update_goal, GoalUpdateInput(id="G7", status=GoalStatus.ACTIVE)
        )
        snap = await company.query(CompanyWorkflow.snapshot)
    assert {g.id: g.status for g in snap.goals} == {
        "G1": GoalStatus.ACTIVE,
        "G2": GoalStatus.CANCELLED,
        "G3": GoalStatus.CANCELLED,
    }


async def test_tasks_link_to_goals_and_the_ceo_sees_every_open_goal(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel()
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, org(reports=2), goals=FOUNDING)
        await company.execute_update(
            CompanyWorkflow.create_goal, GoalInput(title="Build v1", level=GoalLevel.TEAM, parent="G1", owner="r1")
        )
        await company.execute_update(
            CompanyWorkflow.create_goal, GoalInput(title="Sell v1", level=GoalLevel.TEAM, parent="G2", owner="r2")
        )
        assert "goal 'G9' not found" in await rejected(
            company, CompanyWorkflow.create_task, CreateTaskInput(title="Ship", assignee="ceo", goal="G9")
        )
        await company.execute_update(
            CompanyWorkflow.create_task, CreateTaskInput(title="Ship", assignee="ceo", goal="G3")
        )
        snap = await wait_for(
            company, lambda s: len(s.tasks) == 3 and all(t.status is TaskStatus.DONE for t in s.tasks)
        )
    assert {t.identifier: t.goal for t in snap.tasks} == {"ACME-1": "G3", "ACME-1.1": "G3", "ACME-1.2": "G3"}
    first = {c.session.task: c.new_messages[0].content for c in model.calls if c.seq == 1}
    # The CEO sees every open goal; a subtask sees its task's goal and those above it.
    for goal in ("G1 [company, active]", "G2 [company, planned]", "G3 [team, active] (this task serves it)", "G4"):
        assert goal in first["ACME-1"]
    for subtask in ("ACME-1.1", "ACME-1.2"):
        assert "G1 [company, active]" in first[subtask] and "G3 [team, active] (this task serves it)" in first[subtask]
        assert "G2" not in first[subtask] and "G4" not in first[subtask]


async def test_a_cancelled_goal_takes_no_new_task(dev_env: WorkflowEnvironment) -> None:
    async with stand_in_workers(dev_env.client, ScriptedModel()) as queue:
        company = await start_company(dev_env.client, queue, org(reports=1), goals=FOUNDING)
        await company.execute_update(CompanyWorkflow.update_goal, GoalUpdateInput(id="G2", status=GoalStatus.CANCELLED))
        message = await rejected(
            company, CompanyWorkflow.create_task, CreateTaskInput(title="Sell", assignee="r1", goal="G2")
        )
    assert "goal 'G2' is cancelled" in message
