"""Budgets hold before money is spent: every model call reserves its worst case first, a call
that does not fit pauses its scope and opens a budget_override approval, raising the budget
resumes it, and a new month (time-skipping) resumes scopes paused only for budget."""

import asyncio
import uuid
from datetime import UTC, datetime, timedelta

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from paperclip.models import (
    AgentActionInput,
    AgentSpec,
    AgentStatus,
    ApprovalKind,
    ApprovalStatus,
    Budget,
    BudgetRequest,
    Cap,
    CompanyActionInput,
    CompanySpec,
    CreateTaskInput,
    DecideApprovalInput,
    GoalInput,
    GoalLevel,
    ModelConfig,
    SetBudgetInput,
    SetCapInput,
    TaskStatus,
    ToolCall,
    Usage,
)
from paperclip.spend import next_month
from paperclip.tools import DELEGATE_TASK
from tests.workflows.helpers import start_company, wait_for
from tests.workflows.stand_ins import ScriptedModel, stand_in_workers
from workflows.company import CompanyWorkflow

SMALL = ModelConfig(max_tokens=50)
"""Each scripted call reports 110 tokens; its worst case is its prompt bound plus 50."""


def looper(name: str, **fields: object) -> AgentSpec:
    return AgentSpec(name=name, model=SMALL, max_turns=10_000, **fields)


def tokens_spent(snap) -> int:
    return sum(t.usage.input_tokens + t.usage.output_tokens for t in snap.tasks)


async def test_looping_agents_stop_at_the_company_budget_without_passing_it(dev_env: WorkflowEnvironment) -> None:
    cap = 10_000
    model = ScriptedModel(talk_turns=10_000)
    spec = CompanySpec(id="x", name="Acme", prefix="ACME", budget=Budget(monthly_tokens=cap))
    agents = [looper(f"a{i}") for i in range(8)]
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, agents, spec=spec)
        for agent in agents:
            await company.execute_update(
                CompanyWorkflow.create_task, CreateTaskInput(title="Loop", assignee=agent.name)
            )
        snap = await wait_for(company, lambda s: s.paused and not s.spend.reserved_tokens, timeout=60)
        calls = len(model.calls)
        await asyncio.sleep(1)
        snap = await company.query(CompanyWorkflow.snapshot)
        assert len(model.calls) == calls  # every task holds: no call after the stop
        override = [a for a in snap.approvals if a.kind is ApprovalKind.BUDGET_OVERRIDE]
        assert len(override) == 1 and override[0].status is ApprovalStatus.PENDING
        with pytest.raises(WorkflowUpdateFailedError) as wrong:
            await company.execute_update(
                CompanyWorkflow.decide_approval,
                DecideApprovalInput(id=override[0].id, decision=ApprovalStatus.APPROVED),
            )
        assert "raise the budget" in str(wrong.value.cause)
    assert snap.spend.tokens == tokens_spent(snap) == 110 * calls
    assert snap.spend.tokens <= cap
    assert snap.spend.tokens > cap / 2  # it stopped near the cap, not at the start
    assert all(t.status is TaskStatus.RUNNING for t in snap.tasks)
    # The board sees why: every agent paused for budget, every task held for it.
    assert {(a.status, a.pause_reason) for a in snap.agents} == {(AgentStatus.PAUSED, "budget")}
    assert {t.held for t in snap.tasks} == {"budget"}
    assert any("budget" in w for w in snap.budget_warnings)
    kinds = [e.kind for e in snap.recent]
    assert "budget.warning" in kinds and "budget.exhausted" in kinds


async def test_a_call_that_ends_after_its_task_was_held_settles_its_reservation(dev_env: WorkflowEnvironment) -> None:
    """The hold reaches the task during its call: the call's usage still reaches the company,
    and its reservation goes back, before the task waits."""
    model = ScriptedModel(talk_turns=10_000, gated={"slow"})
    spec = CompanySpec(id="x", name="Acme", prefix="ACME", budget=Budget(monthly_tokens=100_000))
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, [looper("slow")], spec=spec)
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Loop", assignee="slow"))
        await wait_for(company, lambda s: s.spend.reserved_tokens > 0)
        while not model.calls:
            await asyncio.sleep(0.05)
        await company.execute_update(CompanyWorkflow.pause_company, CompanyActionInput(reason="audit"))
        model.gate.set()
        snap = await wait_for(company, lambda s: s.spend.tokens == 110 and not s.spend.reserved_tokens)
        await asyncio.sleep(0.5)
        assert len(model.calls) == 1  # held after the call
    assert snap.tasks[0].status is TaskStatus.RUNNING and snap.tasks[0].usage.output_tokens == 10
    assert snap.tasks[0].held == "company paused" and snap.agents[0].pause_reason is None


