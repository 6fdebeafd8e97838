"""The org chart as pure functions: who may be hired where, and who is in whose team.

Pure and deterministic, so the company workflow's validators and the API share them.
"""

from collections.abc import Mapping

from paperclip.errors import UPDATE_REJECTIONS, InvalidInput
from paperclip.models import Adapter, AgentSpec, AgentState, AgentStatus


class OrgError(InvalidInput):
    """An org-chart change that would break the tree; `kind` says how to answer it
    (`invalid_input`, `not_found`, `conflict`)."""

    @property
    def rejection(self) -> str:
        """The type of the update rejection that answers it (`paperclip.errors.UPDATE_REJECTIONS`)."""
        return UPDATE_REJECTIONS[self.kind]


def check_hire(agents: Mapping[str, AgentState], spec: AgentSpec, *, replacing: bool = False) -> None:
    """Raise `OrgError` unless `spec` can join (or, with `replacing`, update) the chart.

    Rules: names are unique; the manager exists and is not terminated; nobody reports to
    themselves or to their own report (no cycles); there is at most one CEO.
    """
    if replacing and spec.name not in agents:
        raise OrgError(f"agent '{spec.name}' not found", kind="not_found")
    if not replacing and spec.name in agents:
        raise OrgError(f"agent '{spec.name}' already exists", kind="conflict")
    if spec.reports_to is not None:
        if spec.reports_to == spec.name:
            raise OrgError(f"agent '{spec.name}' cannot report to itself: the org chart would have a cycle")
        manager = agents.get(spec.reports_to)
        if manager is None:
            raise OrgError(f"reports_to '{spec.reports_to}' is not an agent of this company")
        if manager.status is AgentStatus.TERMINATED:
            raise OrgError(f"reports_to '{spec.reports_to}' is terminated")
        if replacing and spec.name in chain_of_command(agents, spec.reports_to):
            raise OrgError(
                f"'{spec.name}' cannot report to '{spec.reports_to}', who reports to '{spec.name}':"
                " the org chart would have a cycle"
            )
    if spec.role == "ceo":
        other = next((a for a in agents.values() if a.spec.role == "ceo" and a.spec.name != spec.name), None)
        if other is not None:
            raise OrgError(f"the company already has a CEO ('{other.spec.name}')")


def uncapped_cli(spec: AgentSpec) -> bool:
    """Whether an agent runs a CLI tool (or a process) with no per-turn budget: the most one of its
    turns may cost is then unknown, so no budget can be reserved for it before it runs."""
    return (
        spec.adapter not in (Adapter.MODEL, Adapter.HTTP)
        and spec.cli.turn_budget_usd is None
        and spec.cli.turn_budget_tokens is None
    )


def check_turn_budget(spec: AgentSpec, *, budgeted: bool) -> None:
    """Raise `OrgError` when `spec` would work under a budget (`budgeted`: the company's or its
    own) with no per-turn budget: a turn must be reserved at its worst case before it runs."""
    if not (budgeted or spec.budget.is_capped) or not uncapped_cli(spec):
        return
    raise OrgError(
        f"agent '{spec.name}' ({spec.adapter}) works under a budget: give it a per-turn budget "
        "(cli.turn_budget_usd or cli.turn_budget_tokens), the most one turn may cost, reserved before it runs"
    )


def uncapped_under(agents: Mapping[str, AgentState], scope: str) -> list[str]:
    """The working CLI agents with no per-turn budget that a budget on `scope` (`company` or an
    agent's name) would cover."""
    return [
        a.spec.name
        for a in agents.values()
        if a.status is not AgentStatus.TERMINATED and uncapped_cli(a.spec) and scope in ("company", a.spec.name)
    ]


def chain_of_command(agents: Mapping[str, AgentState], name: str) -> list[str]:
    """`name` and its managers up to the top, stopping at a cycle or a missing link."""
    chain: list[str] = []
    current: str | None = name
    while current is not None and current in agents and current not in chain:
        chain.append(current)
        current = agents[current].spec.reports_to
    return chain


def subtree(specs: list[AgentSpec], root: str) -> list[AgentSpec]:
    """Everyone below `root` (not `root` itself), managers before their reports."""
    below: list[AgentSpec] = []
    seen = {root}
    frontier = [root]
    while frontier:
        manager = frontier.pop(0)
        reports = [s for s in specs if s.reports_to == manager and s.name not in seen]
        seen.update(s.name for s in reports)
        below.extend(reports)
        frontier.extend(s.name for s in reports)
    return below


def direct_reports(specs: list[AgentSpec], manager: str) -> list[AgentSpec]:
    return [s for s in specs if s.reports_to == manager]
