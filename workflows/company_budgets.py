"""Budgets that hold before money is spent, part of `CompanyWorkflow`.

Before each model call a task asks (`request_budget`) for the call's worst case; the company
grants it only if it fits, with everything already spent and reserved, under every budget that
covers the task (the company's and its agent's, per UTC month), and reserves it. The task's
next request, or its next event, carries its actual usage (cumulative), which settles the
reservation. So spend never passes a cap. A request that does not fit stops its scope: the
agent (or the whole company) is paused with reason `budget`, its tasks hold before their next
turn, and a `budget_override` approval opens; raising the budget resumes the scope, and so does
a new month.
"""

from collections.abc import Iterable
from datetime import datetime, timedelta
from typing import Any

from temporalio import workflow
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from paperclip.constants import task_workflow_id
    from paperclip.models import (
        AgentState,
        AgentStatus,
        Approval,
        ApprovalKind,
        ApprovalStatus,
        Budget,
        BudgetDecision,
        BudgetRequest,
        CompanyState,
        Hold,
        Reservation,
        SetBudgetInput,
        Spend,
        TaskRecord,
        TaskStatus,
        Usage,
    )
    from workflows.company_governance import reject
    from workflows.task import TaskWorkflow

BUDGET = "budget"
"""The pause reason of a scope its budget stopped."""


def month_of(moment: datetime) -> str:
    return moment.strftime("%Y-%m")


def next_month(moment: datetime) -> datetime:
    start = moment.replace(day=1, hour=0, minute=0, second=0, microsecond=0)
    return (start + timedelta(days=32)).replace(day=1)


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

    def _scopes(self, agent: AgentState | None) -> list[tuple[str, Budget, Spend]]:
        scopes = [("company", self.state.spec.budget, self.state.spend)]
        if agent is not None:
            scopes.append((agent.spec.name, agent.spec.budget, agent.spend))
        return scopes

    def _spend_usage(self, agent: AgentState | None, usage: Usage, usd: float) -> None:
        """Count new usage in this month's spend (called with what a task reported beyond its last report)."""
        self._roll_month()
        tokens = usage.input_tokens + usage.output_tokens
        for name, budget, spend in self._scopes(agent):
            spend.usd += usd
            spend.tokens += tokens
            if budget.is_capped and name not in self.state.warned and spend.share(budget) >= self.state.spec.soft_limit:
                self.state.warned.append(name)
                self._log(
                    "budget.warning",
                    actor="system",
                    agent=None if name == "company" else name,
                    summary=self._spent_line(name, spend, budget),
                )

    def _spent_line(self, name: str, spend: Spend, budget: Budget) -> str:
        return f"{name} has spent {spend.share(budget):.0%} of its monthly budget ({self._of(spend, budget)})"

    @staticmethod
    def _of(spend: Spend, budget: Budget) -> str:
        parts = []
        if budget.monthly_usd is not None:
            parts.append(f"{money(spend.usd)} of {money(budget.monthly_usd)}")
        if budget.monthly_tokens is not None:
            parts.append(f"{spend.tokens:,} of {budget.monthly_tokens:,} tokens")
        return ", ".join(parts)

    def _release(self, identifier: str, *, upto_turn: int | None = None) -> None:
        """Give back a task's reservation (only one for a call up to `upto_turn`, when given)."""
        held = self.state.reservations.get(identifier)
        if held is None or (upto_turn is not None and held.seq > upto_turn):
            return
        del self.state.reservations[identifier]
        self._budget_settled = True
        for _, _, spend in self._scopes(self.state.agents.get(held.agent)):
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
            self._take_usage(record, request.used, request.used_usd, request.seq - 1)
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
        if self.state.pause_reason == BUDGET:
            return BudgetDecision(seq=request.seq, granted=False, reason="company")
        if agent is not None and agent.pause_reason == BUDGET:
            return BudgetDecision(seq=request.seq, granted=False, reason=agent.spec.name)
        for name, budget, spend in self._scopes(agent):
            if not spend.room(budget, request.usd, request.tokens, counting_reserved=False):
                return BudgetDecision(seq=request.seq, granted=False, reason=name)
        if not all(spend.room(budget, request.usd, request.tokens) for _, budget, spend in self._scopes(agent)):
            return None
        for _, _, spend in self._scopes(agent):
            spend.reserved_usd += request.usd
            spend.reserved_tokens += request.tokens
        self.state.reservations[request.identifier] = Reservation(
            agent=request.agent, seq=request.seq, usd=request.usd, tokens=request.tokens
        )
        return BudgetDecision(seq=request.seq, granted=True)

    async def _stop_for_budget(self, request: BudgetRequest, scope: str) -> None:
        """A call did not fit: pause the scope (once), hold its tasks, ask the board."""
        if scope == "company":
            if self.state.pause_reason == BUDGET:
                return
            self.state.paused, self.state.pause_reason = True, BUDGET
            budget, spend, tasks = self.state.spec.budget, self.state.spend, self._open_tasks()
        else:
            agent = self.state.agents[scope]
            if agent.pause_reason == BUDGET:
                return
            if agent.status.is_available:
                agent.status = AgentStatus.PAUSED
            agent.pause_reason = BUDGET
            budget, spend, tasks = agent.spec.budget, agent.spend, self._open_tasks(agent=scope)
        self._log(
            "budget.exhausted",
            actor="system",
            task=request.identifier,
            agent=None if scope == "company" else scope,
            summary=f"{scope} paused: its monthly budget cannot cover the next call ({self._of(spend, budget)})",
        )
        self.state.approval_counter += 1
        approval = Approval(
            id=f"AP-{self.state.approval_counter}",
            request_id=f"budget:{scope}:{self.state.month}",
            kind=ApprovalKind.BUDGET_OVERRIDE,
            title=f"{scope} has spent its monthly budget ({self._of(spend, budget)}): raise it or keep it paused",
            requested_by="system",
            created_at=workflow.now(),
        )
        self.state.approvals[approval.id] = approval
        self._log("approval.requested", actor="system", summary=f"{approval.id} (budget_override): {approval.title}")
        self._budget_settled = True  # requests waiting in this scope are refused now
        await self._signal_tasks(tasks, TaskWorkflow.hold, Hold(held=True, reason=BUDGET))

    # ------------------------------------------------------------------ the board sets budgets

    @workflow.update
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
            for approval in self.state.approvals.values():
                if approval.kind is ApprovalKind.BUDGET_OVERRIDE and approval.status is ApprovalStatus.PENDING:
                    if approval.request_id.startswith(f"budget:{input.scope}:"):
                        approval.status, approval.decided_by = ApprovalStatus.APPROVED, input.actor
                        approval.decided_at, approval.note = workflow.now(), "budget raised"
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

    async def _resume_from_budget(self, scopes: list[str], *, actor: str) -> None:
        tasks: list[TaskRecord] = []
        for scope in scopes:
            if scope == "company":
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
            agent = self.state.agents.get(name)
            budget, spend = (agent.spec.budget, agent.spend) if agent else (self.state.spec.budget, self.state.spend)
            lines.append(
                f"{name} has spent {spend.share(budget):.0%} of its monthly budget ({self._of(spend, budget)})"
            )
        if self.state.pause_reason == BUDGET:
            lines.append("the company is paused: its monthly budget is spent")
        lines += [
            f"{a.spec.name} is paused: its monthly budget is spent"
            for a in self.state.agents.values()
            if a.pause_reason == BUDGET
        ]
        return lines

    # Provided by CompanyWorkflow.
    def _take_usage(self, record: TaskRecord, usage: Usage, cost_usd: float, turns: int) -> None:
        raise NotImplementedError
