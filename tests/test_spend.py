"""A company's budget arithmetic: months, scopes, what a cap covers, warnings and money text
(pure functions: no Temporal, no clock)."""

from datetime import UTC, datetime, timedelta, timezone

import pytest

from paperclip.models import (
    Adapter,
    AgentSpec,
    AgentState,
    AgentStatus,
    Budget,
    Cap,
    CapState,
    CliConfig,
    CompanySpec,
    CompanyState,
    Goal,
    GoalLevel,
    GoalStatus,
    Spend,
    TaskRecord,
    Usage,
)
from paperclip.spend import (
    BUDGET,
    agent_of,
    budget_warnings,
    cap_limits,
    caps_over,
    covers,
    crosses_soft_limit,
    is_lifetime,
    limit_of,
    month_of,
    monthly_limits,
    next_month,
    noun,
    spent_by,
    spent_line,
    spent_of,
)

NOW = datetime(2025, 3, 14, 9, 30, tzinfo=UTC)


def task(identifier: str, *, goal: str | None = None, assignee: str = "cto") -> TaskRecord:
    return TaskRecord(
        company_id="acme",
        identifier=identifier,
        title="t",
        assignee=assignee,
        goal=goal,
        created_at=NOW,
        updated_at=NOW,
    )


def goal(goal_id: str, parent: str | None = None) -> Goal:
    level = GoalLevel.COMPANY if parent is None else GoalLevel.TEAM
    return Goal(
        id=goal_id, title=goal_id, level=level, parent=parent, status=GoalStatus.ACTIVE, created_at=NOW, updated_at=NOW
    )


def company(**fields: object) -> CompanyState:
    return CompanyState(spec=CompanySpec(id="acme", name="Acme", prefix="ACME"), **fields)  # type: ignore[arg-type]


def agent(name: str, *, budget: Budget | None = None, **fields: object) -> AgentState:
    spec = AgentSpec(name=name, role="engineer", budget=budget or Budget(), **fields)  # type: ignore[arg-type]
    return AgentState(spec=spec)


@pytest.mark.parametrize(
    ("moment", "month", "first_of_next"),
    [
        (datetime(2025, 3, 14, 9, 30, tzinfo=UTC), "2025-03", datetime(2025, 4, 1, tzinfo=UTC)),
        (datetime(2025, 1, 31, 23, 59, 59, 999999, tzinfo=UTC), "2025-01", datetime(2025, 2, 1, tzinfo=UTC)),
        (datetime(2024, 2, 29, 12, tzinfo=UTC), "2024-02", datetime(2024, 3, 1, tzinfo=UTC)),
        (datetime(2025, 12, 31, 23, 0, tzinfo=UTC), "2025-12", datetime(2026, 1, 1, tzinfo=UTC)),
        (datetime(2025, 5, 1, tzinfo=UTC), "2025-05", datetime(2025, 6, 1, tzinfo=UTC)),
    ],
)
def test_a_month_is_named_and_the_next_one_starts_at_midnight_on_the_first(
    moment: datetime, month: str, first_of_next: datetime
) -> None:
    assert month_of(moment) == month
    assert next_month(moment) == first_of_next
    assert month_of(next_month(moment)) != month


def test_the_next_month_keeps_the_time_zone_of_the_moment() -> None:
    east = timezone(timedelta(hours=5))
    assert next_month(datetime(2025, 3, 31, 22, tzinfo=east)) == datetime(2025, 4, 1, tzinfo=east)


def test_scopes_are_monthly_or_lifetime_and_the_log_names_only_an_agents() -> None:
    assert [is_lifetime(s) for s in ("company", "cto", "task:ACME-1", "goal:G2")] == [False, False, True, True]
    assert [agent_of(s) for s in ("company", "cto", "task:ACME-1", "goal:G2")] == [None, "cto", None, None]
    assert noun("cto") == "monthly budget" and noun("company") == "monthly budget" and noun("goal:G1") == "budget"


