"""`TaskCore`: the state of one task and what every part of the task workflow does with it.

The task workflow (`workflows.task`) is its loop and its messages, the turns
(`workflows.task_turns`) and the tools' handlers (`workflows.task_tools`) act on a `TaskCore`:
its input and carried state, its events to the company, its status, its model and budget.
"""

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ActivityError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from paperclip.constants import (
        SA_AGENT,
        SA_COMPANY,
        SA_STATUS,
        TASK_WORKFLOW,
        Activity,
        CompanySignal,
        cli_queue,
        llm_queue,
        task_workflow_id,
    )
    from paperclip.mcp import mcp_tool_spec, offered_mcp_tools
    from paperclip.models import (
        Adapter,
        AgentSpec,
        ApprovalRequest,
        ApprovalStatus,
        Message,
        ModelConfig,
        ModelQueueInput,
        RetryState,
        SessionRef,
        SettledAttempt,
        TaskCarry,
        TaskEvent,
        TaskInput,
        TaskRecord,
        TaskStatus,
        ToolSpec,
        WorkspaceRelease,
        WorstCase,
        check_transition,
    )
    from paperclip.org import direct_reports
    from paperclip.pricing import worst_case
    from paperclip.prompts import bytes_of, standing_bytes
    from paperclip.tools import tools_for
    from workflows import retries
    from workflows.patches import CACHE_WRITE_WORST_CASE, CLI_HOST_AFFINITY, CREDENTIAL_QUEUES, TEAM_CREDENTIAL_QUEUES
    from workflows.signals import signal_company

USAGE_REPORT_INTERVAL = timedelta(seconds=2)
"""How often a working task tells the company its usage between status changes: a signal per
turn would cost a workflow task per turn on both sides."""


HOST_RELEASE_WAIT = timedelta(minutes=1)
"""How long a finished task waits for the worker host that holds its CLI agent's worktree to
remove it: a host gone for good keeps the task's end waiting no longer."""


ANNOUNCED_KEPT = 100
"""Requests whose decision the agent was told, remembered to drop a repeated answer (signals are
at-least-once; the company answers again only a request it gets again, soon after the first)."""


def carried(carry: TaskCarry) -> TaskCarry:
    """What the next run needs of `carry`: of the company's answers only the one the task waits
    for and those not yet decided (a decision is told to the agent by `approval_answer` without
    them), and the latest `ANNOUNCED_KEPT` requests told."""
    tool_requests = {s.request_id for s in carry.tools.steps}
    answers = {
        request: answer
        for request, answer in carry.answers.items()
        if request == carry.waiting_for
        or request == carry.review_request
        or request in tool_requests
        or (answer.ok and answer.approval is not None and answer.approval.status is ApprovalStatus.PENDING)
    }
    return carry.model_copy(update={"answers": answers, "announced": carry.announced[-ANNOUNCED_KEPT:]})


def task_search_attributes(company_id: str, agent: str, status: TaskStatus) -> TypedSearchAttributes:
    """Search attributes of a task workflow: ids and status only, never content."""
    return TypedSearchAttributes(
        [
            SearchAttributePair(SA_COMPANY, company_id),
            SearchAttributePair(SA_AGENT, agent),
            SearchAttributePair(SA_STATUS, status.value),
        ]
    )


