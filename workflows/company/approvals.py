"""Approvals and hiring by agents, as signals and validated updates of `CompanyWorkflow`.

A task asks (`approval_requested`): a question for the board, the CEO's plan, or a hire. The
company answers the task at once (the approval's id, or why the request was refused) and, when
a person decides (`decide_approval`), again with the decision, which wakes the task. A hire in
a company that requires approval adds the agent as `pending_approval`: its tasks hold until the
board approves, and a rejection terminates it.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from paperclip.models import (
        AgentState,
        AgentStatus,
        Approval,
        ApprovalAnswer,
        ApprovalKind,
        ApprovalRequest,
        ApprovalStatus,
        ApprovalTimedOut,
        CancelTask,
        CompanyState,
        DecideApprovalInput,
        Hold,
        ToolDecision,
    )
    from paperclip.org import OrgError, check_hire, subtree
    from paperclip.tools import ToolArgumentsError
    from paperclip.tools.base import parse
    from paperclip.tools.registry import REGISTRY
    from workflows.company.core import CompanyCore, hire_summary, reject
    from workflows.company.idempotency import remembered_update
    from workflows.company.texts import is_long_approval
    from workflows.patches import APPROVALS_IN_STORE
    from workflows.task import TaskWorkflow

OUTLIVE_THEIR_TASK = frozenset({ApprovalKind.HIRE_AGENT, ApprovalKind.BUDGET_OVERRIDE})
"""Approvals whose decision still matters once the task that asked has ended (a hire, a budget);
the others (a plan, a tool call, a question, a review) wait on their task and end with it."""


def check_tool_decision(approval: Approval, input: DecideApprovalInput) -> None:
    """A tool decision goes with an approved `tool_call` only, and edited arguments must fit the
    tool (the task checks them again, with its policy, before the call runs)."""
    if approval.kind is not ApprovalKind.TOOL_CALL or approval.tool_call is None:
        raise reject(f"approval '{approval.id}' is not a tool call: it takes no tool decision")
    if input.tool is None or input.tool == ToolDecision():
        return
    if input.decision is not ApprovalStatus.APPROVED:
        raise reject("a scope or edited arguments go with an approval; reject and say what to change")
    tool = REGISTRY.get(approval.tool_call.tool)
    if input.tool.arguments is not None and tool is not None:
        try:
            parse(tool.arguments, input.tool.arguments)
        except ToolArgumentsError as err:
            raise reject(f"the edited arguments do not fit: {err}") from None


DECIDED_APPROVALS_CARRIED = 100
"""Decided approvals carried across continue-as-new; all of them are in the activity log."""


def carried_approvals(state: CompanyState) -> dict[str, Approval]:
    """Pending approvals and the last decided ones, for the next run."""
    decided = [a for a in state.approvals.values() if a.status is not ApprovalStatus.PENDING]
    decided.sort(key=lambda a: a.decided_at or a.created_at)
    dropped = {a.id for a in decided[: max(0, len(decided) - DECIDED_APPROVALS_CARRIED)]}
    return {k: v for k, v in state.approvals.items() if k not in dropped}


class ApprovalsPart(CompanyCore):
    """Signals and updates of `CompanyWorkflow` for approvals (see the module docstring)."""

    # ------------------------------------------------------------------ requests from tasks

    @workflow.signal
    async def approval_requested(self, request: ApprovalRequest) -> None:
        """A task asks the board, or hires; it is answered by signal (signals are at-least-once:
        a repeated request gets the same answer again)."""
        known = next((a for a in self.state.approvals.values() if a.request_id == request.request_id), None)
        if known is not None:
            await self._answer(request.task, ApprovalAnswer(request_id=request.request_id, approval=known))
            return
        self._handled += 1
        if request.kind is ApprovalKind.HIRE_AGENT:
            answer = self._hire_by_agent(request)
        elif self.state.archived:
            answer = ApprovalAnswer(request_id=request.request_id, ok=False, message="the company is archived")
        else:
            answer = ApprovalAnswer(request_id=request.request_id, approval=self._open_approval(request))
        await self._answer(request.task, answer)

    def _hire_by_agent(self, request: ApprovalRequest) -> ApprovalAnswer:
        def refused(message: str) -> ApprovalAnswer:
            self._log(
                "agent.hire_refused",
                actor=request.requested_by,
                task=request.task,
                summary=f"{request.requested_by} could not hire: {message}",
            )
            return ApprovalAnswer(request_id=request.request_id, ok=False, message=message)

        spec = request.agent
        hirer = self.state.agents.get(request.requested_by)
        if spec is None:
            return refused("no agent given")
        if self.state.archived:
            return refused("the company is archived")
        if hirer is None or not hirer.spec.permissions.can_hire:
            return refused(f"{request.requested_by} may not hire")
        team = {a.name for a in subtree([a.spec for a in self.state.agents.values()], hirer.spec.name)}
        if spec.reports_to != hirer.spec.name and spec.reports_to not in team:
            return refused(f"'{spec.name}' must report to {hirer.spec.name} or someone in its team")
        try:
            check_hire(self.state.agents, spec)
        except OrgError as err:
            return refused(str(err))
        pending = self.state.spec.require_hire_approval
        self.state.agents[spec.name] = agent = AgentState(
            spec=spec, status=AgentStatus.PENDING_APPROVAL if pending else AgentStatus.ACTIVE
        )
        self._revise(agent, before=None, actor=request.requested_by)
        self._log(
            "agent.hired",
            actor=request.requested_by,
            agent=spec.name,
            task=request.task,
            summary=hire_summary(spec) + (" (pending the board's approval)" if pending else ""),
        )
        if not pending:
            return ApprovalAnswer(request_id=request.request_id, message=f"{spec.name} is hired")
        return ApprovalAnswer(request_id=request.request_id, approval=self._open_approval(request))

    @workflow.signal
    def approval_timed_out(self, message: ApprovalTimedOut) -> None:
        """A waiting task passed the company's approval timeout: the approval is escalated."""
        approval = next((a for a in self.state.approvals.values() if a.request_id == message.request_id), None)
        if approval is None or approval.status is not ApprovalStatus.PENDING or approval.escalated:
            return
        self._handled += 1
        approval.escalated = True
        self._log(
            "approval.escalated",
            actor="system",
            task=approval.task,
            summary=f"{approval.id} ({approval.kind}) still undecided after "
            f"{self.state.spec.approval_timeout_seconds} s: {approval.title}",
        )

    # ------------------------------------------------------------------ the board decides

    @remembered_update
    async def decide_approval(self, input: DecideApprovalInput) -> Approval:
        """Approve, reject or ask for a revision; the asking task wakes with the decision."""
        self._handled += 1
        approval = self.state.approvals[input.id]
        approval.status = input.decision
        approval.note = input.note
        approval.decided_by = input.actor
        approval.decided_at = workflow.now()
        if approval.kind is ApprovalKind.TOOL_CALL:
            approval.decision = input.tool  # the asking task reads its scope and edited arguments
        note = f": {input.note}" if input.note else ""
        self._log(
            "approval.decided",
            actor=input.actor,
            task=approval.task,
            agent=approval.agent.name if approval.agent else None,
            summary=f"{approval.id} ({approval.kind}) {approval.status}{note}",
        )
        if approval.kind is ApprovalKind.HIRE_AGENT and approval.agent is not None:
            await self._settle_hire(approval, input.actor)
        if approval.task is not None:
            await self._answer(approval.task, ApprovalAnswer(request_id=approval.request_id, approval=approval))
        self._pipeline_gate_decided(approval)
        return approval

    @decide_approval.validator
    def _validate_decide_approval(self, input: DecideApprovalInput) -> None:
        self._check_open()
        approval = self.state.approvals.get(input.id)
        if approval is None:
            raise reject(f"approval '{input.id}' not found", "NotFound")
        if approval.status is not ApprovalStatus.PENDING:
            raise reject(f"approval '{input.id}' is already {approval.status}", "Conflict")
        if approval.task is not None and approval.kind not in OUTLIVE_THEIR_TASK:
            task = self.state.tasks.get(approval.task)
            if task is not None and task.status.is_terminal:
                raise reject(
                    f"approval '{input.id}' was asked for {approval.task}, which is {task.status.value}", "Conflict"
                )
        if approval.kind is ApprovalKind.HIRE_AGENT and input.decision is ApprovalStatus.REVISION_REQUESTED:
            raise reject("a hire is approved or rejected; reject it and say what to change")
        if approval.kind is ApprovalKind.BUDGET_OVERRIDE and input.decision is not ApprovalStatus.REJECTED:
            raise reject("raise the budget (set_budget) to resume, or reject to keep it paused")
        if input.tool is not None:
            check_tool_decision(approval, input)

    async def _settle_hire(self, approval: Approval, actor: str) -> None:
        assert approval.agent is not None
        name = approval.agent.name
        agent = self.state.agents.get(name)
        if agent is None or agent.status is not AgentStatus.PENDING_APPROVAL:
            return
        if approval.status is ApprovalStatus.APPROVED:
            agent.status = AgentStatus.ACTIVE
            self._log("agent.approved", actor=actor, agent=name, summary=f"{name} may start work")
            self._refresh_agent(name)
            if not self.state.paused:
                await self._signal_tasks(self._open_tasks(agent=name), TaskWorkflow.hold, Hold(held=False))
        else:
            agent.status = AgentStatus.TERMINATED
            self._log("agent.terminated", actor=actor, agent=name, summary=f"{name} not hired: {approval.note}")
            # Tasks delegated to it while it waited stop.
            await self._signal_tasks(
                self._open_tasks(agent=name),
                TaskWorkflow.cancel,
                CancelTask(reason=f"{name} was not hired", actor=actor),
            )

    async def _answer(self, task: str, answer: ApprovalAnswer) -> None:
        record = self.state.tasks.get(task)
        if record is not None and not record.status.is_terminal:
            approval = answer.approval
            if approval is not None and is_long_approval(approval) and workflow.patched(APPROVALS_IN_STORE):
                # The task asked with the details and needs only the decision: a signal with
                # each of many long answers could pass what one workflow task may send.
                answer = answer.model_copy(update={"approval": approval.model_copy(update={"details": ""})})
            await self._signal_tasks([record], TaskWorkflow.approval_answer, answer)
