"""`TaskWorkflow`: one agent working one task, one turn at a time.

Each turn sends only the *new* messages to the model activity (earlier ones live in the
store), so history grows linearly with the conversation. Delegation starts subtasks as child
workflows (`ACME-12.3`) that report back by signal, so a parent that continues-as-new neither
kills nor loses them.

The task's state and shared helpers are `workflows.task_core`; a turn, whatever the agent, is
`workflows.task_turns.run_turn`; the tools it calls are handled by `workflows.task_tools`.
"""

import asyncio
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError, ApplicationError, FailureError

with workflow.unsafe.imports_passed_through():
    from paperclip import prompts
    from paperclip.constants import TASK_WORKFLOW, CompanySignal, TaskSignal, task_workflow_id
    from paperclip.models import (
        Adapter,
        AgentCall,
        AgentCallAnswer,
        ApprovalAnswer,
        ApprovalStatus,
        BudgetDecision,
        BudgetRequest,
        CancelTask,
        ChildFinished,
        Comment,
        Hold,
        Message,
        Reassign,
        TaskInput,
        TaskResult,
        TaskStatus,
        ToolCall,
        WorstCase,
    )
    from paperclip.tools.review_verdict import REVIEW_VERDICT
    from workflows import retries
    from workflows.patches import ADMISSION, BUDGET_RESERVATION, OWN_COMMENTS, USAGE_BEFORE_HOLD
    from workflows.signals import signal_company
    from workflows.task_acting import await_tool_decisions, is_tool_request, reminds, runaway, waiting
    from workflows.task_agent import AgentChangesPart
    from workflows.task_compaction import compact
    from workflows.task_core import carried, task_search_attributes
    from workflows.task_review import await_review, submit
    from workflows.task_schema import refused_result
    from workflows.task_sessions import handed_over
    from workflows.task_tools import act, await_decision
    from workflows.task_turns import run_turn

__all__ = ["TaskWorkflow", "task_search_attributes"]

TURN_NAMES = {Adapter.MODEL: "model call", Adapter.HTTP: "HTTP turn"}
"""What a failed turn is called in the task's result; any other adapter's is a "CLI turn"."""
SUBTREE_CANCEL_WAIT = timedelta(minutes=10)
"""How long a cancelled task waits for its subtasks to confirm before it ends anyway."""
SEEN_COMMENTS = 100
"""Comment ids remembered to drop repeats (signals are at-least-once)."""


