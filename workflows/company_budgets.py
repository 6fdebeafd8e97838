"""Budgets that hold before money is spent, part of `CompanyWorkflow`.

Before each model call a task asks (`request_budget`) for the call's worst case; the company
grants it only if it fits, with everything already spent and reserved, under every budget that
covers the task (the company's and its agent's, per UTC month), and reserves it. The task's
next request, or its next event, carries its actual usage (cumulative), which settles the
reservation. So spend never passes a cap. A request that does not fit stops its scope: the
agent (or the whole company) is paused with reason `budget`, its tasks hold before their next
turn, and a `budget_override` approval opens; raising the budget resumes the scope, and so does
a new month.

Lifetime caps (`CompanyState.caps`) work the same way on a task with its subtasks (`task:ACME-3`)
and on a goal with the goals under it (`goal:G2`): they count what their tasks spend from the
moment the cap is set, never roll over, and a call that does not fit holds the tasks they cover.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from paperclip.constants import task_workflow_id
    from paperclip.models import (
        Adapter,
        AgentState,
        AgentStatus,
        Approval,
        ApprovalKind,
        ApprovalStatus,
        Budget,
        BudgetDecision,
        BudgetRequest,
        Cap,
        CapState,
        CompanyState,
        Hold,
        Reservation,
        SetBudgetInput,
        SetCapInput,
        Spend,
        TaskRecord,
        TaskStatus,
        Unconfirmed,
        Usage,
    )
    from paperclip.org import uncapped_under
    from workflows.company_governance import BRAKE, reject
    from workflows.company_idempotency import remembered_update
    from workflows.patches import REFUSAL_RECHECK
    from workflows.task import TaskWorkflow

BUDGET = "budget"
"""The pause reason of a scope its budget stopped."""


def month_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def next_month(moment: datetime) -> datetime:
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (start + timedelta(days=32)).replace(day=1)


LIFETIME_SCOPES = ("task:", "goal:")
"""Scopes of lifetime caps; every other scope (`company`, an agent) has a monthly budget."""


def covers(state: CompanyState, scope: str, record: TaskRecord) -> bool:
    """Whether a lifetime cap's scope covers a task: the task or one above it, its goal or one above it."""
    kind, _, key = scope.partition(":")
    if kind == "task":
        return record.identifier == key or record.identifier.startswith(key + ".")
    goal, seen = record.goal, set()
    while goal is not None and goal not in seen:
        if goal == key:
            return True
        seen.add(goal)
        above = state.goals.get(goal)
        goal = above.parent if above is not None else None
    return False


def noun(scope: str) -> str:
    return "budget" if scope.startswith(LIFETIME_SCOPES) else "monthly budget"


def money(usd: float) -> str:
    return f"${usd:.4f}".rstrip("0").rstrip(".") if usd < 1 else f"${usd:.2f}"


