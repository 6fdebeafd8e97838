"""Budgets that hold before money is spent, part of `CompanyWorkflow`.

Before each model call a task asks (`request_budget`) for the call's worst case; the company
grants it only if it fits, with everything already spent and reserved, under every budget that
covers the task (the company's and its agent's, per UTC month), and reserves it. The task's
next request, or its next event, carries its actual usage (cumulative), which settles the
reservation. So spend never passes a cap. A request that does not fit stops its scope: the
agent (or the whole company) is paused with reason `budget`, its tasks hold before their next
turn, and a `budget_override` approval opens; raising the budget resumes the scope, and so does
a new month.

Lifetime caps (`CompanyState.caps`) work the same way on a task with its subtasks (`task:ACME-3`),
on a goal with the goals under it (`goal:G2`) and on a project (`project:WEB`): they count what
their tasks spend from the moment the cap is set, never roll over, and a call that does not fit
holds the tasks they cover.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import FailureError

with workflow.unsafe.imports_passed_through():
    from paperclip.constants import task_workflow_id
    from paperclip.holds import BRAKE
    from paperclip.models import (
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
    from paperclip.spend import (
        BUDGET,
        agent_of,
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
    from workflows.company.core import CompanyCore, reject
    from workflows.company.idempotency import remembered_update
    from workflows.patches import REFUSAL_RECHECK
    from workflows.task import TaskWorkflow


class BudgetsPart(CompanyCore):
    """Budget signals and updates of `CompanyWorkflow` (see the module docstring)."""

    # ------------------------------------------------------------------ spend

    def _take_usage(
        self, record: TaskRecord, usage: Usage, cost_usd: float, turns: int, unconfirmed: Unconfirmed | None = None
    ) -> None:
        """Take a task's cumulative usage (after `turns` turns); what is new since the last report
        goes to the totals and this month's spend, and settles the reservation of a finished call.
        Its unconfirmed attempts (lost with their worker) count as spent at their worst case."""
        if turns >= record.turns and usage.input_tokens >= record.usage.input_tokens and cost_usd >= record.cost_usd:
            if unconfirmed is not None and unconfirmed != record.unconfirmed:
                self._take_unconfirmed(record, unconfirmed)
            new, cost = usage - record.usage, cost_usd - record.cost_usd
            record.usage, record.cost_usd, record.turns = usage, cost_usd, turns
            self.state.usage = self.state.usage + new
            self.state.cost_usd += cost
            agent = self.state.agents.get(record.assignee)
            if agent is not None:
                agent.usage = agent.usage + new
                agent.cost_usd += cost
            self._spend_usage(agent, record, new, cost)
        self._release(record.identifier, upto_turn=turns)

    def _spend_usage(self, agent: AgentState | None, record: TaskRecord | None, usage: Usage, usd: float) -> None:
        """Count new usage in this month's spend and in the lifetime caps over the task (called
        with what a task reported beyond its last report)."""
        self._roll_month()
        tokens = usage.input_tokens + usage.output_tokens
        for name, budget, spend in monthly_limits(self.state, agent) + cap_limits(caps_over(self.state, record)):
            spend.usd += usd
            spend.tokens += tokens
            if crosses_soft_limit(self.state, name, spend, budget):
                self.state.warned.append(name)
                self._log(
                    "budget.warning",
                    actor="system",
                    agent=agent_of(name),
                    summary=spent_line(name, spend, budget),
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
        for _, _, spend in monthly_limits(self.state, agent) + cap_limits(caps_over(self.state, record)):
            spend.usd, spend.tokens = max(0.0, round(spend.usd, 10)), max(0, spend.tokens)
            spend.unconfirmed_usd = max(0.0, round(spend.unconfirmed_usd + delta.usd, 10))
            spend.unconfirmed_tokens = max(0, spend.unconfirmed_tokens + delta.tokens)

    def _release(self, identifier: str, *, upto_turn: int | None = None) -> None:
        """Give back a task's reservation (only one for a call up to `upto_turn`, when given)."""
        held = self.state.reservations.get(identifier)
        if held is None or (upto_turn is not None and held.seq > upto_turn):
            return
        del self.state.reservations[identifier]
        self._budget_settled = True
        caps = [self.state.caps[scope] for scope in held.caps if scope in self.state.caps]
        for _, _, spend in monthly_limits(self.state, self.state.agents.get(held.agent)) + cap_limits(caps):
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
        caps = caps_over(self.state, self.state.tasks.get(request.identifier))
        if self.state.pause_reason == BUDGET:
            return BudgetDecision(seq=request.seq, granted=False, reason="company")
        if agent is not None and agent.pause_reason == BUDGET:
            return BudgetDecision(seq=request.seq, granted=False, reason=agent.spec.name)
        stopped = next((cap.scope for cap in caps if cap.stopped), None)
        if stopped is not None:
            return BudgetDecision(seq=request.seq, granted=False, reason=stopped)
        scopes = monthly_limits(self.state, agent) + cap_limits(caps)
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
        if is_lifetime(scope):
            found = self.state.caps.get(scope)
            if found is not None and found.stopped:
                return
            if await self._refusal_outdated(request, scope):
                return
            cap = self.state.caps[scope]
            cap.stopped = True
            budget, spend = cap.cap, cap.spend
            tasks = [t for t in self._open_tasks() if covers(self.state, scope, t)]
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
            agent=agent_of(scope),
            summary=f"{scope} {'held' if is_lifetime(scope) else 'paused'}: its {noun(scope)} "
            f"cannot cover the next call ({spent_of(spend, budget)})",
        )
        self.state.approval_counter += 1
        approval = Approval(
            id=f"AP-{self.state.approval_counter}",
            request_id=f"budget:{scope}:{self.state.month}",
            kind=ApprovalKind.BUDGET_OVERRIDE,
            title=f"{scope} has spent its {noun(scope)} ({spent_of(spend, budget)}): raise it or keep it paused",
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
        limit = limit_of(self.state, scope)
        if limit is not None and not limit[1].room(limit[0], request.usd, request.tokens, counting_reserved=False):
            return False
        if not workflow.patched(REFUSAL_RECHECK):
            return False
        record = self.state.tasks.get(request.identifier)
        if (
            record is not None
            and not record.status.is_terminal
            and not self.state.paused
            and self._agent_works(record.assignee)
            and not any(cap.stopped for cap in caps_over(self.state, record))
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
            before, agent.spec = agent.spec, agent.spec.model_copy(update={"budget": budget})
            if agent.spec != before:  # a change of its configuration: a revision, as a configure's
                self._revise(agent, before=before, actor=input.actor)
            spend, stopped = agent.spend, agent.pause_reason == BUDGET
        self._log(
            "budget.set",
            actor=input.actor,
            agent=None if input.scope == "company" else input.scope,
            summary=f"{input.scope}'s monthly budget: {spent_of(spend, budget) or 'no cap'}",
        )
        await self._budget_set(input.scope, budget, spend, stopped=stopped, actor=input.actor)
        return budget

    async def _budget_set(self, scope: str, budget: Budget, spend: Spend, *, stopped: bool, actor: str) -> None:
        """What a new monthly budget on `scope` (now in the state) does: running tasks under a cap
        reserve their calls from now on, a warning below the soft limit is lifted, and a scope its
        budget `stopped` resumes once the new one leaves room."""
        if budget.is_capped:  # running tasks reserve their calls from now on
            scope_tasks = self._open_tasks() if scope == "company" else self._open_tasks(agent=scope)
            await self._signal_tasks(
                [t for t in scope_tasks if t.status is not TaskStatus.QUEUED], TaskWorkflow.budgeted, True
            )
        if scope in self.state.warned and spend.share(budget) < self.state.spec.soft_limit:
            self.state.warned.remove(scope)
        if stopped and spend.share(budget) < 1:
            self._approve_overrides(scope, actor=actor, note="budget raised")
            await self._resume_from_budget([scope], actor=actor)

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
        """Set the lifetime cap of a task, a goal or a project, or drop it (no cap of either kind). A new cap
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
        covered = [t for t in self.state.tasks.values() if covers(self.state, input.scope, t)]
        if cap is None:
            cap = self.state.caps[input.scope] = CapState(scope=input.scope, cap=input.cap, spend=spent_by(covered))
        else:
            cap.cap = input.cap
        self._log("budget.set", actor=input.actor, summary=f"{input.scope}'s budget: {spent_of(cap.spend, cap.cap)}")
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
        elif kind == "project":
            if key not in self.state.projects:
                raise reject(f"project '{key}' not found", "NotFound")
        else:
            raise reject(f"'{input.scope}': a lifetime cap is on `task:<identifier>`, `goal:<id>` or `project:<key>`")

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
            if is_lifetime(scope):
                cap = self.state.caps.get(scope)
                if cap is None or not cap.stopped:
                    continue
                cap.stopped = False
                if not self.state.paused:
                    tasks += [
                        t for t in self._open_tasks() if covers(self.state, scope, t) and self._agent_works(t.assignee)
                    ]
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