def test_what_is_spent_is_told_for_each_limit_there_is() -> None:
    spend = Spend(usd=0.5, tokens=1200)
    assert spent_of(spend, Budget(monthly_usd=2, monthly_tokens=10_000)) == "$0.5 of $2.00, 1,200 of 10,000 tokens"
    assert spent_of(spend, Cap(tokens=5000)) == "1,200 of 5,000 tokens"
    assert spent_of(spend, Budget()) == ""
    assert spent_line("cto", spend, Budget(monthly_usd=2)) == "cto has spent 25% of its monthly budget ($0.5 of $2.00)"
    assert (
        spent_line("task:ACME-1", spend, Cap(usd=0.625)) == "task:ACME-1 has spent 80% of its budget ($0.5 of $0.625)"
    )


def test_a_task_cap_covers_the_task_and_its_subtasks_only() -> None:
    state = company()
    assert covers(state, "task:ACME-1", task("ACME-1"))
    assert covers(state, "task:ACME-1", task("ACME-1.2"))
    assert covers(state, "task:ACME-1", task("ACME-1.2.3"))
    assert not covers(state, "task:ACME-1", task("ACME-10"))  # a prefix of the text, not a parent
    assert not covers(state, "task:ACME-1.2", task("ACME-1"))


def test_a_goal_cap_covers_the_tasks_of_its_goal_and_of_the_goals_under_it() -> None:
    state = company(goals={g.id: g for g in (goal("G1"), goal("G2", "G1"), goal("G3", "G2"), goal("G4"))})
    assert covers(state, "goal:G1", task("ACME-1", goal="G3"))
    assert covers(state, "goal:G3", task("ACME-1", goal="G3"))
    assert not covers(state, "goal:G3", task("ACME-1", goal="G1"))
    assert not covers(state, "goal:G1", task("ACME-1", goal="G4"))
    assert not covers(state, "goal:G1", task("ACME-1"))
    assert not covers(state, "goal:G1", task("ACME-1", goal="G9"))  # a goal the company no longer has


def test_a_cycle_in_the_goal_tree_ends_the_search() -> None:
    state = company(goals={"G1": goal("G1", "G2"), "G2": goal("G2", "G1")})
    assert not covers(state, "goal:G7", task("ACME-1", goal="G1"))
    assert covers(state, "goal:G2", task("ACME-1", goal="G1"))


def test_the_caps_over_a_task_are_those_that_cover_it_in_their_order() -> None:
    caps = {s: CapState(scope=s, cap=Cap(usd=1)) for s in ("goal:G1", "task:ACME-2", "task:ACME-1")}
    state = company(goals={"G1": goal("G1")}, caps=caps)
    assert [c.scope for c in caps_over(state, task("ACME-1.1", goal="G1"))] == ["goal:G1", "task:ACME-1"]
    assert caps_over(state, None) == []
    assert caps_over(state, task("ACME-3")) == []


def test_the_limits_over_a_task_are_the_states_own_spends() -> None:
    cto = agent("cto", budget=Budget(monthly_usd=3))
    state = company(agents={"cto": cto}, caps={"task:ACME-1": CapState(scope="task:ACME-1", cap=Cap(tokens=9))})
    limits = monthly_limits(state, cto) + cap_limits(state.caps.values())
    assert [(name, budget) for name, budget, _ in limits] == [
        ("company", state.spec.budget),
        ("cto", Budget(monthly_usd=3)),
        ("task:ACME-1", Cap(tokens=9)),
    ]
    # The workflow counts spend through them: they are the state's objects, not copies.
    owned = [state.spend, cto.spend, state.caps["task:ACME-1"].spend]
    assert all(spend is own for (_, _, spend), own in zip(limits, owned, strict=True))
    assert [name for name, *_ in monthly_limits(state, None)] == ["company"]