class BudgetsMixin:
    """Budget signals and updates of `CompanyWorkflow` (see the module docstring)."""

    state: CompanyState
    _handled: int
    _budget_settled: bool
    """A reservation was released (or a scope stopped) since deferred requests were last decided."""

    # Provided by CompanyWorkflow and GovernanceMixin.
    def _log(self, kind: str, *, actor: str, summary: str, task: str | None = None, agent: str | None = None) -> None:
        raise NotImplementedError

    def _check_open(self) -> None:
        raise NotImplementedError

    def _open_tasks(self, *, agent: str | None = None) -> list[TaskRecord]:
        raise NotImplementedError

    async def _signal_tasks(self, records: Iterable[TaskRecord], signal: Any, arg: Any) -> None:
        raise NotImplementedError

    def _refresh_agent(self, name: str) -> None:
        raise NotImplementedError

    # ------------------------------------------------------------------ spend

    def _scopes(self, agent: AgentState | None) -> list[tuple[str, Budget | Cap, Spend]]:
        scopes: list[tuple[str, Budget | Cap, Spend]] = [("company", self.state.spec.budget, self.state.spend)]
        if agent is not None:
            scopes.append((agent.spec.name, agent.spec.budget, agent.spend))
        return scopes

    @staticmethod
    def _cap_scopes(caps: Iterable[CapState]) -> list[tuple[str, Budget | Cap, Spend]]:
        return [(c.scope, c.cap, c.spend) for c in caps]

    def _covers(self, scope: str, record: TaskRecord) -> bool:
        return covers(self.state, scope, record)

    def _caps_over(self, record: TaskRecord | None) -> list[CapState]:
        if record is None:
            return []
        return [cap for cap in self.state.caps.values() if self._covers(cap.scope, record)]

    def _spend_usage(self, agent: AgentState | None, record: TaskRecord | None, usage: Usage, usd: float) -> None:
        """Count new usage in this month's spend and in the lifetime caps over the task (called
        with what a task reported beyond its last report)."""
        self._roll_month()
        tokens = usage.input_tokens + usage.output_tokens
        for name, budget, spend in self._scopes(agent) + self._cap_scopes(self._caps_over(record)):
            spend.usd += usd
            spend.tokens += tokens
            if budget.is_capped and name not in self.state.warned and spend.share(budget) >= self.state.spec.soft_limit:
                self.state.warned.append(name)
                self._log(
                    "budget.warning",
                    actor="system",
                    agent=None if name == "company" or name.startswith(LIFETIME_SCOPES) else name,
                    summary=self._spent_line(name, spend, budget),
                )

    def _take_unconfirmed(self, record: TaskRecord, unconfirmed: Unconfirmed) -> None:
        """A task's unconfirmed attempts changed (one was lost, or a later attempt settled it):
        the change counts as spent (or given back) in every scope over the task."""
        delta = unconfirmed - record.unconfirmed
        record.unconfirmed = unconfirmed
        agent = self.state.agents.get(record.assignee)
        self.state.unconfirmed = self.state.unconfirmed + delta
        if agent is not None:
            agent.unconfirmed = agent.unconfirmed + delta
        self._spend_usage(agent, record, Usage(input_tokens=delta.tokens), delta.usd)
        for _, _, spend in self._scopes(agent) + self._cap_scopes(self._caps_over(record)):
            spend.usd, spend.tokens = max(0.0, round(spend.usd, 10)), max(0, spend.tokens)
            spend.unconfirmed_usd = max(0.0, round(spend.unconfirmed_usd + delta.usd, 10))
            spend.unconfirmed_tokens = max(0, spend.unconfirmed_tokens + delta.tokens)

    def _spent_line(self, name: str, spend: Spend, budget: Budget | Cap) -> str:
        return f"{name} has spent {spend.share(budget):.0%} of its {noun(name)} ({self._of(spend, budget)})"

    @staticmethod
    def _of(spend: Spend, budget: Budget | Cap) -> str:
        max_usd, max_tokens = budget.limits
        parts = []
        if max_usd is not None:
            parts.append(f"{money(spend.usd)} of {money(max_usd)}")
        if max_tokens is not None:
            parts.append(f"{spend.tokens:,} of {max_tokens:,} tokens")
        return ", ".join(parts)

    def _release(self, identifier: str, *, upto_turn: int | None = None) -> None:
        """Give back a task's reservation (only one for a call up to `upto_turn`, when given)."""
        held = self.state.reservations.get(identifier)
        if held is None or (upto_turn is not None and held.seq > upto_turn):
            return
        del self.state.reservations[identifier]
        self._budget_settled = True
        caps = [self.state.caps[scope] for scope in held.caps if scope in self.state.caps]
        for _, _, spend in self._scopes(self.state.agents.get(held.agent)) + self._cap_scopes(caps):
            spend.reserved_usd = max(0.0, round(spend.reserved_usd - held.usd, 10))  # no float dust
            spend.reserved_tokens = max(0, spend.reserved_tokens - held.tokens)

    # ------------------------------------------------------------------ requests

    @workflow.signal
    async def request_budget(self, request: BudgetRequest) -> None:
        """May this task's next model call spend this much at most? Answered by signal."""
        self._handled += 1
        record = self.state.tasks.get(request.identifier)
        if record is not None and record.status.is_terminal:
            return
        if record is not None:  # a task started outside the company (a test's) reports nothing else
            self._take_usage(record, request.used, request.used_usd, request.seq - 1, request.unconfirmed)
        self._release(request.identifier)
        self.state.deferred = [r for r in self.state.deferred if r.identifier != request.identifier]
        decision = self._decide_budget(request)
        if decision is None:
            self.state.deferred.append(request)
            return
        await self._answer_budget(request, decision)

    async def _grant_deferred(self) -> None:
        """Decide again, in order, the requests that waited for calls in flight to settle."""
        if not self._budget_settled or not self.state.deferred:
            return
        self._budget_settled = False
        waiting, self.state.deferred = self.state.deferred, []
        for request in waiting:
            record = self.state.tasks.get(request.identifier)
            if record is not None and record.status.is_terminal:
                continue
            decision = self._decide_budget(request)
            if decision is None:
                self.state.deferred.append(request)
            else:
                await self._answer_budget(request, decision)

    async def _answer_budget(self, request: BudgetRequest, decision: BudgetDecision) -> None:
        try:
            await workflow.get_external_workflow_handle(
                task_workflow_id(self.state.spec.id, request.identifier)
            ).signal(TaskWorkflow.budget_decision, decision)
        except FailureError as err:  # it ended meanwhile (cancelled): its reservation goes back
            workflow.logger.warning("could not answer %s: %s", request.identifier, err)
            self._release(request.identifier)
        if not decision.granted:
            await self._stop_for_budget(request, decision.reason)

    def _decide_budget(self, request: BudgetRequest) -> BudgetDecision | None:
        """Grant (and reserve), refuse (the scope's budget cannot cover the call even with nothing
        in flight), or None: it fits once calls in flight settle."""
        agent = self.state.agents.get(request.agent)
        caps = self._caps_over(self.state.tasks.get(request.identifier))
        if self.state.pause_reason == BUDGET:
            return BudgetDecision(seq=request.seq, granted=False, reason="company")
        if agent is not None and agent.pause_reason == BUDGET:
            return BudgetDecision(seq=request.seq, granted=False, reason=agent.spec.name)
        stopped = next((cap.scope for cap in caps if cap.stopped), None)
        if stopped is not None:
            return BudgetDecision(seq=request.seq, granted=False, reason=stopped)
        scopes = self._scopes(agent) + self._cap_scopes(caps)
        for name, budget, spend in scopes:
            if not spend.room(budget, request.usd, request.tokens, counting_reserved=False):
                return BudgetDecision(seq=request.seq, granted=False, reason=name)
        if not all(spend.room(budget, request.usd, request.tokens) for _, budget, spend in scopes):
            return None
        for _, _, spend in scopes:
            spend.reserved_usd += request.usd
            spend.reserved_tokens += request.tokens
        self.state.reservations[request.identifier] = Reservation(
            agent=request.agent,
            seq=request.seq,
            usd=request.usd,
            tokens=request.tokens,
            caps=[cap.scope for cap in caps],
        )
        return BudgetDecision(seq=request.seq, granted=True)

    async def _stop_for_budget(self, request: BudgetRequest, scope: str) -> None:
        """A call did not fit: pause the scope (once), hold its tasks, ask the board."""
        budget: Budget | Cap
        if scope.startswith(LIFETIME_SCOPES):
            found = self.state.caps.get(scope)
            if found is not None and found.stopped:
                return
            if await self._refusal_outdated(request, scope):
                return
            cap = self.state.caps[scope]
            cap.stopped = True
            budget, spend = cap.cap, cap.spend
            tasks = [t for t in self._open_tasks() if self._covers(scope, t)]
        elif scope == "company":
            # Held by the emergency brake, the company stays so: the refusal comes again once it is lifted.
            if self.state.pause_reason in (BUDGET, BRAKE) or await self._refusal_outdated(request, scope):
                return
            self.state.paused, self.state.pause_reason = True, BUDGET
            budget, spend, tasks = self.state.spec.budget, self.state.spend, self._open_tasks()
        else:
            agent = self.state.agents[scope]
            if agent.pause_reason == BUDGET or await self._refusal_outdated(request, scope):
                return
            if agent.status.is_available:
                agent.status = AgentStatus.PAUSED
            agent.pause_reason = BUDGET
            budget, spend, tasks = agent.spec.budget, agent.spend, self._open_tasks(agent=scope)
        self._log(
            "budget.exhausted",
            actor="system",
            task=request.identifier,
            agent=None if scope == "company" or scope.startswith(LIFETIME_SCOPES) else scope,
            summary=f"{scope} {'held' if scope.startswith(LIFETIME_SCOPES) else 'paused'}: its {noun(scope)} "
            f"cannot cover the next call ({self._of(spend, budget)})",
        )
        self.state.approval_counter += 1
        approval = Approval(
            id=f"AP-{self.state.approval_counter}",
            request_id=f"budget:{scope}:{self.state.month}",
            kind=ApprovalKind.BUDGET_OVERRIDE,
            title=f"{scope} has spent its {noun(scope)} ({self._of(spend, budget)}): raise it or keep it paused",
            requested_by="system",
            created_at=workflow.now(),
        )
        self.state.approvals[approval.id] = approval
        self._log("approval.requested", actor="system", summary=f"{approval.id} (budget_override): {approval.title}")
        self._budget_settled = True  # requests waiting in this scope are refused now
        await self._signal_tasks(tasks, TaskWorkflow.hold, Hold(held=True, reason=BUDGET))

    async def _refusal_outdated(self, request: BudgetRequest, scope: str) -> bool:
        """Whether the board raised or dropped the scope's budget while the refusal was being sent
        (`set_budget` and `set_cap` ran during that await): then the scope is not stopped, and the
        refused task, held by its refusal, goes on to ask again."""
        budget: Budget | Cap | None
        if scope.startswith(LIFETIME_SCOPES):
            cap = self.state.caps.get(scope)
            budget, spend = (None, None) if cap is None else (cap.cap, cap.spend)
        elif scope == "company":
            budget, spend = self.state.spec.budget, self.state.spend
        else:
            agent = self.state.agents[scope]
            budget, spend = agent.spec.budget, agent.spend
        if budget is not None and spend is not None:
            if not spend.room(budget, request.usd, request.tokens, counting_reserved=False):
                return False
        if not workflow.patched(REFUSAL_RECHECK):
            return False
        record = self.state.tasks.get(request.identifier)
        if (
            record is not None
            and not record.status.is_terminal
            and not self.state.paused
            and self._agent_works(record.assignee)
            and not any(cap.stopped for cap in self._caps_over(record))
        ):
            await self._signal_tasks([record], TaskWorkflow.hold, Hold(held=False))
        return True

    # ------------------------------------------------------------------ the board sets budgets

    @remembered_update
    async def set_budget(self, input: SetBudgetInput) -> Budget:
        """Set a monthly budget; a scope its budget stopped resumes once the new one leaves room."""
        self._handled += 1
        self._roll_month()
        budget = Budget(monthly_usd=input.monthly_usd, monthly_tokens=input.monthly_tokens)
        if input.scope == "company":
            self.state.spec = self.state.spec.model_copy(update={"budget": budget})
            spend, stopped = self.state.spend, self.state.pause_reason == BUDGET
        else:
            agent = self.state.agents[input.scope]
            agent.spec = agent.spec.model_copy(update={"budget": budget})
            spend, stopped = agent.spend, agent.pause_reason == BUDGET
        self._log(
            "budget.set",
            actor=input.actor,
            agent=None if input.scope == "company" else input.scope,
            summary=f"{input.scope}'s monthly budget: {self._of(spend, budget) or 'no cap'}",
        )
        if budget.is_capped:  # running tasks reserve their calls from now on
            scope_tasks = self._open_tasks() if input.scope == "company" else self._open_tasks(agent=input.scope)
            await self._signal_tasks(
                [t for t in scope_tasks if t.status is not TaskStatus.QUEUED], TaskWorkflow.budgeted, True
            )
        if input.scope in self.state.warned and spend.share(budget) < self.state.spec.soft_limit:
            self.state.warned.remove(input.scope)
        if stopped and spend.share(budget) < 1:
            self._approve_overrides(input.scope, actor=input.actor, note="budget raised")
            await self._resume_from_budget([input.scope], actor=input.actor)
        return budget

    @set_budget.validator
    def _validate_set_budget(self, input: SetBudgetInput) -> None:
        self._check_open()
        if input.scope != "company":
            agent = self.state.agents.get(input.scope)
            if agent is None:
                raise reject(f"agent '{input.scope}' not found", "NotFound")
            if agent.status is AgentStatus.TERMINATED:
                raise reject(f"agent '{input.scope}' is terminated", "Conflict")
        uncapped = uncapped_under(self.state.agents, input.scope)
        if (input.monthly_usd is not None or input.monthly_tokens is not None) and uncapped:
            raise reject(
                f"{', '.join(uncapped)} run a CLI tool with no per-turn budget, so their turns cannot be reserved "
                "before they run: give each a per-turn budget (cli.turn_budget_usd or cli.turn_budget_tokens) first",
                "Conflict",
            )

    @remembered_update
    async def set_cap(self, input: SetCapInput) -> CapState | None:
        """Set the lifetime cap of a task or a goal, or drop it (no cap of either kind). A new cap
        counts what its tasks have spent so far; a scope it stopped resumes once it leaves room."""
        self._handled += 1
        cap = self.state.caps.get(input.scope)
        if not input.cap.is_capped:
            if cap is not None:
                await self._lift_cap(cap, actor=input.actor, note="cap dropped")
                self.state.caps.pop(input.scope, None)  # a drop that ran during that await took it
                if input.scope in self.state.warned:
                    self.state.warned.remove(input.scope)
            self._log("budget.set", actor=input.actor, summary=f"{input.scope}: no cap")
            return None
        covered = [t for t in self.state.tasks.values() if self._covers(input.scope, t)]
        if cap is None:
            spent = Spend(
                usd=sum(t.cost_usd for t in covered),
                tokens=sum(t.usage.input_tokens + t.usage.output_tokens for t in covered),
            )
            cap = self.state.caps[input.scope] = CapState(scope=input.scope, cap=input.cap, spend=spent)
        else:
            cap.cap = input.cap
        self._log("budget.set", actor=input.actor, summary=f"{input.scope}'s budget: {self._of(cap.spend, cap.cap)}")
        # Its running tasks reserve their calls from now on.
        running = [t for t in covered if not t.status.is_terminal and t.status is not TaskStatus.QUEUED]
        await self._signal_tasks(running, TaskWorkflow.budgeted, True)
        if input.scope in self.state.warned and cap.spend.share(cap.cap) < self.state.spec.soft_limit:
            self.state.warned.remove(input.scope)
        if cap.stopped and cap.spend.share(cap.cap) < 1:
            await self._lift_cap(cap, actor=input.actor, note="budget raised")
        return cap

    @set_cap.validator
    def _validate_set_cap(self, input: SetCapInput) -> None:
        self._check_open()
        kind, _, key = input.scope.partition(":")
        if kind == "task":
            task = self.state.tasks.get(key)
            if task is None:
                raise reject(f"task '{key}' not found", "NotFound")
            if task.status.is_terminal and input.cap.is_capped:
                raise reject(f"task '{key}' is {task.status}: it spends nothing more", "Conflict")
        elif kind == "goal":
            goal = self.state.goals.get(key)
            if goal is None:
                raise reject(f"goal '{key}' not found", "NotFound")
        else:
            raise reject(f"'{input.scope}': a lifetime cap is on `task:<identifier>` or `goal:<id>`")

    async def _lift_cap(self, cap: CapState, *, actor: str, note: str) -> None:
        """The board raised or dropped a cap that stopped its tasks: its override is decided, they go on."""
        if not cap.stopped:
            return
        self._approve_overrides(cap.scope, actor=actor, note=note)
        await self._resume_from_budget([cap.scope], actor=actor)

    def _approve_overrides(self, scope: str, *, actor: str, note: str) -> None:
        """The board gave the scope room: its open budget_override approvals are approved."""
        for approval in self.state.approvals.values():
            if approval.kind is ApprovalKind.BUDGET_OVERRIDE and approval.status is ApprovalStatus.PENDING:
                if approval.request_id.startswith(f"budget:{scope}:"):
                    approval.status, approval.decided_by = ApprovalStatus.APPROVED, actor
                    approval.decided_at, approval.note = workflow.now(), note

    async def _resume_from_budget(self, scopes: list[str], *, actor: str) -> None:
        tasks: list[TaskRecord] = []
        for scope in scopes:
            if scope.startswith(LIFETIME_SCOPES):
                cap = self.state.caps.get(scope)
                if cap is None or not cap.stopped:
                    continue
                cap.stopped = False
                if not self.state.paused:
                    tasks += [t for t in self._open_tasks() if self._covers(scope, t) and self._agent_works(t.assignee)]
            elif scope == "company":
                if self.state.pause_reason != BUDGET:
                    continue
                self.state.paused, self.state.pause_reason = False, None
                tasks += [t for t in self._open_tasks() if self._agent_works(t.assignee)]
            else:
                agent = self.state.agents[scope]
                if agent.pause_reason != BUDGET:
                    continue
                agent.pause_reason = None
                if agent.status is AgentStatus.PAUSED:
                    agent.status = AgentStatus.ACTIVE
                    self._refresh_agent(scope)
                if not self.state.paused:
                    tasks += self._open_tasks(agent=scope)
            self._log("budget.resumed", actor=actor, summary=f"{scope} resumed: its budget has room")
        if tasks:
            await self._signal_tasks(tasks, TaskWorkflow.hold, Hold(held=False))

    def _agent_works(self, name: str) -> bool:
        agent = self.state.agents.get(name)
        return agent is not None and agent.status.is_available

    # ------------------------------------------------------------------ months

    def _roll_month(self) -> list[str]:
        """Start a new month's spend when the UTC month changed; the scopes its budget stopped."""
        month = month_of(workflow.now())
        if self.state.month == month:
            return []
        first = self.state.month is None
        self.state.month = month
        if first:
            return []
        for spend in [self.state.spend] + [a.spend for a in self.state.agents.values()]:
            spend.usd, spend.tokens = 0.0, 0
        self.state.warned = []
        self._log("budget.month", actor="system", summary=f"a new month ({month}): spend starts again from zero")
        stopped = ["company"] if self.state.pause_reason == BUDGET else []
        return stopped + [a.spec.name for a in self.state.agents.values() if a.pause_reason == BUDGET]

    async def _budget_month(self) -> None:
        """Roll the month over; scopes paused only for their budget resume."""
        stopped = self._roll_month()
        if stopped:
            await self._resume_from_budget(stopped, actor="system")

    def _until_month_end(self) -> timedelta | None:
        """Time to the next month when some scope waits for it; None otherwise."""
        if self.state.pause_reason != BUDGET and not any(a.pause_reason == BUDGET for a in self.state.agents.values()):
            return None
        now = workflow.now()
        return next_month(now) - now

    def _budget_warnings(self) -> list[str]:
        lines = []
        for name in self.state.warned:
            agent, cap = self.state.agents.get(name), self.state.caps.get(name)
            budget: Budget | Cap
            if cap is not None:
                budget, spend = cap.cap, cap.spend
            elif agent is not None:
                budget, spend = agent.spec.budget, agent.spend
            else:
                budget, spend = self.state.spec.budget, self.state.spend
            lines.append(self._spent_line(name, spend, budget))
        if self.state.pause_reason == BUDGET:
            lines.append("the company is paused: its monthly budget is spent")
        lines += [
            f"{a.spec.name} is paused: its monthly budget is spent"
            for a in self.state.agents.values()
            if a.pause_reason == BUDGET
        ]
        lines += [f"{c.scope} is held: its budget is spent" for c in self.state.caps.values() if c.stopped]
        company_capped = self.state.spec.budget.is_capped
        lines += [
            f"{a.spec.name} ({a.spec.adapter}) has no per-turn budget: its turns are counted when they end, "
            "so it may pass a cap by one turn's cost"
            for a in self.state.agents.values()
            if a.spec.adapter not in (Adapter.MODEL, Adapter.HTTP)
            and a.status is not AgentStatus.TERMINATED
            and (company_capped or a.spec.budget.is_capped)
            and a.spec.cli.turn_budget_usd is None
            and a.spec.cli.turn_budget_tokens is None
        ]
        return lines

    # Provided by CompanyWorkflow.
    def _take_usage(
        self, record: TaskRecord, usage: Usage, cost_usd: float, turns: int, unconfirmed: Unconfirmed | None = None
    ) -> None:
        raise NotImplementedError
