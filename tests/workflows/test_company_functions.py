"""The company's decisions that are plain functions of its state: what dispatch starts, which
goals an agent sees, what a heartbeat finds, which approvals a new run carries (no Temporal)."""

from datetime import UTC, datetime, timedelta

from paperclip.models import (
    Adapter,
    AgentSpec,
    AgentState,
    AgentStatus,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    CliConfig,
    CompanySpec,
    CompanyState,
    Goal,
    GoalLevel,
    GoalStatus,
    HeartbeatPolicy,
    HttpConfig,
    ModelConfig,
    Priority,
    TaskRecord,
    TaskStatus,
)
from workflows.company.approvals import DECIDED_APPROVALS_CARRIED, carried_approvals
from workflows.company.core import hire_summary
from workflows.company.dispatch import dispatchable
from workflows.company.goals import goals_for, goals_under
from workflows.company.heartbeats import unattended_goals, waits_for_wake, wakes_on_timer

NOW = datetime(2025, 3, 14, tzinfo=UTC)


def agent(name: str, reports_to: str | None = "ceo", **fields: object) -> AgentState:
    return AgentState(spec=AgentSpec(name=name, role="engineer", reports_to=reports_to, **fields))  # type: ignore[arg-type]


def company(*agents: AgentState) -> CompanyState:
    state = CompanyState(spec=CompanySpec(id="acme", name="Acme", prefix="ACME"))
    state.agents = {a.spec.name: a for a in (agent("ceo", None), *agents)}
    return state


def queue(state: CompanyState, assignee: str, priority: Priority = Priority.MEDIUM, **fields: object) -> TaskRecord:
    identifier = f"ACME-{len(state.tasks) + 1}"
    record = TaskRecord(
        company_id="acme",
        identifier=identifier,
        title=identifier,
        assignee=assignee,
        priority=priority,
        created_at=NOW,
        updated_at=NOW,
        **fields,  # type: ignore[arg-type]
    )
    state.tasks[identifier] = record
    if record.status is TaskStatus.QUEUED:
        state.queue.append(identifier)
    return record


def goal(state: CompanyState, level: GoalLevel, parent: str | None = None, **fields: object) -> Goal:
    fields.setdefault("status", GoalStatus.ACTIVE)
    g = Goal(
        id=f"G{len(state.goals) + 1}",
        title="g",
        level=level,
        parent=parent,
        created_at=NOW,
        updated_at=NOW,
        **fields,  # type: ignore[arg-type]
    )
    state.goals[g.id] = g
    return g


def picked(state: CompanyState) -> list[str]:
    return [t.identifier for t in dispatchable(state)]


def test_dispatch_starts_by_priority_then_arrival_within_each_agents_concurrency() -> None:
    state = company(agent("cto", max_concurrent_runs=2))
    for priority in (Priority.LOW, Priority.HIGH, Priority.MEDIUM, Priority.HIGH):
        queue(state, "cto", priority)
    assert picked(state) == ["ACME-2", "ACME-4"]
    state.agents["cto"].running = 1
    assert picked(state) == ["ACME-2"]


def test_dispatch_starts_nothing_for_a_paused_company_or_agent() -> None:
    state = company(agent("cto"), agent("cfo"))
    queue(state, "cto")
    queue(state, "cfo")
    state.agents["cto"].status = AgentStatus.PAUSED
    assert picked(state) == ["ACME-2"]
    state.paused = True
    assert picked(state) == []


def test_dispatch_keeps_a_task_for_an_agent_that_takes_work_when_it_wakes() -> None:
    state = company(agent("cto", heartbeat=HeartbeatPolicy(interval_seconds=3600, wake_on_assignment=False)))
    task = queue(state, "cto")
    assert waits_for_wake(state, task) and picked(state) == []
    state.agents["cto"].awake = True
    assert not waits_for_wake(state, task) and picked(state) == ["ACME-1"]