async def start_subtask(task: "TaskCore", child: str, agent: AgentSpec, title: str, brief: str, **fields: Any) -> None:
    """Start `child`, a subtask of `task` for `agent` (a delegation, or a review), abandoned on the
    parent's close; it inherits the parent's company, priority, goal, budgeting and timeouts, and
    `fields` add what the kind of subtask needs (its team, goals, repository, what it reviews)."""
    input = task.input
    await workflow.start_child_workflow(
        TASK_WORKFLOW,
        TaskInput(
            company_id=input.company_id,
            company_name=input.company_name,
            mission=input.mission,
            identifier=child,
            title=title,
            brief=brief,
            priority=input.priority,
            agent=agent,
            parent=input.identifier,
            depth=input.depth + 1,
            goal=input.goal,
            company_budgeted=input.company_budgeted or task.carry.budgeted is True,
            approval_timeout_seconds=input.approval_timeout_seconds,
            continue_as_new_after_turns=input.continue_as_new_after_turns,
            created_at=workflow.now(),
            company_tool_policy=input.company_tool_policy,
            **fields,
        ),
        id=task_workflow_id(input.company_id, child),
        parent_close_policy=ParentClosePolicy.ABANDON,
        search_attributes=(
            task_search_attributes(input.company_id, agent.name, TaskStatus.RUNNING)
            if task.has_search_attributes
            else None
        ),
    )


