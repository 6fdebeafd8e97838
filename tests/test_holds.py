"""Why a task holds and how an agent shows, as the company's snapshot tells the board (pure
functions of the carried state)."""

from datetime import UTC, datetime

import pytest

from paperclip.holds import (
    AGENT_PAUSED,
    AWAITING_APPROVAL,
    BRAKE,
    COMPANY_PAUSED,
    EMERGENCY_BRAKE,
    hold_reason,
    shown_agent,
    shown_task,
)
from paperclip.models import (
    AgentSpec,
    AgentState,
    AgentStatus,
    Cap,
    CapState,
    CompanySpec,
    CompanyState,
    TaskRecord,
    TaskStatus,
)
from paperclip.spend import BUDGET

NOW = datetime(2025, 3, 14, tzinfo=UTC)


def state_with(status: TaskStatus = TaskStatus.RUNNING) -> tuple[CompanyState, TaskRecord]:
    record = TaskRecord(
        company_id="acme",
        identifier="ACME-1.2",
        title="t",
        assignee="cto",
        status=status,
        created_at=NOW,
        updated_at=NOW,
    )
    state = CompanyState(
        spec=CompanySpec(id="acme", name="Acme", prefix="ACME"),
        agents={"cto": AgentState(spec=AgentSpec(name="cto", role="cto"))},
        tasks={record.identifier: record},
    )
    return state, record


@pytest.mark.parametrize("status", [TaskStatus.QUEUED, TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.CANCELLED])
def test_a_queued_or_finished_task_does_not_hold(status: TaskStatus) -> None:
    state, record = state_with(status)
    state.paused = True
    assert hold_reason(state, record) is None


def test_a_paused_company_holds_its_tasks_and_says_why() -> None:
    state, record = state_with()
    state.paused = True
    assert hold_reason(state, record) == COMPANY_PAUSED
    state.pause_reason = BRAKE
    assert hold_reason(state, record) == EMERGENCY_BRAKE
    state.pause_reason = BUDGET
    assert hold_reason(state, record) == BUDGET


def test_a_paused_or_unapproved_agent_holds_its_tasks() -> None:
    state, record = state_with()
    cto = state.agents["cto"]
    cto.status = AgentStatus.PAUSED
    assert hold_reason(state, record) == AGENT_PAUSED
    cto.pause_reason = BUDGET
    assert hold_reason(state, record) == BUDGET
    cto.status, cto.pause_reason = AgentStatus.PENDING_APPROVAL, None
    assert hold_reason(state, record) == AWAITING_APPROVAL
    cto.status = AgentStatus.RUNNING
    assert hold_reason(state, record) is None


def test_a_stopped_cap_over_a_task_holds_it_and_is_named() -> None:
    state, record = state_with()
    state.caps["task:ACME-1"] = CapState(scope="task:ACME-1", cap=Cap(usd=1))
    state.caps["task:ACME-2"] = CapState(scope="task:ACME-2", cap=Cap(usd=1), stopped=True)
    assert hold_reason(state, record) is None  # the stopped one covers another task
    state.caps["task:ACME-1"].stopped = True
    assert hold_reason(state, record) == "budget (task:ACME-1)"


def test_a_task_is_shown_with_its_hold_and_copied_only_when_that_changes() -> None:
    state, record = state_with()
    assert shown_task(state, record) is record
    state.paused = True
    shown = shown_task(state, record)
    assert shown.held == COMPANY_PAUSED and record.held is None  # the carried record is left alone


def test_agents_show_paused_for_budget_while_the_companys_budget_stops_them() -> None:
    state, _ = state_with()
    cto = state.agents["cto"]
    assert shown_agent(state, cto) is cto
    state.paused, state.pause_reason = True, BUDGET
    shown = shown_agent(state, cto)
    assert (shown.status, shown.pause_reason) == (AgentStatus.PAUSED, BUDGET)
    assert cto.status is AgentStatus.ACTIVE
    cto.status = AgentStatus.TERMINATED
    assert shown_agent(state, cto) is cto