def test_the_head_of_the_org_chart_sees_every_open_goal_and_others_their_chain() -> None:
    state = company(agent("cto"), agent("dev", reports_to="cto"))
    top = goal(state, GoalLevel.COMPANY)
    team = goal(state, GoalLevel.TEAM, top.id, owner="cto")
    task_goal = goal(state, GoalLevel.TASK, team.id)
    owned = goal(state, GoalLevel.AGENT, top.id, owner="dev")
    done = goal(state, GoalLevel.COMPANY, status=GoalStatus.ACHIEVED)
    assert [g.id for g in goals_for(state, "ceo", None)] == [top.id, team.id, task_goal.id, owned.id]
    assert [g.id for g in goals_for(state, "dev", task_goal.id)] == [top.id, team.id, owned.id, task_goal.id]
    assert [g.id for g in goals_for(state, "dev", None)] == [owned.id]
    assert done.id not in [g.id for g in goals_for(state, "ceo", None)]
    assert {g.id for g in goals_under(state, top.id)} == {team.id, task_goal.id, owned.id}


def test_a_heartbeat_finds_the_active_goals_no_open_task_serves() -> None:
    state = company(agent("cto", heartbeat=HeartbeatPolicy(interval_seconds=60)))
    served = goal(state, GoalLevel.COMPANY, owner="cto")
    idle = goal(state, GoalLevel.COMPANY, owner="cto")
    goal(state, GoalLevel.COMPANY, owner="cto", status=GoalStatus.PLANNED)
    queue(state, "cto", goal=served.id, status=TaskStatus.RUNNING)
    queue(state, "cto", goal=idle.id, status=TaskStatus.DONE)
    assert [g.id for g in unattended_goals(state, "cto")] == [idle.id]
    assert [a.spec.name for a in wakes_on_timer(state)] == ["cto"]
    state.agents["cto"].status = AgentStatus.PAUSED
    assert wakes_on_timer(state) == []


def test_a_new_run_carries_pending_approvals_and_the_last_decided_ones() -> None:
    state = company()
    for i in range(DECIDED_APPROVALS_CARRIED + 6):
        decided = i < DECIDED_APPROVALS_CARRIED + 3
        state.approvals[f"AP-{i}"] = Approval(
            id=f"AP-{i}",
            request_id=f"r{i}",
            kind=ApprovalKind.BOARD,
            title="t",
            requested_by="ceo",
            status=ApprovalStatus.APPROVED if decided else ApprovalStatus.PENDING,
            created_at=NOW,
            decided_at=NOW + timedelta(seconds=i) if decided else None,
        )
    kept = carried_approvals(state)
    pending = {k for k, a in state.approvals.items() if a.status is ApprovalStatus.PENDING}
    assert pending <= kept.keys()
    assert len(kept) == len(pending) + DECIDED_APPROVALS_CARRIED
    assert pending == {f"AP-{DECIDED_APPROVALS_CARRIED + i}" for i in (3, 4, 5)}
    # The three oldest decided ones go.
    assert kept.keys() - pending == {f"AP-{i}" for i in range(3, DECIDED_APPROVALS_CARRIED + 3)}


def test_a_hire_is_logged_with_its_manager_and_model() -> None:
    simulated = AgentSpec(name="dev", role="engineer", reports_to="cto", model=ModelConfig())
    assert hire_summary(simulated).startswith("dev hired as engineer, reports to cto, model ")
    assert hire_summary(simulated).endswith(" (simulated, offline)") == simulated.model.is_simulated
    # A CLI or HTTP agent runs on its tool, never on the simulated model (its `model` is unused).
    claude = AgentSpec(name="dev", role="engineer", adapter=Adapter.CLAUDE_LOCAL, cli=CliConfig(model="opus"))
    assert hire_summary(claude) == "dev hired as engineer, runs on claude/opus"
    http = AgentSpec(name="ext", role="engineer", adapter=Adapter.HTTP, http=HttpConfig(url="https://agents.example/x"))
    assert hire_summary(http) == "ext hired as engineer, runs on http"