class TaskCore:
    """One task's state, and the helpers its loop, turns and tools share.

    Args:
        input: the task as started (or as continued-as-new, with its `carry`).
    """

    def __init__(self, input: TaskInput) -> None:
        self.input = input
        self.carry = input.carry or TaskCarry()
        self.turns_this_run = 0
        self.last_signal: asyncio.Task[None] | None = None
        self.result: str | None = None
        """The task's result once it completed (by `complete_task`, or through the API)."""
        self.failure: str | None = None
        """Set when the turn failed the task without an activity error (an HTTP agent that
        never answered)."""
        self.last_report = workflow.now()
        self.has_search_attributes = workflow.info().typed_search_attributes.get(SA_COMPANY) is not None
        self.own_retries = False
        """Whether the last turn's attempt ran under the task's own retries (`WORKFLOW_RETRIES`)."""
        self.orphan: dict[str, Any] | None = None
        """A lost CLI attempt's last heartbeat: its tool is killed by the next attempt."""
        self.own_queues: dict[str, bool] = {}
        """Credential → whether its calls have a queue of their own, asked once a run (so a
        changed limit reaches a long task at its next continue-as-new)."""
        self.bucket_queues: dict[str, str | None] = {}
        """Credential → the bucket whose queue its calls go to (None: the shared one), likewise."""

    # ------------------------------------------------------------------ the agent and its model

    def is_budgeted(self) -> bool:
        """Whether a cap covers this task's calls (then each is reserved first)."""
        if self.carry.budgeted is not None:
            return self.carry.budgeted
        return self.input.company_budgeted or self.input.agent.budget.is_capped

    def session(self) -> SessionRef:
        """Whose conversation a turn belongs to (the store keys its messages and costs by it)."""
        return SessionRef(
            company_id=self.input.company_id,
            task=self.input.identifier,
            agent=self.input.agent.name,
            goal=self.input.goal,
        )

    def model(self) -> ModelConfig:
        """The model the task runs on now: the agent's own, or a fallback after it failed."""
        if self.carry.fallback == 0:
            return self.input.agent.model
        return self.input.agent.fallback_models[self.carry.fallback - 1]

    def tools(self) -> list[ToolSpec]:
        """The tools the agent is offered this turn (its registry tools after the standard ones,
        then its MCP servers' tools as the task last listed them)."""
        agent = self.input.agent
        return tools_for(
            direct_reports(self.input.team, agent.name),
            manager=agent.reports_to,
            can_hire=agent.permissions.can_hire,
            strategy=self.input.require_strategy_approval,
            extra=agent.tools,
            mcp=[mcp_tool_spec(t) for t in offered_mcp_tools(agent.tools, self.carry.tools.mcp)],
            reviewing=self.input.reviewing,
        )

    def turn_worst_case(self) -> WorstCase:
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
            prompt += standing_bytes(self.input, self.tools())
        usd, tokens = worst_case(self.model(), prompt, cache_writes=workflow.patched(CACHE_WRITE_WORST_CASE))
        return WorstCase(usd=usd, input_tokens=prompt, output_tokens=tokens - prompt)

    async def model_queue(self, model: ModelConfig) -> str:
        """The queue a call on `model` goes to: its credential's own when that is rate-limited."""
        base = workflow.info().task_queue
        credential = model.credential_name
        if credential is None or not workflow.patched(CREDENTIAL_QUEUES):
            return llm_queue(base)
        if workflow.patched(TEAM_CREDENTIAL_QUEUES):
            if credential not in self.bucket_queues:
                self.bucket_queues[credential] = await workflow.execute_local_activity(
                    Activity.MODEL_QUEUE,
                    ModelQueueInput(company_id=self.input.company_id, credential=credential),
                    start_to_close_timeout=timedelta(seconds=10),
                )
            return llm_queue(base, self.bucket_queues[credential])
        if credential not in self.own_queues:
            self.own_queues[credential] = await workflow.execute_local_activity(
                Activity.CREDENTIAL_QUEUE, credential, result_type=bool, start_to_close_timeout=timedelta(seconds=10)
            )
        return llm_queue(base, credential if self.own_queues[credential] else None)

    def should_continue_as_new(self) -> bool:
        limit = self.input.continue_as_new_after_turns
        if limit is not None and self.turns_this_run >= limit:
            return True
        return workflow.info().is_continue_as_new_suggested()

    # ------------------------------------------------------------------ turns and their attempts

    def begin_turn(self) -> list[Message]:
        """Count a turn and take the messages waiting for it (the turn's input)."""
        self.carry.turn += 1
        self.turns_this_run += 1
        sent, self.carry.pending = self.carry.pending, []
        self.carry.comments_waiting = 0
        return sent

    def undo_turn(self, sent: list[Message]) -> None:
        """The turn did not happen (it failed, or was held): its input waits for the next one."""
        self.carry.pending = sent + self.carry.pending
        self.carry.turn -= 1
        self.turns_this_run -= 1

    def attempt_succeeded(self, settled: list[SettledAttempt]) -> bool:
        """An attempt answered: what the ledger says of the lost ones before it is taken, and the
        turn's retry state ends. True when the task was retrying (the company is told at once)."""
        usage, usd = retries.settle(self.carry, settled)
        self.carry.usage = self.carry.usage + usage
        self.carry.cost_usd += usd
        self.carry.lost = []  # settled, or (if the activity said nothing of them) charged for good
        self.carry.attempt = 0
        retrying, self.carry.retry = self.carry.retry is not None, None
        return retrying

    def report_turn(self, retried: bool) -> None:
        """Tell the company what the turn spent: at once after a retry, else at most every
        `USAGE_REPORT_INTERVAL`."""
        if retried or workflow.now() - self.last_report >= USAGE_REPORT_INTERVAL:
            self.emit_nowait("turn")

    def may_retry(self, err: ActivityError) -> bool:
        """Whether the task tries its failed turn again itself (it owns retries since the patch)."""
        if not self.own_retries or not retries.retryable(err):
            return False
        return self.carry.attempt < self.attempt_limit()

    def attempt_limit(self) -> int:
        return retries.MODEL_ATTEMPTS if self.input.agent.adapter is Adapter.MODEL else retries.CLI_ATTEMPTS

    async def wait_to_retry(self, err: ActivityError) -> None:
        """Wait before the next attempt (the provider's `retry-after`, else a backoff), telling the
        company the task is retrying; a hold or a cancellation ends the wait early."""
        wait = max(retries.delay(err, self.carry.attempt), timedelta(seconds=1))
        adapter = self.input.agent.adapter
        model = self.model().model if adapter is Adapter.MODEL else adapter.label
        since = self.carry.retry.since if self.carry.retry is not None else None
        self.carry.retry = RetryState(
            attempt=self.carry.attempt + 1,
            of=self.attempt_limit(),
            at=workflow.now() + wait,
            error=retries.reason(err)[:300],
            model=model,
            since=since or workflow.now(),
        )
        workflow.logger.warning(
            "%s: attempt %s failed (%s); the next in %ss",
            self.input.identifier,
            self.carry.attempt,
            self.carry.retry.error,
            wait.total_seconds(),
        )
        await self.emit("retry")
        try:
            await workflow.wait_condition(lambda: self.carry.cancel is not None or self.carry.held, timeout=wait)
        except TimeoutError:
            pass

    async def release_workspace(self, succeeded: bool) -> None:
        """A CLI agent's task has ended: its git worktree may go (a failure never holds the end up),
        on the host that holds it when the task knows which (`CLI_HOST_AFFINITY`)."""
        host = self.carry.cli_host_queue
        if host is not None and not workflow.patched(CLI_HOST_AFFINITY):
            host = None
        try:
            await workflow.execute_activity(
                Activity.CLI_RELEASE_WORKSPACE,
                WorkspaceRelease(
                    company_id=self.input.company_id,
                    task=self.input.identifier,
                    agent=self.input.agent.name,
                    cli=self.input.agent.cli,
                    succeeded=succeeded,
                ),
                result_type=bool,
                task_queue=host or cli_queue(workflow.info().task_queue),
                # A host that is gone has nothing to release: the task ends without waiting for it.
                schedule_to_start_timeout=HOST_RELEASE_WAIT if host else None,
                start_to_close_timeout=timedelta(minutes=2),
                retry_policy=RetryPolicy(maximum_attempts=3),
            )
        except ActivityError as err:
            workflow.logger.warning("%s: its worktree stays: %s", self.input.identifier, err.cause or err)

    # ------------------------------------------------------------------ approvals

    def next_request(self) -> str:
        self.carry.request_counter += 1
        return f"{self.input.identifier}#{self.carry.request_counter}"

    async def ask(self, request: ApprovalRequest) -> None:
        await signal_company(self.input.company_id, CompanySignal.APPROVAL_REQUESTED, request)

    def decided(self, request_id: str) -> bool:
        answer = self.carry.answers.get(request_id)
        if answer is None:
            return False
        return not answer.ok or (answer.approval is not None and answer.approval.status is not ApprovalStatus.PENDING)

    # ------------------------------------------------------------------ reporting

    def record(self) -> TaskRecord:
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
            result=self.result,
            turns=self.carry.turn,
            usage=self.carry.usage,
            cost_usd=self.carry.cost_usd,
            unconfirmed=self.carry.unconfirmed,
            created_at=self.input.created_at or now,
            updated_at=now,
        )

    def change_status(self, status: TaskStatus) -> None:
        """Take `status` (checked against the transitions allowed), also in the search attributes."""
        check_transition(self.carry.status, status)
        self.carry.status = status
        if self.has_search_attributes:
            workflow.upsert_search_attributes([SA_STATUS.value_set(status.value)])

    async def set_status(self, status: TaskStatus) -> None:
        """Take `status` and tell the company."""
        self.change_status(status)
        await self.emit("status", status=status)

    def event(self, kind: str, **fields: Any) -> TaskEvent:
        """The next event to the company; every event carries the task's usage so far."""
        self.carry.event_seq += 1
        self.carry.reported_turn = self.carry.turn
        self.last_report = workflow.now()
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

    async def send(self, event: TaskEvent) -> None:
        await signal_company(self.input.company_id, CompanySignal.TASK_EVENT, event)

    async def drain_signal(self) -> None:
        if self.last_signal is not None:
            await self.last_signal
            self.last_signal = None

    def emit_nowait(self, kind: str, **fields: Any) -> None:
        """Send an event to the company without waiting for it, but after the one before it.

        The company drops an event whose sequence it has passed, so order matters.
        """
        event = self.event(kind, **fields)
        previous = self.last_signal

        async def send() -> None:
            if previous is not None:
                await previous
            await self.send(event)

        self.last_signal = asyncio.ensure_future(send())

    async def emit(self, kind: str, **fields: Any) -> None:
        self.emit_nowait(kind, **fields)
        await self.drain_signal()
