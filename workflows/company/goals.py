"""The company's goal tree, as validated updates of `CompanyWorkflow`.

Goals sit on four levels (company → team → agent → task); a goal serves a parent on a higher
level, and a company always keeps at least one company goal that is not cancelled. Tasks link
to a goal; the CEO sees every open goal, other agents the goals above their task.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from paperclip.models import (
        AgentStatus,
        CapState,
        CompanyState,
        Goal,
        GoalInput,
        GoalLevel,
        GoalStatus,
        GoalUpdateInput,
        InvalidTransition,
        check_goal_transition,
    )
    from workflows.company.core import CompanyCore, reject
    from workflows.company.idempotency import remembered_update


def goals_under(state: CompanyState, goal_id: str) -> list[Goal]:
    """Every goal below `goal_id`, at any depth."""
    found: list[Goal] = []
    frontier = [goal_id]
    while frontier:
        parent = frontier.pop()
        for g in state.goals.values():
            if g.parent == parent:
                found.append(g)
                frontier.append(g.id)
    return found


def goals_for(state: CompanyState, agent: str, goal_id: str | None) -> list[Goal]:
    """What an agent sees: the head of the org chart every open goal; others the goals they
    own and the chain above their task's goal."""
    spec = state.agents[agent].spec
    if spec.reports_to is None:
        return [g for g in state.goals.values() if g.status.is_open]
    seen: dict[str, Goal] = {}
    current = goal_id
    while current is not None and current in state.goals and current not in seen:
        seen[current] = state.goals[current]
        current = seen[current].parent
    for g in state.goals.values():
        if g.owner == agent and g.status.is_open:
            seen.setdefault(g.id, g)
    return sorted(seen.values(), key=lambda g: (g.level.rank, int(g.id[1:])))


class GoalsPart(CompanyCore):
    """Updates of `CompanyWorkflow` that keep its goals (see the module docstring)."""

    @remembered_update
    def create_goal(self, input: GoalInput) -> Goal:
        """Add a goal to the tree."""
        self._handled += 1
        return self._add_goal(input)

    @create_goal.validator
    def _validate_create_goal(self, input: GoalInput) -> None:
        self._check_open()
        self._check_goal(input)

    @remembered_update
    def update_goal(self, input: GoalUpdateInput) -> Goal:
        """Change a goal's wording or status; cancelling a goal cancels the open goals under it."""
        self._handled += 1
        goal = self.state.goals[input.id]
        if input.title is not None:
            goal.title = input.title.strip()
        if input.description is not None:
            goal.description = input.description
        goal.updated_at = workflow.now()
        note = f": {input.note}" if input.note else ""
        if input.status is not None and input.status != goal.status:
            goal.status = input.status
            self._log("goal.status", actor=input.actor, summary=f"{goal.id} '{goal.title}' is {goal.status}{note}")
            if goal.status is GoalStatus.CANCELLED:
                for sub in goals_under(self.state, goal.id):
                    if sub.status is not GoalStatus.CANCELLED:
                        sub.status, sub.updated_at = GoalStatus.CANCELLED, workflow.now()
                        self._log("goal.status", actor="system", summary=f"{sub.id} cancelled with {goal.id} above it")
        else:
            self._log("goal.updated", actor=input.actor, summary=f"{goal.id} '{goal.title}' updated{note}")
        return goal

    @update_goal.validator
    def _validate_update_goal(self, input: GoalUpdateInput) -> None:
        self._check_open()
        goal = self.state.goals.get(input.id)
        if goal is None:
            raise reject(f"goal '{input.id}' not found", "NotFound")
        if input.title is not None and not input.title.strip():
            raise reject("a goal needs a title")
        if input.status is None or input.status == goal.status:
            return
        try:
            check_goal_transition(goal.status, input.status)
        except InvalidTransition as err:
            raise reject(f"goal '{goal.id}': {err}", "Conflict") from None
        if input.status is GoalStatus.CANCELLED and goal.level is GoalLevel.COMPANY:
            others = [
                g
                for g in self.state.goals.values()
                if g.level is GoalLevel.COMPANY and g.id != goal.id and g.status is not GoalStatus.CANCELLED
            ]
            if not others:
                raise reject(f"'{goal.id}' is the company's last goal: a company keeps at least one", "Conflict")

    # ------------------------------------------------------------------ helpers

    def _check_goal(self, input: GoalInput) -> None:
        if input.level is GoalLevel.COMPANY:
            if input.parent is not None:
                raise reject("a company goal has no parent goal")
        else:
            if input.parent is None:
                raise reject(f"a {input.level} goal needs a parent goal")
            parent = self.state.goals.get(input.parent)
            if parent is None:
                raise reject(f"parent goal '{input.parent}' not found", "NotFound")
            if not parent.status.is_open:
                raise reject(f"parent goal '{parent.id}' is {parent.status}", "Conflict")
            if parent.level.rank >= input.level.rank:
                raise reject(f"a {input.level} goal cannot serve a {parent.level} goal ('{parent.id}')")
        if input.level in (GoalLevel.TEAM, GoalLevel.AGENT) and input.owner is None:
            raise reject(f"a {input.level} goal needs an owner (the agent answerable for it)")
        if input.owner is not None:
            agent = self.state.agents.get(input.owner)
            if agent is None:
                raise reject(f"unknown agent '{input.owner}'")
            if agent.status is AgentStatus.TERMINATED:
                raise reject(f"agent '{input.owner}' is terminated")
        if input.status not in (GoalStatus.PLANNED, GoalStatus.ACTIVE):
            raise reject("a new goal is planned or active")

    def _add_goal(self, input: GoalInput) -> Goal:
        self.state.goal_counter += 1
        now = workflow.now()
        goal = Goal(
            id=f"G{self.state.goal_counter}",
            title=input.title,
            description=input.description,
            level=input.level,
            parent=input.parent,
            owner=input.owner,
            status=input.status,
            created_at=now,
            updated_at=now,
        )
        self.state.goals[goal.id] = goal
        if input.budget is not None and input.budget.is_capped:
            self.state.caps[f"goal:{goal.id}"] = CapState(scope=f"goal:{goal.id}", cap=input.budget)
        owner = f", owned by {goal.owner}" if goal.owner else ""
        under = f" under {goal.parent}" if goal.parent else ""
        self._log("goal.created", actor=input.actor, summary=f"{goal.id} ({goal.level}{under}{owner}): {goal.title}")
        return goal
