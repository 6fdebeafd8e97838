"""`TaskWorkflow`: one agent working one task, one model turn at a time.

Each turn sends only the *new* messages to the model activity (earlier ones live in the
store), so history grows linearly with the conversation. Delegation starts subtasks as child
workflows (`ACME-12.3`) that report back by signal, so a parent that continues-as-new neither
kills nor loses them.
"""

import asyncio
import json
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ActivityError, ApplicationError, FailureError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from paperclip.constants import (
        SA_AGENT,
        SA_COMPANY,
        SA_STATUS,
        cli_queue,
        llm_queue,
        task_workflow_id,
    )
    from paperclip.models import (
        Adapter,
        AgentCall,
        AgentCallAnswer,
        AgentFromTemplateInput,
        AgentSpec,
        ApprovalAnswer,
        ApprovalKind,
        ApprovalRequest,
        ApprovalStatus,
        ApprovalTimedOut,
        BudgetDecision,
        BudgetRequest,
        CancelTask,
        ChildFinished,
        CliTurnInput,
        CliTurnResult,
        Comment,
        Escalation,
        Goal,
        Hold,
        HttpTurnInput,
        HttpTurnResult,
        Message,
        ModelConfig,
        ModelQueueInput,
        ModelTurnInput,
        ModelTurnResult,
        Reassign,
        RetryState,
        SessionRef,
        SettledAttempt,
        TaskCarry,
        TaskEvent,
        TaskInput,
        TaskRecord,
        TaskResult,
        TaskStatus,
        ToolCall,
        WorkspaceRelease,
        WorstCase,
        check_transition,
    )
    from paperclip.org import direct_reports, subtree
    from paperclip.pricing import price as list_price
    from paperclip.tools import COMPLETE_TASK, DELEGATE_TASK, ESCALATE, HIRE_AGENT, REQUEST_APPROVAL, tools_for
    from workflows import retries
    from workflows.patches import (
        ADMISSION,
        BUDGET_RESERVATION,
        CREDENTIAL_QUEUES,
        OWN_COMMENTS,
        TEAM_CREDENTIAL_QUEUES,
        USAGE_BEFORE_HOLD,
        WORKFLOW_RETRIES,
    )
    from workflows.signals import signal_company

MODEL_TURN_ATTEMPTS = 10
"""Attempts of one model call Temporal made before the task workflow owned retries."""
CLI_TURN_ATTEMPTS = 3
"""Attempts of one CLI-agent turn Temporal made before the task workflow owned retries."""
TURN_NAMES = {Adapter.MODEL: "model call", Adapter.HTTP: "HTTP turn"}
"""What a failed turn is called in the task's result; any other adapter's is a "CLI turn"."""

USAGE_REPORT_INTERVAL = timedelta(seconds=2)
"""How often a working task tells the company its usage between status changes: a signal per
turn would cost a workflow task per turn on both sides."""

MESSAGE_FRAMING_TOKENS = 16
"""A bound on the tokens a provider adds around one message (role, separators)."""
SUBTREE_CANCEL_WAIT = timedelta(minutes=10)
"""How long a cancelled task waits for its subtasks to confirm before it ends anyway."""
SEEN_COMMENTS = 100
"""Comment ids remembered to drop repeats (signals are at-least-once)."""

MAX_DELEGATION_DEPTH = 5
"""A subtask of a subtask … at most this deep: delegation loops end."""


def task_search_attributes(company_id: str, agent: str, status: TaskStatus) -> TypedSearchAttributes:
    """Search attributes of a task workflow: ids and status only, never content."""
    return TypedSearchAttributes(
        [
            SearchAttributePair(SA_COMPANY, company_id),
            SearchAttributePair(SA_AGENT, agent),
            SearchAttributePair(SA_STATUS, status.value),
        ]
    )


def goal_chain(goals: list[Goal], goal_id: str | None) -> list[Goal]:
    """`goal_id` and the goals above it, top first."""
    by_id = {g.id: g for g in goals}
    chain: list[Goal] = []
    while goal_id is not None and goal_id in by_id and by_id[goal_id] not in chain:
        chain.append(by_id[goal_id])
        goal_id = by_id[goal_id].parent
    return chain[::-1]


def worst_case(model: ModelConfig, prompt_tokens: int) -> tuple[float, int]:
    """The most a call can cost (USD, tokens): a prompt of at most `prompt_tokens` at the input
    price and a full `max_tokens` reply. A model with no price costs 0 USD here (token-only)."""
    tokens = prompt_tokens + model.max_tokens
    if model.is_simulated:
        return 0.0, tokens
    if model.price is not None:
        input_price, output_price = model.price.input, model.price.output
    else:
        listed = list_price(model.provider, model.model)
        if listed is None:
            return 0.0, tokens
        input_price, output_price = listed.input, listed.output
    return (prompt_tokens * input_price + model.max_tokens * output_price) / 1_000_000, tokens


def bytes_of(message: Message) -> int:
    """A bound on a message's tokens: a token is at least one UTF-8 byte."""
    calls = sum(len(c.name) + len(json.dumps(c.arguments)) for c in message.tool_calls)
    return len(message.content.encode()) + calls + MESSAGE_FRAMING_TOKENS


def describe_answer(answer: ApprovalAnswer) -> str:
    """The board's decision, as the agent reads it."""
    approval = answer.approval
    if not answer.ok or approval is None:
        return f"Your request could not be made: {answer.message}"
    what = f"{approval.id} ({approval.kind}: {approval.title})"
    note = f" Their note: {approval.note}" if approval.note else ""
    if approval.status is ApprovalStatus.APPROVED:
        return f"The board approved {what}.{note}"
    if approval.status is ApprovalStatus.REJECTED:
        return f"The board rejected {what}.{note} Do not go ahead with it."
    return f"The board asks you to revise {what}.{note} Revise it and ask again with request_approval."


