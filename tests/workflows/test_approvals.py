"""Approvals and hiring by agents: board questions, the CEO's strategy, hires that wait for the
board, decisions that wake the asking task, and the timeout that escalates (time-skipping)."""

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from paperclip.models import (
    AgentSpec,
    AgentStatus,
    ApprovalKind,
    ApprovalStatus,
    CompanySpec,
    CreateTaskInput,
    DecideApprovalInput,
    Permissions,
    TaskStatus,
    ToolCall,
)
from paperclip.tools import DELEGATE_TASK, HIRE_AGENT, REQUEST_APPROVAL
from tests.workflows.helpers import org, start_company, wait_for
from tests.workflows.stand_ins import ScriptedModel, stand_in_workers
from workflows.company import CompanyWorkflow


def ask(kind: str = "board", title: str = "Buy the domain") -> list[ToolCall]:
    return [
        ToolCall(id=f"ask-{title}", name=REQUEST_APPROVAL, arguments={"kind": kind, "title": title, "details": "$12"})
    ]


def delegate(agent: str) -> list[ToolCall]:
    return [
        ToolCall(id=f"give-{agent}", name=DELEGATE_TASK, arguments={"agent": agent, "title": "Build", "brief": "go"})
    ]


def hire(name: str, template: str = "coder") -> list[ToolCall]:
    return [
        ToolCall(
            id=f"hire-{name}", name=HIRE_AGENT, arguments={"template": template, "name": name, "reason": "more hands"}
        )
    ]


def pending(snap):
    return [a for a in snap.approvals if a.status is ApprovalStatus.PENDING]


def task_status(identifier: str, status: TaskStatus):
    return lambda s: any(t.identifier == identifier and t.status is status for t in s.tasks)


def tool_result(model: ScriptedModel, task: str, seq: int) -> str:
    call = next(c for c in model.calls if c.session.task == task and c.seq == seq)
    return "\n".join(m.content for m in call.new_messages)


async def test_a_board_question_holds_the_task_until_the_decision_which_it_reads_next(
    dev_env: WorkflowEnvironment,
) -> None:
    model = ScriptedModel(plans={"solo": [ask()]})
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, [AgentSpec(name="solo")])
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Launch", assignee="solo"))
        snap = await wait_for(company, lambda s: bool(pending(s)) and task_status("ACME-1", TaskStatus.BLOCKED)(s))
        approval = pending(snap)[0]
        assert (approval.id, approval.kind, approval.requested_by, approval.task) == (
            "AP-1",
            ApprovalKind.BOARD,
            "solo",
            "ACME-1",
        )
        assert len(model.calls) == 1  # no turn, no tokens, while it waits
        decided = await company.execute_update(
            CompanyWorkflow.decide_approval,
            DecideApprovalInput(id="AP-1", decision=ApprovalStatus.APPROVED, note="go ahead"),
        )
        assert decided.decided_by == "board" and decided.note == "go ahead"
        snap = await wait_for(company, task_status("ACME-1", TaskStatus.DONE))
        with pytest.raises(WorkflowUpdateFailedError) as again:
            await company.execute_update(
                CompanyWorkflow.decide_approval, DecideApprovalInput(id="AP-1", decision=ApprovalStatus.REJECTED)
            )
    assert "already approved" in str(again.value.cause)
    assert "Sent to the board" in tool_result(model, "ACME-1", 2)
    assert "The board approved AP-1 (board: Buy the domain). Their note: go ahead" in tool_result(model, "ACME-1", 2)
    kinds = [e.kind for e in snap.recent]
    assert "approval.requested" in kinds and "approval.decided" in kinds


async def test_a_revision_request_lets_the_agent_ask_again_and_a_rejection_is_read(
    dev_env: WorkflowEnvironment,
) -> None:
    model = ScriptedModel(plans={"solo": [ask(title="v1"), ask(title="v2")]})
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, [AgentSpec(name="solo")])
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Launch", assignee="solo"))
        await wait_for(company, lambda s: bool(pending(s)))
        await company.execute_update(
            CompanyWorkflow.decide_approval,
            DecideApprovalInput(id="AP-1", decision=ApprovalStatus.REVISION_REQUESTED, note="cheaper"),
        )
        await wait_for(company, lambda s: any(a.id == "AP-2" for a in pending(s)))
        await company.execute_update(
            CompanyWorkflow.decide_approval,
            DecideApprovalInput(id="AP-2", decision=ApprovalStatus.REJECTED, note="not now"),
        )
        snap = await wait_for(company, task_status("ACME-1", TaskStatus.DONE))
    assert "revise AP-1 (board: v1). Their note: cheaper" in tool_result(model, "ACME-1", 2)
    assert "rejected AP-2 (board: v2). Their note: not now" in tool_result(model, "ACME-1", 3)
    assert {a.id: a.status for a in snap.approvals} == {
        "AP-1": ApprovalStatus.REVISION_REQUESTED,
        "AP-2": ApprovalStatus.REJECTED,
    }