@workflow.defn(name=TASK_WORKFLOW)
class TaskWorkflow(AgentChangesPart):
    @workflow.init
    def __init__(self, input: TaskInput) -> None:
        super().__init__(input)

    # ------------------------------------------------------------------ messages

    @workflow.signal(name=TaskSignal.CHILD_FINISHED)
    def child_finished(self, msg: ChildFinished) -> None:
        """A subtask ended: its result (a summary, not a transcript) is the next turn's input; a
        review task's end is its verdict (`workflows.task_review`)."""
        if msg.identifier == self.carry.review_request:
            self.carry.open_children.pop(msg.identifier, None)
            self.carry.review_finished = msg
            return
        if self.carry.open_children.pop(msg.identifier, None) is None:
            return  # a repeat, or not ours: signals are at-least-once
        self.carry.pending.append(Message(role="user", author=msg.identifier, content=prompts.child_finished(msg)))

    @workflow.signal(name=TaskSignal.COMMENT)
    def comment(self, comment: Comment) -> None:
        """A person or an agent commented: the comment is the next turn's input, and wakes a
        blocked task."""
        if comment.id in self.carry.seen_comments:
            return
        if comment.author == self.input.agent.name and workflow.patched(OWN_COMMENTS):
            return  # the agent's own note, through the API: on record, but not its next input
        self.carry.seen_comments = [*self.carry.seen_comments[-(SEEN_COMMENTS - 1) :], comment.id]
        self.carry.pending.append(Message(role="user", author=comment.author, content=prompts.comment(comment)))
        if self.input.agent.heartbeat.wake_on_comment:
            self.carry.comments_waiting += 1
        else:
            self.carry.quiet_comments += 1

    @workflow.signal(name=TaskSignal.WAKE)
    def wake(self, reason: str) -> None:
        """The agent's heartbeat: comments that did not wake the task do now."""
        self.carry.comments_waiting += self.carry.quiet_comments
        self.carry.quiet_comments = 0

    @workflow.signal(name=TaskSignal.APPROVAL_ANSWER)
    def approval_answer(self, answer: ApprovalAnswer) -> None:
        """The company's answer to a request of this task: its approval's id, or the decision."""
        self.carry.answers[answer.request_id] = answer
        if is_tool_request(self, answer.request_id):
            return  # a call of the last turn waits for it (`await_tool_decisions`)
        decided = answer.approval is not None and answer.approval.status is not ApprovalStatus.PENDING
        if decided and answer.request_id != self.carry.waiting_for and answer.request_id in self.carry.announced:
            return
        if decided and answer.request_id != self.carry.waiting_for:
            # A decision the task did not stop for (a hire): it is the next turn's input.
            self.carry.announced.append(answer.request_id)
            self.carry.pending.append(Message(role="user", author="board", content=prompts.describe_answer(answer)))
            self.carry.comments_waiting += 1

    @workflow.signal(name=TaskSignal.BUDGETED)
    def budgeted(self, budgeted: bool) -> None:
        """A cap now covers this task (or no longer does): reserve each call from the next one on."""
        self.carry.budgeted = budgeted

    @workflow.signal(name=TaskSignal.BUDGET_DECISION)
    def budget_decision(self, decision: BudgetDecision) -> None:
        """The company's answer to a budget request: go ahead, or hold (the budget is spent)."""
        self.carry.budget_decision = decision

    @workflow.signal(name=TaskSignal.HOLD)
    def hold(self, hold: Hold) -> None:
        """Hold before the next turn (the agent or the company is paused), or go on; the first one
        a delegated task gets is its admission."""
        self.carry.held = hold.held
        self.carry.admitted = True

    @workflow.signal(name=TaskSignal.CANCEL)
    def cancel(self, cancel: CancelTask) -> None:
        """Stop: an in-flight model call is cancelled, and so are the subtasks."""
        if self.carry.cancel is None:
            self.carry.cancel = cancel

    @workflow.signal(name=TaskSignal.REASSIGN)
    def reassign(self, reassign: Reassign) -> None:
        """From the next turn on another agent works on this task, with the conversation so far."""
        previous = self.input.agent.name
        handed_over(self.carry, self.input.agent)  # its CLI session stays its own tool's
        self.input = self.input.model_copy(update={"agent": reassign.agent, "team": reassign.team})
        self.carry.handing_over = False
        self.carry.pending.append(
            Message(role="user", author="board", content=prompts.reassigned(self.input, previous))
        )

    @workflow.update
    async def agent_call(self, call: AgentCall) -> AgentCallAnswer:
        """The agent, working outside the workers (a CLI tool, an HTTP agent), calls a tool
        through the API: handled as the model's tool call would be; answers what the tool says."""
        children = self.carry.child_counter
        reply = await act(self, ToolCall(id=f"api-{workflow.uuid4()}", name=call.tool, arguments=call.arguments))
        if reply.content.startswith(prompts.ERROR):
            raise ApplicationError(reply.content.removeprefix(prompts.ERROR), type="InvalidInput", non_retryable=True)
        started = self.carry.child_counter > children
        return AgentCallAnswer(
            answer=reply.content, subtask=f"{self.input.identifier}.{self.carry.child_counter}" if started else None
        )

    @agent_call.validator
    def _check_agent_call(self, call: AgentCall) -> None:
        if self.carry.status.is_terminal or self.result is not None or self.failure is not None:
            raise ApplicationError(f"task {self.input.identifier} is finished", type="Conflict", non_retryable=True)
        if self.carry.status is TaskStatus.IN_REVIEW:
            raise ApplicationError(
                f"task {self.input.identifier} is in review; it goes on if its reviewer sends it back",
                type="Conflict",
                non_retryable=True,
            )
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
                await self.emit("started", status=TaskStatus.RUNNING, record=self.record())
                if workflow.patched(ADMISSION):
                    # The company answers with `hold`: held if the company or the agent is paused.
                    await workflow.wait_condition(lambda: self.carry.admitted or self.carry.cancel is not None)
            self.carry.pending.append(
                Message(role="user", author=input.parent or "board", content=prompts.assignment(self.input))
            )
        while True:
            if self.should_continue_as_new():
                await self.drain_signal()
                # Last, with no await after it: a signal that came in during the drain has its
                # handler run before this run ends.
                await workflow.wait_condition(workflow.all_handlers_finished)
                workflow.continue_as_new(self.input.model_copy(update={"carry": carried(self.carry)}))
            if self.carry.cancel is not None:
                return await self._cancelled(self.carry.cancel)
            if self.result is not None:  # completed through the API (`agent_call`) while held
                if await submit(self):
                    continue  # in review
                return await self._finish(TaskStatus.DONE, self.result)
            if self.carry.status is TaskStatus.IN_REVIEW:
                if (ended := await await_review(self)) is not None:
                    return await self._finish(*ended)
                continue  # sent back (its notes are the next input), cancelled, or continue-as-new
            if self.carry.held or self.carry.handing_over:
                if self.carry.turn > self.carry.reported_turn and workflow.patched(USAGE_BEFORE_HOLD):
                    await self.emit("turn")
                await workflow.wait_condition(
                    lambda: (
                        not (self.carry.held or self.carry.handing_over)
                        or self.carry.cancel is not None
                        or self.result is not None
                    )
                )
                continue
            if self.carry.waiting_for is not None:
                await await_decision(self)
                continue
            if self.carry.tools.steps:
                await await_tool_decisions(self)
                continue
            if self.carry.status is TaskStatus.BLOCKED:
                await workflow.wait_condition(
                    lambda: (
                        not self.carry.open_children
                        or self.carry.comments_waiting > 0
                        or self.carry.cancel is not None
                        or self.carry.held
                        or self.should_continue_as_new()
                    )
                )
                if self.carry.open_children and not self.carry.comments_waiting:
                    continue  # cancelled, held, or history is long: continue-as-new while the children work
                if self.carry.cancel is not None or self.carry.held:
                    continue
                await self.set_status(TaskStatus.RUNNING)
            if self.carry.turn >= self.input.agent.max_turns:
                return await self._finish(
                    TaskStatus.FAILED, f"stopped after {self.input.agent.max_turns} turns without completing"
                )
            if await compact(self, self._reserve):
                continue  # compacted (or held for its budget): the loop looks again
            if not await self._reserve():
                continue  # held for budget (or cancelled): the loop waits
            try:
                reply = await run_turn(self)
            except ActivityError as err:
                if self.carry.cancel is not None:
                    continue
                if self.may_retry(err):
                    await self.wait_to_retry(err)
                    continue  # the same turn: reserved again, then another attempt
                if self._fall_back(err):
                    continue  # the same turn, on the next model (reserved again at its price)
                return await self._finish(TaskStatus.FAILED, self._turn_failure(err))
            if reply is None:
                continue  # cancelled during the call
            if self.failure is not None:
                return await self._finish(TaskStatus.FAILED, self.failure)
            if self.result is not None:
                if await submit(self):
                    continue
                return await self._finish(TaskStatus.DONE, self.result)
            if (stopped := runaway(self, reply)) is not None:
                return await self._finish(TaskStatus.FAILED, stopped)
            if self.carry.open_children and not waiting(self):
                await self.set_status(TaskStatus.BLOCKED)
            elif self.carry.waiting_for is not None or self.carry.handing_over or waiting(self):
                continue  # asked the board (or a person about a tool call), or escalated: the loop waits
            elif not reply.tool_calls:
                if not reminds(self):
                    if (sent_back := refused_result(self, reply.content)) is None:
                        if self.input.reviewing is not None:  # a review task ends with its verdict
                            sent_back = prompts.error(f"give your verdict with {REVIEW_VERDICT}.")
                        else:
                            self.result = reply.content
                            if await submit(self):
                                continue
                            return await self._finish(TaskStatus.DONE, reply.content)
                    self.carry.pending.append(Message(role="user", author="system", content=sent_back))
                if self.failure is not None:  # reminded too often, or its result never fit its schema
                    return await self._finish(TaskStatus.FAILED, self.failure)

    def _failure_reason(self, err: ActivityError) -> str:
        cause = err.cause
        return retries.reason(err) if self.own_retries else str(cause) if cause is not None else str(err)

    def _fall_back(self, err: ActivityError) -> bool:
        """Move a failed model turn to the agent's next fallback model; False when there is none
        (a CLI tool has no fallback model)."""
        if self.input.agent.adapter is not Adapter.MODEL or self.carry.fallback >= len(
            self.input.agent.fallback_models
        ):
            return False
        failed = self.model()
        self.carry.fallback += 1
        self.carry.attempt, self.carry.retry = 0, None
        workflow.logger.warning(
            "%s: %s/%s failed (%s); the turn runs again on %s/%s",
            self.input.identifier,
            failed.provider,
            failed.model,
            self._failure_reason(err),
            self.model().provider,
            self.model().model,
        )
        return True

    def _turn_failure(self, err: ActivityError) -> str:
        """The result of a task whose turn failed for good."""
        what = TURN_NAMES.get(self.input.agent.adapter, "CLI turn")
        if self.own_retries and self.carry.attempt > 1:
            what += f" failed after {self.carry.attempt} attempts"
        else:
            what += " failed"
        return f"{what}: {self._failure_reason(err)}"

    async def _reserve(self, worst: WorstCase | None = None) -> bool:
        """Ask the company for the next call's worst case (`worst`, else the next turn's); False
        when it is refused (the task then holds until its scope resumes) or the task was
        cancelled meanwhile."""
        if not self.is_budgeted() or not workflow.patched(BUDGET_RESERVATION):
            return True
        seq = self.carry.turn + 1
        worst = worst or self.turn_worst_case()
        self.carry.budget_decision = None
        await self.drain_signal()  # usage reports first: the request's usage must not go backwards
        self.carry.reported_turn = self.carry.turn
        await signal_company(
            self.input.company_id,
            CompanySignal.REQUEST_BUDGET,
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
            *(h.signal(TaskSignal.CANCEL, CancelTask(reason=cancel.reason, actor=cancel.actor)) for h in handles)
        )
        try:
            await workflow.wait_condition(lambda: not self.carry.open_children, timeout=SUBTREE_CANCEL_WAIT)
        except TimeoutError:
            workflow.logger.warning("subtasks %s did not confirm cancellation", list(self.carry.open_children))
        reason = f": {cancel.reason}" if cancel.reason else ""
        return await self._finish(TaskStatus.CANCELLED, f"cancelled by {cancel.actor}{reason}")

    async def _finish(self, status: TaskStatus, result: str | None) -> TaskResult:
        self.change_status(status)
        self.carry.retry = None
        self.result = result
        if self.input.agent.adapter not in (Adapter.MODEL, Adapter.HTTP) and self.carry.turn > 0:
            await self.release_workspace(status is TaskStatus.DONE)
        # Signals are awaited before the task closes: the server drops a signal whose sender has
        # already completed.
        await self.emit("finished", status=status, record=self.record(), summary=result or "")
        if self.input.parent is not None:
            finished = ChildFinished(
                identifier=self.input.identifier,
                assignee=self.input.agent.name,
                status=status,
                result=result,
                verdict=self.carry.verdict_given,
            )
            try:
                await workflow.get_external_workflow_handle(
                    task_workflow_id(self.input.company_id, self.input.parent)
                ).signal(TaskSignal.CHILD_FINISHED, finished)
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