def test_a_scope_is_warned_about_once_from_the_soft_limit() -> None:
    state = company()
    budget = Budget(monthly_usd=10)
    assert not crosses_soft_limit(state, "cto", Spend(usd=7.99), budget)
    assert crosses_soft_limit(state, "cto", Spend(usd=8), budget)
    assert not crosses_soft_limit(state, "cto", Spend(usd=1e9), Budget())
    state.warned.append("cto")
    assert not crosses_soft_limit(state, "cto", Spend(usd=9), budget)


def test_the_snapshots_warnings_name_every_scope_that_needs_the_board() -> None:
    uncapped_cli = CliConfig(command=["tool"])
    cto = agent("cto", budget=Budget(monthly_usd=10))
    cto.spend = Spend(usd=9)
    ops = agent("ops", budget=Budget(monthly_tokens=100))
    ops.pause_reason = BUDGET
    tool = agent("tool", adapter=Adapter.PROCESS, cli=uncapped_cli)
    gone = agent("gone", adapter=Adapter.PROCESS, cli=uncapped_cli)
    gone.status = AgentStatus.TERMINATED
    per_turn = agent("metered", adapter=Adapter.PROCESS, cli=CliConfig(command=["tool"], turn_budget_usd=0.1))
    caps = {
        "task:ACME-1": CapState(scope="task:ACME-1", cap=Cap(usd=1), spend=Spend(usd=0.9)),
        "goal:G1": CapState(scope="goal:G1", cap=Cap(usd=1), stopped=True),
    }
    state = company(
        agents={a.spec.name: a for a in (cto, ops, tool, gone, per_turn)},
        caps=caps,
        warned=["task:ACME-1", "cto", "company"],
        spend=Spend(usd=45),
        pause_reason=BUDGET,
    )
    state.spec.budget = Budget(monthly_usd=50)
    assert budget_warnings(state) == [
        "task:ACME-1 has spent 90% of its budget ($0.9 of $1.00)",
        "cto has spent 90% of its monthly budget ($9.00 of $10.00)",
        "company has spent 90% of its monthly budget ($45.00 of $50.00)",
        "the company is paused: its monthly budget is spent",
        "ops is paused: its monthly budget is spent",
        "goal:G1 is held: its budget is spent",
        "tool (process) has no per-turn budget: its turns are counted when they end, so it may pass a cap by one "
        "turn's cost",
    ]


def test_an_uncapped_cli_agent_needs_no_warning_where_no_budget_covers_it() -> None:
    state = company(agents={"tool": agent("tool", adapter=Adapter.PROCESS, cli=CliConfig(command=["tool"]))})
    assert budget_warnings(state) == []
    state.agents["tool"].spec.budget = Budget(monthly_tokens=5)
    assert len(budget_warnings(state)) == 1


def test_a_scopes_limit_is_the_states_own_budget_and_spend() -> None:
    cto = agent("cto", budget=Budget(monthly_tokens=7))
    cap = CapState(scope="task:ACME-1", cap=Cap(usd=1))
    state = company(agents={"cto": cto}, caps={cap.scope: cap})
    company_limit, agent_limit, cap_limit = (limit_of(state, s) for s in ("company", "cto", "task:ACME-1"))
    assert company_limit == (state.spec.budget, state.spend) and company_limit[1] is state.spend
    assert agent_limit == (Budget(monthly_tokens=7), cto.spend) and agent_limit[1] is cto.spend
    assert cap_limit == (cap.cap, cap.spend) and cap_limit[1] is cap.spend
    assert limit_of(state, "goal:G9") is None  # a cap dropped meanwhile
    with pytest.raises(KeyError):
        limit_of(state, "nobody")


def test_a_new_cap_starts_from_what_its_tasks_have_spent() -> None:
    first, second = task("ACME-1"), task("ACME-1.1")
    first.cost_usd, first.usage = 0.25, Usage(input_tokens=100, output_tokens=20)
    second.cost_usd, second.usage = 0.5, Usage(input_tokens=3, output_tokens=4)
    assert spent_by(iter([first, second])) == Spend(usd=0.75, tokens=127)
    assert spent_by([]) == Spend()