async def test_the_ceo_delegates_only_after_the_board_approves_its_strategy(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel(plans={"ceo": [delegate("r1"), ask("strategy", "Plan: r1 builds"), delegate("r1")]})
    spec = CompanySpec(id="co-strategy", name="Acme", prefix="ACME", require_strategy_approval=True)
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, org(reports=1), spec=spec)
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Ship", assignee="ceo"))
        snap = await wait_for(company, lambda s: bool(pending(s)))
        assert pending(snap)[0].kind is ApprovalKind.STRATEGY
        assert [t.identifier for t in snap.tasks] == ["ACME-1"]  # nothing delegated yet
        await company.execute_update(
            CompanyWorkflow.decide_approval, DecideApprovalInput(id="AP-1", decision=ApprovalStatus.APPROVED)
        )
        snap = await wait_for(
            company, lambda s: len(s.tasks) == 2 and all(t.status is TaskStatus.DONE for t in s.tasks)
        )
    assert "approves your plan for this task before any work is delegated" in tool_result(model, "ACME-1", 2)
    assert "The board approved AP-1 (strategy: Plan: r1 builds)" in tool_result(model, "ACME-1", 3)
    assert "Delegated ACME-1.1 to r1" in tool_result(model, "ACME-1", 4)
    # A report's task is not gated on the strategy.
    first_r1 = next(c for c in model.calls if c.session.task == "ACME-1.1")
    assert all(
        t.parameters["properties"]["kind"]["enum"] == ["board"] for t in first_r1.tools if t.name == REQUEST_APPROVAL
    )


async def test_a_hire_by_an_agent_waits_for_the_board_and_its_work_holds_until_approved(
    dev_env: WorkflowEnvironment,
) -> None:
    model = ScriptedModel(plans={"ceo": [hire("dev1"), delegate("dev1")]})
    ceo = AgentSpec(name="ceo", role="ceo", permissions=Permissions(can_hire=True))
    spec = CompanySpec(id="co-hire", name="Acme", prefix="ACME", require_hire_approval=True)
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, [ceo], spec=spec)
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Grow", assignee="ceo"))
        snap = await wait_for(company, lambda s: task_status("ACME-1.1", TaskStatus.RUNNING)(s) and bool(pending(s)))
        dev1 = next(a for a in snap.agents if a.spec.name == "dev1")
        assert dev1.status is AgentStatus.PENDING_APPROVAL
        assert (dev1.spec.template, dev1.spec.reports_to, dev1.spec.role) == ("coder", "ceo", "engineer")
        assert pending(snap)[0].kind is ApprovalKind.HIRE_AGENT and pending(snap)[0].agent.name == "dev1"
        assert not any(c.session.agent == "dev1" for c in model.calls)  # its task holds
        await company.execute_update(
            CompanyWorkflow.decide_approval, DecideApprovalInput(id="AP-1", decision=ApprovalStatus.APPROVED)
        )
        snap = await wait_for(
            company, lambda s: len(s.tasks) == 2 and all(t.status is TaskStatus.DONE for t in s.tasks)
        )
    assert next(a for a in snap.agents if a.spec.name == "dev1").status is AgentStatus.IDLE
    assert "pending the board's approval (AP-1)" in tool_result(model, "ACME-1", 2)
    assert any(c.session.agent == "dev1" for c in model.calls)
    assert "agent.approved" in [e.kind for e in snap.recent]


