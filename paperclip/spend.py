"""A company's budget arithmetic as pure functions: months, the scopes over a task and what a
lifetime cap covers, and the lines that tell the board how much is spent (in `paperclip.money`'s words).

Pure and deterministic (no clock, no I/O, no Temporal): the company workflow passes its own
time in, and changes the spends these functions hand back; its snapshot and the tests share them.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta

from paperclip.models import AgentState, AgentStatus, Budget, Cap, CapState, CompanyState, Spend, TaskRecord
from paperclip.money import short
from paperclip.org import uncapped_cli

BUDGET = "budget"
"""The pause reason of a scope its budget stopped."""
COMPANY = "company"
"""The scope of the company's monthly budget (every other monthly scope is an agent's name)."""
LIFETIME_SCOPES = ("task:", "goal:", "project:")
"""Scopes of lifetime caps; every other scope (`company`, an agent) has a monthly budget."""

Limit = tuple[str, Budget | Cap, Spend]
"""A scope's name, its budget (monthly) or cap (lifetime), and what it has spent of it."""


def month_of(moment: datetime) -> str:
    """The month of `moment` as `YYYY-MM` (the company's clock is UTC, so a UTC month)."""
    return moment.strftime("%Y-%m")


def next_month(moment: datetime) -> datetime:
    """Midnight on the first day of the month after `moment`'s, in `moment`'s time zone."""
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (start + timedelta(days=32)).replace(day=1)


def is_lifetime(scope: str) -> bool:
    """Whether `scope` is a lifetime cap's (`task:…`, `goal:…`, `project:…`), not a monthly budget's."""
    return scope.startswith(LIFETIME_SCOPES)


def agent_of(scope: str) -> str | None:
    """The agent a scope is, for the activity log: None for the company and for lifetime caps."""
    return None if scope == COMPANY or is_lifetime(scope) else scope


def noun(scope: str) -> str:
    """What the board calls the limit of `scope`: a lifetime `budget` or a `monthly budget`."""
    return "budget" if is_lifetime(scope) else "monthly budget"


def spent_of(spend: Spend, budget: Budget | Cap) -> str:
    """What is spent of each limit there is (`$0.5 of $2.00, 1,200 of 10,000 tokens`); empty
    with no limit."""
    max_usd, max_tokens = budget.limits
    parts = []
    if max_usd is not None:
        parts.append(f"{short(spend.usd)} of {short(max_usd)}")
    if max_tokens is not None:
        parts.append(f"{spend.tokens:,} of {max_tokens:,} tokens")
    return ", ".join(parts)


def spent_line(name: str, spend: Spend, budget: Budget | Cap) -> str:
    """The warning line of a scope past its soft limit (`cto has spent 85% of its monthly budget (…)`)."""
    return f"{name} has spent {spend.share(budget):.0%} of its {noun(name)} ({spent_of(spend, budget)})"


def covers(state: CompanyState, scope: str, record: TaskRecord) -> bool:
    """Whether a lifetime cap's scope covers a task: the task or one above it, its goal or one
    above it, its project."""
    kind, _, key = scope.partition(":")
    if kind == "task":
        return record.identifier == key or record.identifier.startswith(key + ".")
    if kind == "project":
        return record.project == key
    goal, seen = record.goal, set()
    while goal is not None and goal not in seen:
        if goal == key:
            return True
        seen.add(goal)
        above = state.goals.get(goal)
        goal = above.parent if above is not None else None
    return False


def caps_over(state: CompanyState, record: TaskRecord | None) -> list[CapState]:
    """The lifetime caps that cover a task (none for no task)."""
    if record is None:
        return []
    return [cap for cap in state.caps.values() if covers(state, cap.scope, record)]


def monthly_limits(state: CompanyState, agent: AgentState | None) -> list[Limit]:
    """The monthly budgets over a task of `agent`: the company's, then its agent's (when known)."""
    limits: list[Limit] = [(COMPANY, state.spec.budget, state.spend)]
    if agent is not None:
        limits.append((agent.spec.name, agent.spec.budget, agent.spend))
    return limits


def limit_of(state: CompanyState, scope: str) -> tuple[Budget | Cap, Spend] | None:
    """A scope's budget (or cap) and its spend; None for a lifetime cap the company no longer has.

    Raises:
        KeyError: `scope` names no agent of the company (every scope of a refusal does).
    """
    if is_lifetime(scope):
        cap = state.caps.get(scope)
        return None if cap is None else (cap.cap, cap.spend)
    if scope == COMPANY:
        return state.spec.budget, state.spend
    agent = state.agents[scope]
    return agent.spec.budget, agent.spend


def spent_by(tasks: Iterable[TaskRecord]) -> Spend:
    """What these tasks have spent so far: where a new lifetime cap over them starts counting."""
    tasks = list(tasks)
    return Spend(
        usd=sum(t.cost_usd for t in tasks), tokens=sum(t.usage.input_tokens + t.usage.output_tokens for t in tasks)
    )


def cap_limits(caps: Iterable[CapState]) -> list[Limit]:
    """Lifetime caps as limits."""
    return [(c.scope, c.cap, c.spend) for c in caps]


def crosses_soft_limit(state: CompanyState, name: str, spend: Spend, budget: Budget | Cap) -> bool:
    """Whether a capped scope not yet warned about has reached the company's soft limit."""
    return budget.is_capped and name not in state.warned and spend.share(budget) >= state.spec.soft_limit


def budget_warnings(state: CompanyState) -> list[str]:
    """The snapshot's budget warnings, in this order: scopes past the soft limit (as they were
    warned about), the company and agents paused for their budget, lifetime caps holding their
    tasks, and CLI agents under a budget whose turns cannot be reserved before they run."""
    lines = []
    for name in state.warned:
        agent, cap = state.agents.get(name), state.caps.get(name)
        budget: Budget | Cap
        if cap is not None:
            budget, spend = cap.cap, cap.spend
        elif agent is not None:
            budget, spend = agent.spec.budget, agent.spend
        else:
            budget, spend = state.spec.budget, state.spend
        lines.append(spent_line(name, spend, budget))
    if state.pause_reason == BUDGET:
        lines.append("the company is paused: its monthly budget is spent")
    lines += [
        f"{a.spec.name} is paused: its monthly budget is spent"
        for a in state.agents.values()
        if a.pause_reason == BUDGET
    ]
    lines += [f"{c.scope} is held: its budget is spent" for c in state.caps.values() if c.stopped]
    company_capped = state.spec.budget.is_capped
    lines += [
        f"{a.spec.name} ({a.spec.adapter}) has no per-turn budget: its turns are counted when they end, "
        "so it may pass a cap by one turn's cost"
        for a in state.agents.values()
        if a.status is not AgentStatus.TERMINATED
        and (company_capped or a.spec.budget.is_capped)
        and uncapped_cli(a.spec)
    ]
    return lines