async def test_an_agent_budget_pauses_that_agent_only_and_raising_it_resumes_it(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel(talk_turns=40)  # 4,400 tokens each
    agents = [looper("capped", budget=Budget(monthly_tokens=3_000)), looper("free")]
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, agents)
        for agent in agents:
            await company.execute_update(
                CompanyWorkflow.create_task, CreateTaskInput(title="Loop", assignee=agent.name)
            )
        snap = await wait_for(
            company,
            lambda s: (
                any(a.spec.name == "capped" and a.pause_reason == "budget" for a in s.agents)
                and any(t.assignee == "free" and t.status is TaskStatus.DONE for t in s.tasks)
            ),
            timeout=60,
        )
        capped = next(a for a in snap.agents if a.spec.name == "capped")
        assert capped.status is AgentStatus.PAUSED and capped.spend.tokens <= 3_000
        assert not snap.paused
        assert {t.assignee: t.held for t in snap.tasks} == {"capped": "budget", "free": None}
        await company.execute_update(CompanyWorkflow.set_budget, SetBudgetInput(scope="capped", monthly_tokens=100_000))
        snap = await wait_for(company, lambda s: all(t.status is TaskStatus.DONE for t in s.tasks), timeout=60)
    capped = next(a for a in snap.agents if a.spec.name == "capped")
    assert capped.pause_reason is None and capped.status is AgentStatus.IDLE
    assert all(t.held is None for t in snap.tasks)
    assert [a.status for a in snap.approvals if a.kind is ApprovalKind.BUDGET_OVERRIDE] == [ApprovalStatus.APPROVED]
    assert capped.spend.tokens == 110 * 40 and snap.spend.tokens == 2 * 110 * 40


async def test_a_new_month_resumes_a_company_its_budget_stopped(skipping_env: WorkflowEnvironment) -> None:
    env = skipping_env
    model = ScriptedModel(talk_turns=150)  # 16,500 tokens: more than a month's budget
    spec = CompanySpec(id="x", name="Acme", prefix="ACME", budget=Budget(monthly_tokens=10_000))
    async with stand_in_workers(env.client, model) as queue:
        company = await start_company(env.client, queue, [looper("solo")], spec=spec)
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Loop", assignee="solo"))
        snap = await wait_for(company, lambda s: s.paused, timeout=60)
        first_month, spent = snap.month, snap.spend.tokens
        assert spent <= 10_000
        now = await env.get_current_time()
        await env.sleep(next_month(now.astimezone(UTC)) - now + timedelta(minutes=1))
        snap = await wait_for(company, lambda s: s.month != first_month and not s.paused, timeout=30)
        snap = await wait_for(company, lambda s: s.tasks[0].status is TaskStatus.DONE or s.paused, timeout=60)
    assert "budget.month" in [e.kind for e in snap.recent]
    assert snap.tasks[0].usage.input_tokens + snap.tasks[0].usage.output_tokens >= spent
    assert datetime.strptime(snap.month, "%Y-%m") > datetime.strptime(first_month, "%Y-%m")


def over(snap, scope: str):
    return next(c for c in snap.caps if c.scope == scope)


def held_by(scope: str, *, while_done: str):
    """The cap holds its tasks with nothing reserved, and `while_done`'s task (outside it) finished."""
    return lambda s: (
        over(s, scope).stopped
        and not over(s, scope).spend.reserved_tokens
        and any(t.assignee == while_done and t.status is TaskStatus.DONE for t in s.tasks)
    )


async def test_a_task_cap_holds_the_task_and_its_subtasks_only_and_raising_it_lets_them_finish(
    dev_env: WorkflowEnvironment,
) -> None:
    model = ScriptedModel(talk_turns=20)  # 2,200 tokens a task: lead and dev need 4,400 together
    hand_over = ToolCall(id="call-dev", name=DELEGATE_TASK, arguments={"agent": "dev", "title": "Build", "brief": "go"})
    model.plans["lead"] = [[hand_over]]
    agents = [looper("lead"), looper("dev", reports_to="lead"), looper("other")]
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, agents)
        capped = await company.execute_update(
            CompanyWorkflow.create_task, CreateTaskInput(title="Ship", assignee="lead", budget=Cap(tokens=3_000))
        )
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Other", assignee="other"))
        scope = f"task:{capped.identifier}"
        snap = await wait_for(company, held_by(scope, while_done="other"), timeout=60)
        cap = over(snap, scope)
        subtree = [t for t in snap.tasks if t.identifier.startswith(capped.identifier)]
        assert len(subtree) == 2  # the lead delegated to dev, and the cap covers both
        assert (
            cap.spend.tokens
            == tokens_spent(snap) - 2_200
            == sum(t.usage.input_tokens + t.usage.output_tokens for t in subtree)
        )
        assert 3_000 / 2 < cap.spend.tokens <= 3_000
        assert next(t for t in subtree if t.identifier == capped.identifier).status is not TaskStatus.DONE
        assert not snap.paused and all(a.pause_reason is None for a in snap.agents)  # nothing else stops
        override = [a for a in snap.approvals if a.kind is ApprovalKind.BUDGET_OVERRIDE]
        assert [a.status for a in override] == [ApprovalStatus.PENDING] and scope in override[0].title
        assert f"{scope} is held: its budget is spent" in snap.budget_warnings
        assert {t.identifier: t.held for t in snap.tasks if not t.status.is_terminal} == {
            t.identifier: f"budget ({scope})" for t in subtree if not t.status.is_terminal
        }

        await company.execute_update(CompanyWorkflow.set_cap, SetCapInput(scope=scope, cap=Cap(tokens=10_000)))
        snap = await wait_for(company, lambda s: all(t.status is TaskStatus.DONE for t in s.tasks), timeout=60)
    cap = over(snap, scope)
    assert not cap.stopped and cap.spend.tokens == 2 * 2_200
    assert [a.status for a in snap.approvals if a.kind is ApprovalKind.BUDGET_OVERRIDE] == [ApprovalStatus.APPROVED]