async def test_a_rejected_hire_is_terminated_and_its_held_work_cancelled(dev_env: WorkflowEnvironment) -> None:
    model = ScriptedModel(plans={"ceo": [hire("dev1"), delegate("dev1")]})
    ceo = AgentSpec(name="ceo", role="ceo", permissions=Permissions(can_hire=True))
    spec = CompanySpec(id="co-nohire", name="Acme", prefix="ACME", require_hire_approval=True)
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, [ceo], spec=spec)
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Grow", assignee="ceo"))
        await wait_for(company, lambda s: task_status("ACME-1.1", TaskStatus.RUNNING)(s) and bool(pending(s)))
        with pytest.raises(WorkflowUpdateFailedError) as revise:
            await company.execute_update(
                CompanyWorkflow.decide_approval,
                DecideApprovalInput(id="AP-1", decision=ApprovalStatus.REVISION_REQUESTED),
            )
        assert "approved or rejected" in str(revise.value.cause)
        await company.execute_update(
            CompanyWorkflow.decide_approval,
            DecideApprovalInput(id="AP-1", decision=ApprovalStatus.REJECTED, note="no budget"),
        )
        snap = await wait_for(company, lambda s: task_status("ACME-1", TaskStatus.DONE)(s))
    assert next(a for a in snap.agents if a.spec.name == "dev1").status is AgentStatus.TERMINATED
    assert task_status("ACME-1.1", TaskStatus.CANCELLED)(snap)
    assert not any(c.session.agent == "dev1" for c in model.calls)
    # The CEO heard the decision on its hire.
    texts = [m.content for c in model.calls if c.session.agent == "ceo" for m in c.new_messages]
    assert any(
        "rejected AP-1 (hire_agent: hire dev1 (coder) reporting to ceo). Their note: no budget" in t for t in texts
    )


async def test_hiring_without_approval_needs_the_permission_and_a_valid_template(dev_env: WorkflowEnvironment) -> None:
    boss = AgentSpec(name="boss", role="ceo", permissions=Permissions(can_hire=True))
    model = ScriptedModel(
        plans={
            "boss": [hire("dev1"), hire("dev2", template="nope"), hire("dev1"), delegate("dev1")],
            "helper": [hire("dev3")],
        }
    )
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, [boss, AgentSpec(name="helper", reports_to="boss")])
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Grow", assignee="boss"))
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Try", assignee="helper"))
        snap = await wait_for(
            company, lambda s: len(s.tasks) == 3 and all(t.status is TaskStatus.DONE for t in s.tasks)
        )
    assert next(a for a in snap.agents if a.spec.name == "dev1").status is AgentStatus.IDLE
    assert {a.spec.name for a in snap.agents} == {"boss", "helper", "dev1"}
    assert snap.approvals == []
    assert "Hired dev1 (engineer); you can delegate to it now." in tool_result(model, "ACME-1", 2)
    assert "Error: no agent template 'nope'" in tool_result(model, "ACME-1", 3)
    assert "Error: agent 'dev1' already exists" in tool_result(model, "ACME-1", 4)
    # An agent without the permission is not offered the tool, and a call of it is refused.
    assert all(t.name != HIRE_AGENT for c in model.calls if c.session.agent == "helper" for t in c.tools)
    assert "Error: unknown tool 'hire_agent'" in tool_result(model, "ACME-2", 2)


async def test_an_undecided_approval_escalates_after_the_timeout_and_the_task_keeps_waiting(
    skipping_env: WorkflowEnvironment,
) -> None:
    model = ScriptedModel(plans={"solo": [ask()]})
    spec = CompanySpec(id="co-slow", name="Acme", prefix="ACME", approval_timeout_seconds=3600)
    async with stand_in_workers(skipping_env.client, model) as queue:
        company = await start_company(skipping_env.client, queue, [AgentSpec(name="solo")], spec=spec)
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Launch", assignee="solo"))
        snap = await wait_for(company, lambda s: bool(pending(s)))
        assert not pending(snap)[0].escalated
        await skipping_env.sleep(2 * 3600)
        snap = await wait_for(company, lambda s: pending(s)[0].escalated)
        assert "approval.escalated" in [e.kind for e in snap.recent]
        await skipping_env.sleep(3 * 24 * 3600)  # days later, still waiting, still no turn
        assert len(model.calls) == 1
        await company.execute_update(
            CompanyWorkflow.decide_approval, DecideApprovalInput(id="AP-1", decision=ApprovalStatus.APPROVED)
        )
        snap = await wait_for(company, task_status("ACME-1", TaskStatus.DONE))
    assert len(model.calls) == 2