def system_prompt(input: TaskInput) -> str:
    """The agent's standing instructions for this task: constant across turns."""
    agent = input.agent
    who = f"You are {agent.name}" + (f", {agent.title}" if agent.title else "") + f" (role: {agent.role})"
    company = f" at {input.company_name}" if input.company_name else ""
    lines = [who + company + "."]
    if input.mission:
        lines.append(f"Company mission: {input.mission}")
    if agent.system_prompt:
        lines.append(agent.system_prompt)
    if agent.adapter is Adapter.HTTP:
        lines.append(
            "Work on the task below, then answer through the Paperclip API with the task token you were "
            "given (Authorization: Bearer <token>): POST the result to the task's /complete; you may also "
            "POST to its /comments, /subtasks and /approval-requests."
        )
    elif agent.adapter is not Adapter.MODEL:
        lines.append(
            "Work on the task below in the current directory. Your final message is the task's result. "
            "You may call the Paperclip API at $PAPERCLIP_API_URL with the bearer token in "
            "$PAPERCLIP_TASK_TOKEN, on /api/companies/$PAPERCLIP_COMPANY_ID/tasks/$PAPERCLIP_TASK_ID: "
            "/comments, /subtasks, /approval-requests and /complete."
        )
    else:
        lines.append(
            "Work on the task you are given. Delegate parts of it to your team with delegate_task when "
            "that helps; their results come back to you. When the task is finished, call complete_task "
            "with the result."
        )
    return "\n\n".join(lines)


def cli_prompt(input: TaskInput, messages: list[Message], *, resuming: bool) -> str:
    """A CLI agent's prompt for a turn: what is new, after its standing instructions when its
    tool starts a new session (a resumed one has them already)."""
    parts = [] if resuming else [system_prompt(input)]
    parts += [m.content for m in messages if m.content]
    return "\n\n".join(parts)