async def test_a_goal_cap_covers_every_task_serving_it_and_dropping_it_lets_them_finish(
    dev_env: WorkflowEnvironment,
) -> None:
    model = ScriptedModel(talk_turns=20)
    agents = [looper("a"), looper("b"), looper("c")]
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, agents, goals=[GoalInput(title="Grow")])
        sub = await company.execute_update(
            CompanyWorkflow.create_goal,
            GoalInput(title="Launch", level=GoalLevel.TEAM, parent="G1", owner="a", budget=Cap(tokens=2_000)),
        )
        scope = f"goal:{sub.id}"
        for agent in ("a", "b"):
            await company.execute_update(
                CompanyWorkflow.create_task, CreateTaskInput(title="Launch work", assignee=agent, goal=sub.id)
            )
        await company.execute_update(
            CompanyWorkflow.create_task, CreateTaskInput(title="Else", assignee="c", goal="G1")
        )
        snap = await wait_for(company, held_by(scope, while_done="c"), timeout=60)
        served = [t for t in snap.tasks if t.goal == sub.id]
        assert over(snap, scope).spend.tokens == sum(t.usage.input_tokens + t.usage.output_tokens for t in served)
        assert over(snap, scope).spend.tokens <= 2_000
        assert all(t.status is not TaskStatus.DONE for t in served)

        for bad, why in [
            (SetCapInput(scope="task:ACME-99", cap=Cap(usd=1)), "task 'ACME-99' not found"),
            (SetCapInput(scope="goal:G9", cap=Cap(usd=1)), "goal 'G9' not found"),
            (
                SetCapInput(scope="agent:a", cap=Cap(usd=1)),
                "a lifetime cap is on `task:<identifier>`, `goal:<id>` or `project:<key>`",
            ),
        ]:
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await company.execute_update(CompanyWorkflow.set_cap, bad)
            assert why in str(refused.value.cause)

        await company.execute_update(CompanyWorkflow.set_cap, SetCapInput(scope=scope, cap=Cap()))
        snap = await wait_for(company, lambda s: all(t.status is TaskStatus.DONE for t in s.tasks), timeout=60)
    assert snap.caps == [] and not snap.budget_warnings


@pytest.mark.parametrize("change", [Cap(), Cap(tokens=100_000)], ids=["dropped", "raised"])
async def test_a_refusal_whose_cap_the_board_changed_while_it_was_sent_stops_nothing(
    dev_env: WorkflowEnvironment, change: Cap
) -> None:
    """The company refuses a call, and while the refusal is on its way to the task the board
    drops or raises the cap: the cap is not stopped, no override is asked for, the task goes on."""
    model = ScriptedModel()
    queue = f"test-{uuid.uuid4().hex}"
    async with stand_in_workers(dev_env.client, model, queue=queue, end=False):
        company = await start_company(
            dev_env.client, queue, [looper("a")], goals=[GoalInput(title="Grow", budget=Cap(tokens=1_000))]
        )
        await company.execute_update(CompanyWorkflow.pause_agent, AgentActionInput(agent="a"))
        task = await company.execute_update(
            CompanyWorkflow.create_task, CreateTaskInput(title="Grow", assignee="a", goal="G1")
        )
    # With no worker, the request and the board's change reach the company in one workflow task,
    # the request first: the change runs while the refusal is being sent.
    await company.signal(
        CompanyWorkflow.request_budget,
        BudgetRequest(identifier=task.identifier, seq=1, agent="a", usd=0.0, tokens=5_000, used=Usage(), used_usd=0.0),
    )
    changing = asyncio.create_task(
        company.execute_update(CompanyWorkflow.set_cap, SetCapInput(scope="goal:G1", cap=change))
    )
    await asyncio.sleep(0.5)
    async with stand_in_workers(dev_env.client, model, queue=queue):
        await changing
        await company.execute_update(CompanyWorkflow.resume_agent, AgentActionInput(agent="a"))
        snap = await wait_for(company, lambda s: s.tasks[0].status is TaskStatus.DONE, timeout=30)
    assert not [a for a in snap.approvals if a.kind is ApprovalKind.BUDGET_OVERRIDE]
    assert [(c.scope, c.stopped) for c in snap.caps] == ([] if not change.is_capped else [("goal:G1", False)])
