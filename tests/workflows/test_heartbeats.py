"""Heartbeats on the time-skipping server: agents wake every interval, and only a wake that
finds work (an assigned task, a comment, an unattended goal) leads to a model call."""

from datetime import timedelta

from temporalio.testing import WorkflowEnvironment

from paperclip.models import (
    AgentActionInput,
    AgentSpec,
    CommentInput,
    CreateTaskInput,
    GoalInput,
    GoalLevel,
    GoalStatus,
    GoalUpdateInput,
    HeartbeatPolicy,
    ModelConfig,
    TaskStatus,
    ToolCall,
)
from paperclip.tools import COMPLETE_TASK, DELEGATE_TASK
from tests.workflows.helpers import start_company, wait_for
from tests.workflows.stand_ins import ScriptedModel, stand_in_workers
from workflows.company import CompanyWorkflow

HOUR = 3600
HOURLY = HeartbeatPolicy(interval_seconds=HOUR, wake_on_assignment=False)


def team() -> list[AgentSpec]:
    """A lead and nine reports, all waking hourly and taking new work only when they wake."""
    cheap = ModelConfig(model="cheap")
    return [AgentSpec(name="lead", role="ceo", heartbeat=HOURLY, wake_model=cheap)] + [
        AgentSpec(name=f"a{i}", role="engineer", reports_to="lead", heartbeat=HOURLY) for i in range(1, 10)
    ]


def complete(result: str) -> list[ToolCall]:
    return [ToolCall(id="done", name=COMPLETE_TASK, arguments={"result": result})]


async def test_ten_agents_over_24_hours_call_the_model_only_when_there_is_work(
    skipping_env: WorkflowEnvironment,
) -> None:
    env = skipping_env
    model = ScriptedModel(plans={"lead": [complete("next step planned")]})
    async with stand_in_workers(env.client, model) as queue:
        company = await start_company(env.client, queue, team(), goals=[GoalInput(title="Grow")])
        clock = 0.0

        async def until(hours: float) -> None:
            nonlocal clock
            await env.sleep(timedelta(hours=hours - clock))
            clock = hours

        def calls_by(agent: str) -> int:
            return sum(c.session.agent == agent for c in model.calls)

        # 02:30 work for a3: it waits for a3's 03:00 wake.
        await until(2.5)
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Fix", assignee="a3"))
        await until(2.9)
        snap = await company.query(CompanyWorkflow.snapshot)
        assert [t.status for t in snap.tasks] == [TaskStatus.QUEUED] and model.calls == []
        await until(3.1)
        await wait_for(company, lambda s: s.tasks[0].status is TaskStatus.DONE)
        assert calls_by("a3") == 1

        # 07:15 work for a5 and a6, started at 08:00.
        await until(7.25)
        for name in ("a5", "a6"):
            await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Test", assignee=name))
        await until(7.9)
        assert len(model.calls) == 1
        await until(8.1)
        await wait_for(company, lambda s: sum(t.status is TaskStatus.DONE for t in s.tasks) == 3)

        # 13:30 a team goal owned by the lead with no task: at 14:00 the lead's wake plans it.
        await until(13.5)
        await company.execute_update(
            CompanyWorkflow.create_goal,
            GoalInput(title="Win a customer", level=GoalLevel.TEAM, parent="G1", owner="lead"),
        )
        await until(14.1)
        snap = await wait_for(company, lambda s: len(s.tasks) == 4 and s.tasks[3].status is TaskStatus.DONE)
        planned = snap.tasks[3]
        assert (planned.assignee, planned.goal) == ("lead", "G2")
        assert planned.title.startswith("Plan the next step towards G2")
        await company.execute_update(CompanyWorkflow.update_goal, GoalUpdateInput(id="G2", status=GoalStatus.ACHIEVED))

        await until(24.5)
        snap = await company.query(CompanyWorkflow.snapshot)
        # Its timers would hold the shared time-skipping server once the workers are gone.
        await company.terminate()
    assert len(model.calls) == 4
    assert {c.session.agent for c in model.calls} == {"a3", "a5", "a6", "lead"}
    # The work its heartbeat found ran on the lead's cheaper wake model.
    assert [c.model.model for c in model.calls if c.session.agent == "lead"] == ["cheap"]
    wakes = {a.spec.name: (a.wakes, a.skipped_wakes) for a in snap.agents}
    assert wakes == {
        name: ((1, 23) if name in ("a3", "a5", "a6", "lead") else (0, 24))
        for name in ["lead"] + [f"a{i}" for i in range(1, 10)]
    }
    assert sum(e.kind == "agent.woke" for e in snap.recent) == 4


async def test_a_comment_wakes_a_waiting_task_only_at_its_agents_next_heartbeat(
    skipping_env: WorkflowEnvironment,
) -> None:
    env = skipping_env
    quiet = HeartbeatPolicy(interval_seconds=HOUR, wake_on_comment=False)
    lead = AgentSpec(name="lead", role="ceo", heartbeat=quiet)
    model = ScriptedModel(
        plans={
            "lead": [
                [ToolCall(id="give", name=DELEGATE_TASK, arguments={"agent": "dev", "title": "Do", "brief": "go"})]
            ]
        },
    )
    async with stand_in_workers(env.client, model) as queue:
        company = await start_company(env.client, queue, [lead, AgentSpec(name="dev", reports_to="lead")])
        # dev is paused: the subtask it gets holds, so the lead's task waits blocked (nothing runs).
        await company.execute_update(CompanyWorkflow.pause_agent, AgentActionInput(agent="dev"))
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Ship", assignee="lead"))
        await wait_for(
            company, lambda s: any(t.identifier == "ACME-1" and t.status is TaskStatus.BLOCKED for t in s.tasks)
        )
        await env.sleep(timedelta(minutes=10))
        await company.execute_update(CompanyWorkflow.post_comment, CommentInput(identifier="ACME-1", body="status?"))
        await env.sleep(timedelta(minutes=40))
        assert sum(c.session.agent == "lead" for c in model.calls) == 1  # no turn yet
        await env.sleep(timedelta(minutes=15))  # the lead's 01:00 wake
        await wait_for(company, lambda s: sum(c.session.agent == "lead" for c in model.calls) == 2)
        second = [c for c in model.calls if c.session.agent == "lead"][1]
        assert any("Comment from board: status?" in m.content for m in second.new_messages)
        snap = await company.query(CompanyWorkflow.snapshot)
        assert next(a for a in snap.agents if a.spec.name == "lead").wakes == 1
        await company.execute_update(CompanyWorkflow.resume_agent, AgentActionInput(agent="dev"))
        await wait_for(company, lambda s: all(t.status is TaskStatus.DONE for t in s.tasks))
        await company.terminate()