@workflow.defn
class TaskWorkflow:
    @workflow.init
    def __init__(self, input: TaskInput) -> None:
        self.input = input
        self.carry = input.carry or TaskCarry()
        self._turns_this_run = 0
        self._last_signal: asyncio.Task[None] | None = None
        self._result: str | None = None
        self._failure: str | None = None
        """Set when the turn failed the task without an activity error (an HTTP agent that
        never answered)."""
        self._last_report = workflow.now()
        self._has_search_attributes = workflow.info().typed_search_attributes.get(SA_COMPANY) is not None
        self._own_queues: dict[str, bool] = {}
        self._own_retries = False
        """Whether the last turn's attempt ran under the task's own retries (`WORKFLOW_RETRIES`)."""
        self._orphan: dict[str, Any] | None = None
        """A lost CLI attempt's last heartbeat: its tool is killed by the next attempt."""
        """Credential → whether its calls have a queue of their own, asked once a run (so a
        changed limit reaches a long task at its next continue-as-new)."""
        self._bucket_queues: dict[str, str | None] = {}
        """Credential → the bucket whose queue its calls go to (None: the shared one), likewise."""

    # ------------------------------------------------------------------ messages

    @workflow.signal
    def child_finished(self, msg: ChildFinished) -> None:
        """A subtask ended: its result (a summary, not a transcript) is the next turn's input."""
        if self.carry.open_children.pop(msg.identifier, None) is None:
            return  # a repeat, or not ours: signals are at-least-once
        outcome = f"Result: {msg.result}" if msg.result else "No result was given."
        self.carry.pending.append(
            Message(
                role="user",
                author=msg.identifier,
                content=f"Subtask {msg.identifier} ({msg.assignee}) finished: {msg.status}. {outcome}",
            )
        )

    @workflow.signal
    def comment(self, comment: Comment) -> None:
        """A person or an agent commented: the comment is the next turn's input, and wakes a
        blocked task."""
        if comment.id in self.carry.seen_comments:
            return
        if comment.author == self.input.agent.name and workflow.patched(OWN_COMMENTS):
            return  # the agent's own note, through the API: on record, but not its next input
        self.carry.seen_comments = [*self.carry.seen_comments[-(SEEN_COMMENTS - 1) :], comment.id]
        self.carry.pending.append(
            Message(role="user", author=comment.author, content=f"Comment from {comment.author}: {comment.body}")
        )
        if self.input.agent.heartbeat.wake_on_comment:
            self.carry.comments_waiting += 1
        else:
            self.carry.quiet_comments += 1

    @workflow.signal
    def wake(self, reason: str) -> None:
        """The agent's heartbeat: comments that did not wake the task do now."""
        self.carry.comments_waiting += self.carry.quiet_comments
        self.carry.quiet_comments = 0

    @workflow.signal
    def approval_answer(self, answer: ApprovalAnswer) -> None:
        """The company's answer to a request of this task: its approval's id, or the decision."""
        self.carry.answers[answer.request_id] = answer
        decided = answer.approval is not None and answer.approval.status is not ApprovalStatus.PENDING
        if decided and answer.request_id != self.carry.waiting_for and answer.request_id in self.carry.announced:
            return
        if decided and answer.request_id != self.carry.waiting_for:
            # A decision the task did not stop for (a hire): it is the next turn's input.
            self.carry.announced.append(answer.request_id)
            self.carry.pending.append(Message(role="user", author="board", content=describe_answer(answer)))
            self.carry.comments_waiting += 1

    @workflow.signal
    def budgeted(self, budgeted: bool) -> None:
        """A cap now covers this task (or no longer does): reserve each call from the next one on."""
        self.carry.budgeted = budgeted

    @workflow.signal
    def budget_decision(self, decision: BudgetDecision) -> None:
        """The company's answer to a budget request: go ahead, or hold (the budget is spent)."""
        self.carry.budget_decision = decision

    @workflow.signal
    def hold(self, hold: Hold) -> None:
        """Hold before the next turn (the agent or the company is paused), or go on; the first one
        a delegated task gets is its admission."""
        self.carry.held = hold.held
        self.carry.admitted = True

    @workflow.signal
    def cancel(self, cancel: CancelTask) -> None:
        """Stop: an in-flight model call is cancelled, and so are the subtasks."""
        if self.carry.cancel is None:
            self.carry.cancel = cancel

    @workflow.signal
    def reassign(self, reassign: Reassign) -> None:
        """From the next turn on another agent works on this task, with the conversation so far."""
        previous = self.input.agent.name
        self.input = self.input.model_copy(update={"agent": reassign.agent, "team": reassign.team})
        self.carry.handing_over = False
        self.carry.pending.append(
            Message(
                role="user",
                author="board",
                content=f"Task {self.input.identifier} was reassigned from {previous} to you, "
                f"{reassign.agent.name}. Carry on from the conversation so far.\n\n{self._assignment()}",
            )
        )

    @workflow.update
    async def agent_call(self, call: AgentCall) -> AgentCallAnswer:
        """The agent, working outside the workers (a CLI tool, an HTTP agent), calls a tool
        through the API: handled as the model's tool call would be; answers what the tool says."""
        children = self.carry.child_counter
        reply = await self._act(ToolCall(id=f"api-{workflow.uuid4()}", name=call.tool, arguments=call.arguments))
        if reply.content.startswith("Error: "):
            raise ApplicationError(reply.content.removeprefix("Error: "), type="InvalidInput", non_retryable=True)
        started = self.carry.child_counter > children
        return AgentCallAnswer(
            answer=reply.content, subtask=f"{self.input.identifier}.{self.carry.child_counter}" if started else None
        )

    @agent_call.validator
    def _check_agent_call(self, call: AgentCall) -> None:
        if self.carry.status.is_terminal or self._result is not None or self._failure is not None:
            raise ApplicationError(f"task {self.input.identifier} is finished", type="Conflict", non_retryable=True)
        if self.carry.waiting_for is not None:
            raise ApplicationError(
                f"task {self.input.identifier} waits for the board's decision; it goes on once that is made",
                type="Conflict",
                non_retryable=True,
            )
        if call.agent is not None and call.agent != self.input.agent.name:
            raise ApplicationError(
                f"task {self.input.identifier} is {self.input.agent.name}'s now, not {call.agent}'s",
                type="Conflict",
                non_retryable=True,
            )

    @workflow.query
    def status(self) -> TaskStatus:
        return self.carry.status

    # ------------------------------------------------------------------ main loop

    @workflow.run
    async def run(self, input: TaskInput) -> TaskResult:
        if input.carry is None:
            if input.parent is not None:  # the company dispatched top-level tasks itself
                await self._emit("started", status=TaskStatus.RUNNING, record=self._record())
                if workflow.patched(ADMISSION):
                    # The company answers with `hold`: held if the company or the agent is paused.
                    await workflow.wait_condition(lambda: self.carry.admitted or self.carry.cancel is not None)
            self.carry.pending.append(Message(role="user", author=input.parent or "board", content=self._assignment()))
        while True:
            if self._should_continue_as_new():
                await self._drain_signal()
                # Last, with no await after it: a signal that came in during the drain has its
                # handler run before this run ends.
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self.input.model_copy(update={"carry": self.carry}))
            if self.carry.cancel is not None:
                return await self._cancelled(self.carry.cancel)
            if self._result is not None:  # completed through the API (`agent_call`) while held
                return await self._finish(TaskStatus.DONE, self._result)
            if self.carry.held or self.carry.handing_over:
                if self.carry.turn > self.carry.reported_turn and workflow.patched(USAGE_BEFORE_HOLD):
                    await self._emit("turn")
                await workflow.wait_condition(
                    lambda: (
                        not (self.carry.held or self.carry.handing_over)
                        or self.carry.cancel is not None
                        or self._result is not None
                    )
                )
                continue
            if self.carry.waiting_for is not None:
                await self._await_decision()
                continue
            if self.carry.status is TaskStatus.BLOCKED:
                await workflow.wait_condition(
                    lambda: (
                        not self.carry.open_children
                        or self.carry.comments_waiting > 0
                        or self.carry.cancel is not None
                        or self.carry.held
                        or self._should_continue_as_new()
                    )
                )
                if self.carry.open_children and not self.carry.comments_waiting:
                    continue  # cancelled, held, or history is long: continue-as-new while the children work
                if self.carry.cancel is not None or self.carry.held:
                    continue
                await self._set_status(TaskStatus.RUNNING)
            if self.carry.turn >= self.input.agent.max_turns:
                return await self._finish(
                    TaskStatus.FAILED, f"stopped after {self.input.agent.max_turns} turns without completing"
                )
            if not await self._reserve():
                continue  # held for budget (or cancelled): the loop waits
            try:
                reply = await self._turn()
            except ActivityError as err:
                if self.carry.cancel is not None:
                    continue
                if self._may_retry(err):
                    await self._wait_to_retry(err)
                    continue  # the same turn: reserved again, then another attempt
                cause = err.cause
                message = retries.reason(err) if self._own_retries else str(cause) if cause is not None else str(err)
                model_agent = self.input.agent.adapter is Adapter.MODEL  # a CLI tool has no fallback model
                if model_agent and self.carry.fallback < len(self.input.agent.fallback_models):
                    failed = self._model()
                    self.carry.fallback += 1
                    self.carry.attempt, self.carry.retry = 0, None
                    workflow.logger.warning(
                        "%s: %s/%s failed (%s); the turn runs again on %s/%s",
                        self.input.identifier,
                        failed.provider,
                        failed.model,
                        message,
                        self._model().provider,
                        self._model().model,
                    )
                    continue  # the same turn, on the next model (reserved again at its price)
                what = TURN_NAMES.get(self.input.agent.adapter, "CLI turn")
                if self._own_retries and self.carry.attempt > 1:
                    what += f" failed after {self.carry.attempt} attempts"
                else:
                    what += " failed"
                return await self._finish(TaskStatus.FAILED, f"{what}: {message}")
            if reply is None:
                continue  # cancelled during the call
            if self._failure is not None:
                return await self._finish(TaskStatus.FAILED, self._failure)
            if self._result is not None:
                return await self._finish(TaskStatus.DONE, self._result)
            if self.carry.open_children:
                await self._set_status(TaskStatus.BLOCKED)
            elif self.carry.waiting_for is not None or self.carry.handing_over:
                continue  # asked the board, or escalated (through the API): the loop waits
            elif not reply.tool_calls:
                return await self._finish(TaskStatus.DONE, reply.content)

    def _budgeted(self) -> bool:
        """Whether a cap covers this task's calls (then each is reserved first)."""
        if self.carry.budgeted is not None:
            return self.carry.budgeted
        return self.input.company_budgeted or self.input.agent.budget.is_capped

    def _session(self) -> SessionRef:
        """Whose conversation a turn belongs to (the store keys its messages and costs by it)."""
        return SessionRef(
            company_id=self.input.company_id,
            task=self.input.identifier,
            agent=self.input.agent.name,
            goal=self.input.goal,
        )

    def _model(self) -> ModelConfig:
        """The model the task runs on now: the agent's own, or a fallback after it failed."""
        if self.carry.fallback == 0:
            return self.input.agent.model
        return self.input.agent.fallback_models[self.carry.fallback - 1]

    def _turn_worst_case(self) -> WorstCase:
        """The most the next turn can cost. A model call's is its prompt and a full reply; a CLI
        tool's is its per-turn budget (none: 0, it is counted when it ends); an HTTP agent's turn
        is a POST, and its agent's calls are its own."""
        adapter = self.input.agent.adapter
        if adapter is Adapter.HTTP:
            return WorstCase()
        if adapter is not Adapter.MODEL:
            cli = self.input.agent.cli
            return WorstCase(usd=cli.turn_budget_usd or 0.0, input_tokens=cli.turn_budget_tokens or 0)
        prompt = self.carry.prompt_tokens + sum(bytes_of(m) for m in self.carry.pending)
        if self.carry.turn == 0:
            tools = tools_for(
                direct_reports(self.input.team, self.input.agent.name),
                manager=self.input.agent.reports_to,
                can_hire=self.input.agent.permissions.can_hire,
                strategy=self.input.require_strategy_approval,
            )
            prompt += len(system_prompt(self.input).encode()) + len(json.dumps([t.model_dump() for t in tools]))
        usd, tokens = worst_case(self._model(), prompt)
        return WorstCase(usd=usd, input_tokens=prompt, output_tokens=tokens - prompt)

    async def _reserve(self) -> bool:
        """Ask the company for the next call's worst case; False when it is refused (the task then
        holds until its scope resumes) or the task was cancelled meanwhile."""
        if not self._budgeted() or not workflow.patched(BUDGET_RESERVATION):
            return True
        seq = self.carry.turn + 1
        worst = self._turn_worst_case()
        self.carry.budget_decision = None
        await self._drain_signal()  # usage reports first: the request's usage must not go backwards
        self.carry.reported_turn = self.carry.turn
        await signal_company(
            self.input.company_id,
            "request_budget",
            BudgetRequest(
                identifier=self.input.identifier,
                seq=seq,
                agent=self.input.agent.name,
                usd=worst.usd,
                tokens=worst.tokens,
                used=self.carry.usage,
                used_usd=self.carry.cost_usd,
                unconfirmed=self.carry.unconfirmed,
            ),
        )
        await workflow.wait_condition(
            lambda: (
                (self.carry.budget_decision is not None and self.carry.budget_decision.seq == seq)
                or self.carry.cancel is not None
            )
        )
        decision = self.carry.budget_decision
        if decision is None or self.carry.cancel is not None:
            return False
        if not decision.granted:
            self.carry.held = True  # the company's hold(False) lets it go on
            return False
        return True

    async def _cancelled(self, cancel: CancelTask) -> TaskResult:
        """Cancel the subtasks, wait (bounded) for them to report, then end as cancelled."""
        handles = [
            workflow.get_external_workflow_handle(task_workflow_id(self.input.company_id, child))
            for child in self.carry.open_children
        ]
        await asyncio.gather(
            *(h.signal(TaskWorkflow.cancel, CancelTask(reason=cancel.reason, actor=cancel.actor)) for h in handles)
        )
        try:
            await workflow.wait_condition(lambda: not self.carry.open_children, timeout=SUBTREE_CANCEL_WAIT)
        except TimeoutError:
            workflow.logger.warning("subtasks %s did not confirm cancellation", list(self.carry.open_children))
        reason = f": {cancel.reason}" if cancel.reason else ""
        return await self._finish(TaskStatus.CANCELLED, f"cancelled by {cancel.actor}{reason}")

    def _should_continue_as_new(self) -> bool:
        limit = self.input.continue_as_new_after_turns
        if limit is not None and self._turns_this_run >= limit:
            return True
        return workflow.info().is_continue_as_new_suggested()

    def _begin_turn(self) -> list[Message]:
        """Count a turn and take the messages waiting for it (the turn's input)."""
        self.carry.turn += 1
        self._turns_this_run += 1
        sent, self.carry.pending = self.carry.pending, []
        self.carry.comments_waiting = 0
        return sent

    @staticmethod
    async def _stop(call: asyncio.Task[Any]) -> None:
        """Cancel a turn's activity and wait until it has stopped."""
        call.cancel()
        try:
            await call
        except (ActivityError, asyncio.CancelledError):
            pass

    def _undo_turn(self, sent: list[Message]) -> None:
        """The turn did not happen (it failed, or was held): its input waits for the next one."""
        self.carry.pending = sent + self.carry.pending
        self.carry.turn -= 1
        self._turns_this_run -= 1

    async def _turn(self) -> Message | None:
        """One model call, then act on its tool calls; the tool results become the next input.

        Returns None when a cancellation arrived during the call (the call is cancelled too).
        """
        agent = self.input.agent
        if agent.adapter is Adapter.HTTP:
            return await self._http_turn()
        if agent.adapter is not Adapter.MODEL:
            return await self._cli_turn()
        self._own_retries = own = workflow.patched(WORKFLOW_RETRIES)
        queue = await self._model_queue(self._model())
        worst = self._turn_worst_case() if own else None  # before the turn takes what is pending
        sent = self._begin_turn()
        if own:
            self.carry.attempt += 1
        call = workflow.start_activity(
            "model_turn",
            ModelTurnInput(
                session=self._session(),
                seq=self.carry.turn,
                model=self._model(),
                system_prompt=system_prompt(self.input),
                tools=tools_for(
                    direct_reports(self.input.team, agent.name),
                    manager=agent.reports_to,
                    can_hire=agent.permissions.can_hire,
                    strategy=self.input.require_strategy_approval,
                ),
                new_messages=sent,
                model_index=self.carry.fallback,
                attempt=max(1, self.carry.attempt),
                worst=worst,
                lost=list(self.carry.lost),
            ),
            result_type=ModelTurnResult,
            task_queue=queue,
            start_to_close_timeout=timedelta(seconds=self._model().turn_timeout_seconds),
            heartbeat_timeout=timedelta(seconds=self._model().heartbeat_timeout_seconds),
            # A provider that keeps failing should fail the turn, not retry for ever.
            retry_policy=(
                retries.ONE_ATTEMPT
                if own
                else RetryPolicy(maximum_attempts=MODEL_TURN_ATTEMPTS, maximum_interval=timedelta(minutes=1))
            ),
        )
        await workflow.wait_condition(lambda: call.done() or self.carry.cancel is not None)
        if not call.done():
            await self._stop(call)
            if worst is not None:  # stopped in flight: whether the provider answered is unknown
                retries.charge_lost(self.carry, self.carry.fallback, worst)
            return None
        try:
            result: ModelTurnResult = call.result()
        except ActivityError as err:
            # Nothing of a failed call is kept: its messages wait for the next attempt, same turn.
            self._undo_turn(sent)
            if worst is not None and retries.lost(err):
                retries.charge_lost(self.carry, self.carry.fallback, worst)
            raise
        retried = self._attempt_succeeded(result.settled)
        self.carry.prompt_tokens = result.usage.input_tokens + result.usage.output_tokens
        self.carry.usage = self.carry.usage + result.usage
        self.carry.cost_usd += result.cost_usd or 0.0
        if retried or workflow.now() - self._last_report >= USAGE_REPORT_INTERVAL:
            self._emit_nowait("turn")
        tool_results = [await self._act(call) for call in result.reply.tool_calls]
        # Tool results answer the reply, so they come before anything that arrived meanwhile.
        self.carry.pending = [r for r in tool_results if r is not None] + self.carry.pending
        return result.reply

    async def _cli_turn(self) -> Message | None:
        """One turn of a CLI agent: its tool runs the task in its workspace, resuming the task's
        session; its final message is the turn's reply (and, with no subtasks open, the result)."""
        cli = self.input.agent.cli
        self._own_retries = own = workflow.patched(WORKFLOW_RETRIES)
        worst = self._turn_worst_case() if own else None
        sent = self._begin_turn()
        if own:
            self.carry.attempt += 1
        session = self.carry.cli_session
        orphan, self._orphan = self._orphan, None
        call = workflow.start_activity(
            "cli_turn",
            CliTurnInput(
                session=self._session(),
                seq=self.carry.turn,
                adapter=self.input.agent.adapter,
                cli=cli,
                prompt=cli_prompt(self.input, sent, resuming=session is not None),
                resume=session,
                attempt=max(1, self.carry.attempt),
                worst=worst,
                lost=list(self.carry.lost),
                orphan=orphan,
            ),
            result_type=CliTurnResult,
            task_queue=cli_queue(workflow.info().task_queue),
            # The activity stops the tool at its own timeout; this one covers a lost worker.
            start_to_close_timeout=timedelta(seconds=cli.turn_timeout_seconds + cli.grace_seconds + 60),
            heartbeat_timeout=timedelta(seconds=cli.heartbeat_timeout_seconds),
            retry_policy=(
                retries.ONE_ATTEMPT
                if own
                else RetryPolicy(maximum_attempts=CLI_TURN_ATTEMPTS, maximum_interval=timedelta(minutes=1))
            ),
        )
        # A pause stops the tool too (a CLI turn can run for an hour): the turn runs again on
        # resume, resuming the session of the task's earlier turns.
        await workflow.wait_condition(lambda: call.done() or self.carry.cancel is not None or self.carry.held)
        if not call.done():
            await self._stop(call)  # the activity kills the tool's whole process group
            if worst is not None:  # stopped mid-run: what it spent is unknown
                retries.charge_lost(self.carry, 0, worst)
            if self.carry.cancel is None:  # held: the same turn, later
                self._undo_turn(sent)
            return None
        try:
            result: CliTurnResult = call.result()
        except ActivityError as err:
            self._undo_turn(sent)
            if own:
                details = retries.heartbeat_details(err)
                if details.get("session_id"):  # the retry resumes the session the attempt started
                    self.carry.cli_session = str(details["session_id"])
                if retries.lost(err) and worst is not None:
                    retries.charge_lost(self.carry, 0, worst)
                    self._orphan = {k: details[k] for k in ("pid", "host", "marker") if k in details} or None
            raise
        retried = self._attempt_succeeded(result.settled)
        self.carry.cli_session = result.session_id or session
        self.carry.usage = self.carry.usage + result.usage
        self.carry.cost_usd += result.cost_usd or 0.0
        if retried or workflow.now() - self._last_report >= USAGE_REPORT_INTERVAL:
            self._emit_nowait("turn")
        return result.reply

    def _attempt_succeeded(self, settled: list[SettledAttempt]) -> bool:
        """An attempt answered: what the ledger says of the lost ones before it is taken, and the
        turn's retry state ends. True when the task was retrying (the company is told at once)."""
        usage, usd = retries.settle(self.carry, settled)
        self.carry.usage = self.carry.usage + usage
        self.carry.cost_usd += usd
        self.carry.lost = []  # settled, or (if the activity said nothing of them) charged for good
        self.carry.attempt = 0
        retrying, self.carry.retry = self.carry.retry is not None, None
        return retrying

    def _may_retry(self, err: ActivityError) -> bool:
        """Whether the task tries its failed turn again itself (it owns retries since the patch)."""
        if not self._own_retries or not retries.retryable(err):
            return False
        return self.carry.attempt < self._attempt_limit()

    def _attempt_limit(self) -> int:
        return retries.MODEL_ATTEMPTS if self.input.agent.adapter is Adapter.MODEL else retries.CLI_ATTEMPTS

    async def _wait_to_retry(self, err: ActivityError) -> None:
        """Wait before the next attempt (the provider's `retry-after`, else a backoff), telling the
        company the task is retrying; a hold or a cancellation ends the wait early."""
        wait = max(retries.delay(err, self.carry.attempt), timedelta(seconds=1))
        model = self._model().model if self.input.agent.adapter is Adapter.MODEL else str(self.input.agent.adapter)
        self.carry.retry = RetryState(
            attempt=self.carry.attempt + 1,
            of=self._attempt_limit(),
            at=workflow.now() + wait,
            error=retries.reason(err)[:300],
            model=model,
        )
        workflow.logger.warning(
            "%s: attempt %s failed (%s); the next in %ss",
            self.input.identifier,
            self.carry.attempt,
            self.carry.retry.error,
            wait.total_seconds(),
        )
        await self._emit("retry")
        try:
            await workflow.wait_condition(lambda: self.carry.cancel is not None or self.carry.held, timeout=wait)
        except TimeoutError:
            pass

    async def _http_turn(self) -> Message | None:
        """One turn of an HTTP agent: the task is posted to it; once it took it (2xx), the task
        waits for its answer through the API (`agent_call`): complete, delegate, ask for
        approval or escalate. Fails when none comes within `reply_timeout_seconds`."""
        http = self.input.agent.http
        assert http is not None  # AgentSpec checks it
        sent = self._begin_turn()
        call = workflow.start_activity(
            "http_turn",
            HttpTurnInput(
                session=self._session(),
                seq=self.carry.turn,
                title=self.input.title,
                http=http,
                prompt=cli_prompt(self.input, sent, resuming=self.carry.turn > 1),
            ),
            result_type=HttpTurnResult,
            task_queue=cli_queue(workflow.info().task_queue),
            start_to_close_timeout=timedelta(seconds=http.timeout_seconds + 30),
            retry_policy=RetryPolicy(maximum_attempts=CLI_TURN_ATTEMPTS, maximum_interval=timedelta(minutes=1)),
        )
        await workflow.wait_condition(lambda: call.done() or self.carry.cancel is not None)
        if not call.done():
            await self._stop(call)
            return None
        try:
            result: HttpTurnResult = call.result()
        except ActivityError:
            self._undo_turn(sent)
            raise

        def answered() -> bool:
            return (
                self._result is not None
                or bool(self.carry.open_children)
                or self.carry.waiting_for is not None
                or self.carry.handing_over
                or self.carry.cancel is not None
            )

        try:
            await workflow.wait_condition(answered, timeout=timedelta(seconds=http.reply_timeout_seconds))
        except TimeoutError:
            waited = f"{http.reply_timeout_seconds:g}s"
            self._failure = f"the agent at {http.url} took the task but did not answer within {waited}"
        if self.carry.cancel is not None:
            return None
        return Message(role="assistant", content=result.answer, author=self.input.agent.name)

    async def _release_workspace(self, succeeded: bool) -> None:
        """A CLI agent's task has ended: its git worktree may go (a failure never holds the end up)."""
        try:
            await workflow.execute_activity(
                "cli_release_workspace",
                WorkspaceRelease(
                    company_id=self.input.company_id,
                    task=self.input.identifier,
                    agent=self.input.agent.name,
                    cli=self.input.agent.cli,
                    succeeded=succeeded,
                ),
                result_type=bool,
                task_queue=cli_queue(workflow.info().task_queue),
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=RetryPolicy(maximum_attempts=3),
            )
        except ActivityError as err:
            workflow.logger.warning("%s: its worktree stays: %s", self.input.identifier, err.cause or err)

    async def _model_queue(self, model: ModelConfig) -> str:
        """The queue a call on `model` goes to: its credential's own when that is rate-limited."""
        base = workflow.info().task_queue
        credential = model.credential_name
        if credential is None or not workflow.patched(CREDENTIAL_QUEUES):
            return llm_queue(base)
        if workflow.patched(TEAM_CREDENTIAL_QUEUES):
            if credential not in self._bucket_queues:
                self._bucket_queues[credential] = await workflow.execute_local_activity(
                    "model_queue",
                    ModelQueueInput(company_id=self.input.company_id, credential=credential),
                    start_to_close_timeout=timedelta(seconds=10),
                )
            return llm_queue(base, self._bucket_queues[credential])
        if credential not in self._own_queues:
            self._own_queues[credential] = await workflow.execute_local_activity(
                "credential_queue", credential, result_type=bool, start_to_close_timeout=timedelta(seconds=10)
            )
        return llm_queue(base, credential if self._own_queues[credential] else None)

    async def _act(self, call: ToolCall) -> Message:
        if call.name == COMPLETE_TASK:
            if self.carry.open_children:
                waiting = ", ".join(self.carry.open_children)
                return self._tool_reply(
                    call, f"Error: subtasks {waiting} are still open; you will be woken when they finish."
                )
            self._result = str(call.arguments.get("result", "")).strip() or "(no result given)"
            return self._tool_reply(call, "Task marked complete.")
        if call.name == DELEGATE_TASK:
            return self._tool_reply(call, await self._delegate(call.arguments))
        if call.name == ESCALATE:
            return self._tool_reply(call, await self._escalate(call.arguments))
        if call.name == REQUEST_APPROVAL:
            return self._tool_reply(call, await self._request_approval(call.arguments))
        if call.name == HIRE_AGENT and self.input.agent.permissions.can_hire:
            return self._tool_reply(call, await self._hire(call.arguments))
        return self._tool_reply(call, f"Error: unknown tool '{call.name}'.")

    async def _escalate(self, args: dict[str, Any]) -> str:
        """Ask the company to hand this task to the agent's manager; no turn until it has."""
        manager = self.input.agent.reports_to
        if manager is None:
            return "Error: you have no manager to escalate to."
        if self.carry.handing_over:
            return f"Already escalated to {manager}."
        reason = str(args.get("reason", "")).strip() or "(no reason given)"
        self.carry.handing_over = True
        escalation = Escalation(identifier=self.input.identifier, agent=self.input.agent.name, reason=reason)
        await signal_company(self.input.company_id, "task_escalated", escalation)
        return f"Escalated to {manager}: {reason}"

    # ------------------------------------------------------------------ approvals and hiring

    def _next_request(self) -> str:
        self.carry.request_counter += 1
        return f"{self.input.identifier}#{self.carry.request_counter}"

    async def _ask(self, request: ApprovalRequest) -> None:
        await signal_company(self.input.company_id, "approval_requested", request)

    async def _request_approval(self, args: dict[str, Any]) -> str:
        """Ask the board; no turn until the decision comes (see `_await_decision`)."""
        kind = str(args.get("kind", "board"))
        if kind not in (ApprovalKind.BOARD, ApprovalKind.STRATEGY):
            return "Error: kind is 'board' or 'strategy'."
        title = str(args.get("title", "")).strip()
        if not title:
            return "Error: request_approval needs a title."
        if self.carry.waiting_for is not None:
            return "Error: you already wait for a decision."
        request_id = self._next_request()
        await self._ask(
            ApprovalRequest(
                request_id=request_id,
                kind=ApprovalKind(kind),
                title=title[:300],
                details=str(args.get("details", "")),
                requested_by=self.input.agent.name,
                task=self.input.identifier,
            )
        )
        self.carry.waiting_for = request_id
        self.carry.waiting_since = workflow.now()
        self.carry.wait_escalated = False
        return "Sent to the board. You will get their decision before your next turn."

    async def _await_decision(self) -> None:
        """Hold, at no cost, until the board decides (escalating once past the company's timeout);
        the decision is the next turn's input."""
        request_id = self.carry.waiting_for
        assert request_id is not None and self.carry.waiting_since is not None
        if self.carry.status is not TaskStatus.BLOCKED:
            await self._set_status(TaskStatus.BLOCKED)

        def woken() -> bool:
            return self._decided(request_id) or self.carry.cancel is not None or self._should_continue_as_new()

        limit = self.input.approval_timeout_seconds
        if limit is not None and not self.carry.wait_escalated:
            left = self.carry.waiting_since + timedelta(seconds=limit) - workflow.now()
            try:
                await workflow.wait_condition(woken, timeout=max(left, timedelta(seconds=1)))
            except TimeoutError:
                self.carry.wait_escalated = True
                timed_out = ApprovalTimedOut(request_id=request_id)
                await signal_company(self.input.company_id, "approval_timed_out", timed_out)
                return
        else:
            await workflow.wait_condition(woken)
        if not self._decided(request_id):
            return  # cancelled, or continue-as-new first
        answer = self.carry.answers[request_id]
        self.carry.waiting_for = self.carry.waiting_since = None
        self.carry.announced.append(request_id)
        approval = answer.approval
        if (
            approval is not None
            and approval.kind is ApprovalKind.STRATEGY
            and approval.status is ApprovalStatus.APPROVED
        ):
            self.carry.strategy_approved = True
        self.carry.pending.append(Message(role="user", author="board", content=describe_answer(answer)))
        await self._set_status(TaskStatus.RUNNING)

    def _decided(self, request_id: str) -> bool:
        answer = self.carry.answers.get(request_id)
        if answer is None:
            return False
        return not answer.ok or (answer.approval is not None and answer.approval.status is not ApprovalStatus.PENDING)

    async def _hire(self, args: dict[str, Any]) -> str:
        """Hire from a template into this agent's team; the company may hold the hire for the board."""
        me = self.input.agent.name
        reports_to = str(args.get("reports_to") or me)
        team = {s.name for s in subtree(self.input.team, me)}
        if reports_to != me and reports_to not in team:
            return f"Error: '{reports_to}' is not you or in your team; the new agent must report to one of you."
        try:
            spec: AgentSpec = await workflow.execute_activity(
                "agent_from_template",
                AgentFromTemplateInput(
                    template=str(args.get("template", "")),
                    name=str(args.get("name", "")),
                    title=str(args.get("title", "")),
                    reports_to=reports_to,
                    fallback=self.input.agent.model,
                ),
                result_type=AgentSpec,
                start_to_close_timeout=timedelta(seconds=30),
            )
        except ActivityError as err:
            return f"Error: {err.cause.message if isinstance(err.cause, FailureError) else err}"
        request_id = self._next_request()
        await self._ask(
            ApprovalRequest(
                request_id=request_id,
                kind=ApprovalKind.HIRE_AGENT,
                title=f"hire {spec.name} ({spec.template}) reporting to {reports_to}",
                details=str(args.get("reason", "")),
                requested_by=me,
                task=self.input.identifier,
                agent=spec,
            )
        )
        await workflow.wait_condition(lambda: request_id in self.carry.answers or self.carry.cancel is not None)
        answer = self.carry.answers.get(request_id)
        if answer is None:
            return "Cancelled before the company answered."
        if not answer.ok:
            return f"Error: {answer.message}"
        self.input = self.input.model_copy(update={"team": [*self.input.team, spec]})
        if answer.approval is None:
            return f"Hired {spec.name} ({spec.role}); you can delegate to it now."
        return (
            f"Hired {spec.name} ({spec.role}), pending the board's approval ({answer.approval.id}): work you "
            "delegate to it waits until the board approves. You will hear the decision."
        )

    def _tool_reply(self, call: ToolCall, content: str) -> Message:
        return Message(role="tool", tool_call_id=call.id, content=content, author=call.name)

    async def _delegate(self, args: dict[str, Any]) -> str:
        """Start a subtask for someone in the team; its result arrives later by signal."""
        name = str(args.get("agent", ""))
        title = str(args.get("title", "")).strip()
        brief = str(args.get("brief", "")).strip()
        team = {s.name: s for s in subtree(self.input.team, self.input.agent.name)}
        if name not in team:
            return f"Error: cannot delegate to '{name}': not in your team ({', '.join(team) or 'nobody'})."
        if not title:
            return "Error: delegate_task needs a title."
        if self.input.depth + 1 > MAX_DELEGATION_DEPTH:
            return f"Error: delegation is limited to {MAX_DELEGATION_DEPTH} levels; do this yourself."
        if self.input.require_strategy_approval and not self.carry.strategy_approved:
            return (
                "Error: the board approves your plan for this task before any work is delegated: "
                "call request_approval with kind 'strategy' and your plan."
            )
        self.carry.child_counter += 1
        child = f"{self.input.identifier}.{self.carry.child_counter}"
        spec: AgentSpec = team[name]
        self.carry.open_children[child] = name
        await workflow.start_child_workflow(
            TaskWorkflow.run,
            TaskInput(
                company_id=self.input.company_id,
                company_name=self.input.company_name,
                mission=self.input.mission,
                identifier=child,
                title=title,
                brief=brief,
                priority=self.input.priority,
                agent=spec,
                team=subtree(self.input.team, name),
                parent=self.input.identifier,
                depth=self.input.depth + 1,
                goal=self.input.goal,
                goals=goal_chain(self.input.goals, self.input.goal),
                company_budgeted=self.input.company_budgeted or self.carry.budgeted is True,
                approval_timeout_seconds=self.input.approval_timeout_seconds,
                continue_as_new_after_turns=self.input.continue_as_new_after_turns,
                created_at=workflow.now(),
            ),
            id=task_workflow_id(self.input.company_id, child),
            parent_close_policy=ParentClosePolicy.ABANDON,
            search_attributes=(
                task_search_attributes(self.input.company_id, name, TaskStatus.RUNNING)
                if self._has_search_attributes
                else None
            ),
        )
        return f"Delegated {child} to {name}: {title}"

    def _assignment(self) -> str:
        lines = [f"Task {self.input.identifier}: {self.input.title}"]
        if self.input.brief:
            lines.append(self.input.brief)
        if self.input.goals:
            lines.append("Goals:")
            lines.extend(
                f"- {g.id} [{g.level}, {g.status}]{' (this task serves it)' if g.id == self.input.goal else ''}: "
                f"{g.title}" + (f" — {g.description}" if g.description else "")
                for g in self.input.goals
            )
        reports = direct_reports(self.input.team, self.input.agent.name)
        if reports:
            lines.append("Your team:")
            lines.extend(
                f"- {r.name} ({r.role}{', ' + r.title if r.title else ''})"
                + (f": {r.capabilities}" if r.capabilities else "")
                for r in reports
            )
        return "\n".join(lines)

    # ------------------------------------------------------------------ reporting

    def _record(self) -> TaskRecord:
        now = workflow.now()
        return TaskRecord(
            company_id=self.input.company_id,
            identifier=self.input.identifier,
            title=self.input.title,
            brief=self.input.brief,
            assignee=self.input.agent.name,
            parent=self.input.parent,
            priority=self.input.priority,
            goal=self.input.goal,
            status=self.carry.status,
            result=self._result,
            turns=self.carry.turn,
            usage=self.carry.usage,
            cost_usd=self.carry.cost_usd,
            unconfirmed=self.carry.unconfirmed,
            created_at=self.input.created_at or now,
            updated_at=now,
        )

    async def _set_status(self, status: TaskStatus) -> None:
        check_transition(self.carry.status, status)
        self.carry.status = status
        if self._has_search_attributes:
            workflow.upsert_search_attributes([SA_STATUS.value_set(status.value)])
        await self._emit("status", status=status)

    async def _finish(self, status: TaskStatus, result: str | None) -> TaskResult:
        check_transition(self.carry.status, status)
        self.carry.status = status
        self.carry.retry = None
        if self._has_search_attributes:
            workflow.upsert_search_attributes([SA_STATUS.value_set(status.value)])
        self._result = result
        if self.input.agent.adapter not in (Adapter.MODEL, Adapter.HTTP) and self.carry.turn > 0:
            await self._release_workspace(status is TaskStatus.DONE)
        # Signals are awaited before the task closes: the server drops a signal whose sender has
        # already completed.
        await self._emit("finished", status=status, record=self._record(), summary=result or "")
        if self.input.parent is not None:
            try:
                await workflow.get_external_workflow_handle(
                    task_workflow_id(self.input.company_id, self.input.parent)
                ).signal(
                    TaskWorkflow.child_finished,
                    ChildFinished(
                        identifier=self.input.identifier, assignee=self.input.agent.name, status=status, result=result
                    ),
                )
            except FailureError as err:  # the parent ended without waiting (a bounded cancel wait)
                workflow.logger.warning(
                    "could not tell %s that %s ended: %s", self.input.parent, self.input.identifier, err
                )
        return TaskResult(
            identifier=self.input.identifier,
            status=status,
            result=result,
            turns=self.carry.turn,
            usage=self.carry.usage,
            cost_usd=self.carry.cost_usd,
        )

    def _event(self, kind: str, **fields: Any) -> TaskEvent:
        """The next event to the company; every event carries the task's usage so far."""
        self.carry.event_seq += 1
        self.carry.reported_turn = self.carry.turn
        self._last_report = workflow.now()
        return TaskEvent(
            identifier=self.input.identifier,
            seq=self.carry.event_seq,
            kind=kind,
            usage=self.carry.usage,
            cost_usd=self.carry.cost_usd,
            turns=self.carry.turn,
            unconfirmed=self.carry.unconfirmed,
            retry=self.carry.retry,
            **fields,
        )

    async def _send(self, event: TaskEvent) -> None:
        await signal_company(self.input.company_id, "task_event", event)

    async def _drain_signal(self) -> None:
        if self._last_signal is not None:
            await self._last_signal
            self._last_signal = None

    def _emit_nowait(self, kind: str, **fields: Any) -> None:
        """Send an event to the company without waiting for it, but after the one before it.

        The company drops an event whose sequence it has passed, so order matters.
        """
        event = self._event(kind, **fields)
        previous = self._last_signal

        async def send() -> None:
            if previous is not None:
                await previous
            await self._send(event)

        self._last_signal = asyncio.ensure_future(send())

    async def _emit(self, kind: str, **fields: Any) -> None:
        self._emit_nowait(kind, **fields)
        await self._drain_signal()
