"""One turn of a task's agent, whatever the agent is: a model call, a CLI tool's run or an HTTP
agent's round trip all go through `run_turn`'s one skeleton.

The skeleton takes the turn's input, starts its activity, waits for it or for what interrupts
it (a cancellation; for a CLI tool, a hold too), and on failure puts the input back for the next
attempt and charges an attempt lost with its worker at its worst case. What differs per agent —
the activity and its input, what interrupts it, what its answer means — is a `Turn`.
"""

import asyncio
from datetime import timedelta
from typing import Any

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from paperclip.cli_rules import permissions_for
    from paperclip.constants import Activity, cli_queue
    from paperclip.models import (
        Adapter,
        CliTurnInput,
        CliTurnResult,
        HttpTurnInput,
        HttpTurnResult,
        Message,
        ModelTurnInput,
        ModelTurnResult,
        Usage,
        WorstCase,
    )
    from paperclip.prompts import cli_prompt, system_prompt
    from workflows import retries
    from workflows.cli_asks import ask_refused, turn_grants, turn_rules, turn_taken
    from workflows.patches import HTTP_TURN_RETRIES, WORKFLOW_RETRIES
    from workflows.task_acting import acts, store_standing, take_calls
    from workflows.task_core import TaskCore
    from workflows.task_sessions import HOST_WAIT, host_gone, host_queue, keep, owner, resumable
    from workflows.task_tools import act

MODEL_TURN_ATTEMPTS = 10
"""Attempts of one model call Temporal made before the task workflow owned retries."""
CLI_TURN_ATTEMPTS = 3
"""Attempts of one CLI-agent turn Temporal made before the task workflow owned retries."""


class Turn:
    """One kind of turn: the parts of the skeleton that differ per agent (the defaults here)."""

    charges_lost = True
    """Whether an attempt lost with its worker is charged at its worst case (a turn that spends)."""

    def __init__(self, task: TaskCore) -> None:
        self.task = task

    def owns_retries(self) -> bool:
        """Whether the task retries this turn itself (each attempt one activity, reserved first)."""
        self.task.own_retries = own = workflow.patched(WORKFLOW_RETRIES)
        return own

    def model_index(self) -> int:
        """Which of the agent's models a lost attempt was on (the ledger keys attempts by it)."""
        return 0

    async def prepare(self) -> None:
        """Anything to ask before the turn takes its input."""

    def start(self, sent: list[Message], worst: WorstCase | None) -> asyncio.Task[Any]:
        """Start the turn's activity on `sent`; `worst` is the attempt's worst case when the task
        owns retries (the activity then runs once), else None (Temporal retries it)."""
        raise NotImplementedError

    def interrupted(self) -> bool:
        """What stops the activity before it answers."""
        return self.task.carry.cancel is not None

    def failed(self, err: ActivityError, own: bool) -> None:
        """The attempt failed (its input is pending again): anything to keep for the next."""

    async def answered(self, result: Any) -> Message | None:
        """What the turn's answer means: its reply (None: cancelled meanwhile)."""
        raise NotImplementedError


class ModelTurn(Turn):
    """A model call; the tools it calls are acted on, and their results are the next input."""

    queue = ""
    standing: str | None = None
    """The hash its system prompt and tools go by (stored once), or None: they travel in the input."""

    def model_index(self) -> int:
        return self.task.carry.fallback

    async def prepare(self) -> None:
        self.queue = await self.task.model_queue(self.task.model())
        self.standing = await store_standing(self.task)

    def start(self, sent: list[Message], worst: WorstCase | None) -> asyncio.Task[Any]:
        task, model = self.task, self.task.model()
        return workflow.start_activity(
            Activity.MODEL_TURN,
            ModelTurnInput(
                session=task.session(),
                seq=task.carry.turn,
                model=model,
                system_prompt="" if self.standing else system_prompt(task.input),
                tools=[] if self.standing else task.tools(),
                standing=self.standing,
                new_messages=sent,
                model_index=task.carry.fallback,
                attempt=max(1, task.carry.attempt),
                worst=worst,
                lost=list(task.carry.lost),
            ),
            result_type=ModelTurnResult,
            task_queue=self.queue,
            start_to_close_timeout=timedelta(seconds=model.turn_timeout_seconds),
            heartbeat_timeout=timedelta(seconds=model.heartbeat_timeout_seconds),
            # A provider that keeps failing should fail the turn, not retry for ever.
            retry_policy=(
                retries.ONE_ATTEMPT
                if worst is not None
                else RetryPolicy(maximum_attempts=MODEL_TURN_ATTEMPTS, maximum_interval=timedelta(minutes=1))
            ),
        )

    async def answered(self, result: Any) -> Message | None:
        """The reply, once its tool calls are acted on: their results are the next turn's input."""
        assert isinstance(result, ModelTurnResult)
        task = self.task
        retried = task.attempt_succeeded(result.settled)
        task.carry.prompt_tokens = result.usage.input_tokens + result.usage.output_tokens
        task.carry.usage = task.carry.usage + result.usage
        task.carry.cost_usd += result.cost_usd or 0.0
        task.report_turn(retried)
        if acts(task):  # registry tools: decided, asked about, run (`workflows.task_acting`)
            await take_calls(task, result.reply)
            return result.reply
        tool_results = [await act(task, call) for call in result.reply.tool_calls]
        # Tool results answer the reply, so they come before anything that arrived meanwhile.
        task.carry.pending = tool_results + task.carry.pending
        return result.reply


class CliTurn(Turn):
    """A CLI agent's turn: its tool runs the task in its workspace, resuming the task's session;
    its final message is the turn's reply (and, with no subtasks open, the result)."""

    session: str | None = None
    """The session this turn resumes (None: a new one)."""
    owner = ""
    """Whose tool runs the turn (`workflows.task_sessions.owner`): the session it reports is theirs."""
    host: str | None = None
    """The queue of the worker host that holds the session, where the turn runs (None: any host's)."""

    def start(self, sent: list[Message], worst: WorstCase | None) -> asyncio.Task[Any]:
        task, cli = self.task, self.task.input.agent.cli
        self.owner = owner(task.input.agent)
        self.session = resumable(task.carry, task.input.agent)
        self.host = host_queue(task.carry, task.input.agent)
        orphan, task.orphan = task.orphan, None
        return workflow.start_activity(
            Activity.CLI_TURN,
            CliTurnInput(
                session=task.session(),
                seq=task.carry.turn,
                adapter=task.input.agent.adapter,
                # Its permission profile, the tool policy's when the spec names none, which the
                # activity maps to the tool's flags. (The same command, its input completed:
                # recorded histories replay as they were.)
                cli=cli.model_copy(update={"permissions": permissions_for(task.input.agent)}),
                prompt=cli_prompt(task.input, sent, resuming=self.session is not None),
                resume=self.session,
                attempt=max(1, task.carry.attempt),
                worst=worst,
                lost=list(task.carry.lost),
                orphan=orphan,
                rules=turn_rules(task),
                granted=turn_grants(task),
            ),
            result_type=CliTurnResult,
            task_queue=self.host or cli_queue(workflow.info().task_queue),
            # A host that is gone takes nothing: the turn then runs elsewhere (`failed`).
            schedule_to_start_timeout=HOST_WAIT if self.host else None,
            # The activity stops the tool at its own timeout; this one covers a lost worker.
            start_to_close_timeout=timedelta(seconds=cli.turn_timeout_seconds + cli.grace_seconds + 60),
            heartbeat_timeout=timedelta(seconds=cli.heartbeat_timeout_seconds),
            retry_policy=(
                retries.ONE_ATTEMPT
                if worst is not None
                else RetryPolicy(maximum_attempts=CLI_TURN_ATTEMPTS, maximum_interval=timedelta(minutes=1))
            ),
        )

    def interrupted(self) -> bool:
        # A pause stops the tool too (a CLI turn can run for an hour): the turn runs again on
        # resume, resuming the session of the task's earlier turns.
        return self.task.carry.cancel is not None or self.task.carry.held

    def failed(self, err: ActivityError, own: bool) -> None:
        details = retries.heartbeat_details(err)
        spent = details.get("usage")
        if isinstance(spent, dict):  # what the tool said it spent before failing (booked in the ledger)
            self.task.carry.usage = self.task.carry.usage + Usage.model_validate(spent)
            cost = details.get("cost_usd")
            self.task.carry.cost_usd += float(cost) if isinstance(cost, int | float) else 0.0
        if not own:
            return
        if self.host is not None and retries.unclaimed(err):
            host_gone(self.task.carry, self.task.input, self.host)
            return
        if details.get("session_id") or details.get("queue"):
            # The retry resumes the session the attempt started, on the host the attempt ran on.
            session, queue = details.get("session_id") or self.session, details.get("queue") or self.host
            keep(self.task.carry, str(session) if session else None, self.owner, str(queue) if queue else None)
        if retries.lost(err):  # its tool may still run: the next attempt kills it first
            self.task.orphan = {k: details[k] for k in ("pid", "host", "marker") if k in details} or None

    async def answered(self, result: Any) -> Message | None:
        assert isinstance(result, CliTurnResult)
        task = self.task
        retried = task.attempt_succeeded(result.settled)
        keep(task.carry, result.session_id or self.session, self.owner, result.host_queue)
        task.carry.usage = task.carry.usage + result.usage
        task.carry.cost_usd += result.cost_usd or 0.0
        task.report_turn(retried)
        turn_taken(task)
        if result.denials:
            await ask_refused(task, result)
        return result.reply


class HttpTurn(Turn):
    """An HTTP agent's turn: the task is posted to it; once it took it (2xx), the task waits for
    its answer through the API (`agent_call`): complete, delegate, ask for approval or escalate.
    Fails the task when none comes within `reply_timeout_seconds`."""

    charges_lost = False  # a POST spends nothing; the agent's own calls are not the task's

    def owns_retries(self) -> bool:
        # Since the patch the task retries the POST, so the board sees it retrying (Temporal did).
        self.task.own_retries = own = workflow.patched(HTTP_TURN_RETRIES)
        return own

    def start(self, sent: list[Message], worst: WorstCase | None) -> asyncio.Task[Any]:
        task, http = self.task, self.task.input.agent.http
        assert http is not None  # AgentSpec checks it
        return workflow.start_activity(
            Activity.HTTP_TURN,
            HttpTurnInput(
                session=task.session(),
                seq=task.carry.turn,
                title=task.input.title,
                http=http,
                prompt=cli_prompt(task.input, sent, resuming=task.carry.turn > 1),
                attempt=max(1, task.carry.attempt),
            ),
            result_type=HttpTurnResult,
            task_queue=cli_queue(workflow.info().task_queue),
            start_to_close_timeout=timedelta(seconds=http.timeout_seconds + 30),
            retry_policy=(
                retries.ONE_ATTEMPT
                if worst is not None
                else RetryPolicy(maximum_attempts=CLI_TURN_ATTEMPTS, maximum_interval=timedelta(minutes=1))
            ),
        )

    async def answered(self, result: Any) -> Message | None:
        assert isinstance(result, HttpTurnResult)
        task, http = self.task, self.task.input.agent.http
        assert http is not None
        if task.own_retries and task.attempt_succeeded([]):
            task.report_turn(True)  # it was retrying: the company hears at once that it is not

        def answered() -> bool:
            return (
                task.result is not None
                or bool(task.carry.open_children)
                or task.carry.waiting_for is not None
                or task.carry.handing_over
                or task.carry.cancel is not None
            )

        try:
            await workflow.wait_condition(answered, timeout=timedelta(seconds=http.reply_timeout_seconds))
        except TimeoutError:
            waited = f"{http.reply_timeout_seconds:g}s"
            task.failure = f"the agent at {http.url} took the task but did not answer within {waited}"
        if task.carry.cancel is not None:
            return None
        return Message(role="assistant", content=result.answer, author=task.input.agent.name)


def turn_of(task: TaskCore) -> Turn:
    """The kind of turn the task's agent takes."""
    adapter = task.input.agent.adapter
    if adapter is Adapter.HTTP:
        return HttpTurn(task)
    if adapter is not Adapter.MODEL:
        return CliTurn(task)
    return ModelTurn(task)


async def run_turn(task: TaskCore) -> Message | None:
    """One turn: its reply, once acted on; None when a cancellation (or, for a CLI tool, a hold)
    stopped it. A failed attempt raises its `ActivityError` with the turn undone.
    """
    turn = turn_of(task)
    own = turn.owns_retries()
    await turn.prepare()
    worst = task.turn_worst_case() if own else None  # before the turn takes what is pending
    sent = task.begin_turn()
    if own:
        task.carry.attempt += 1
    call = turn.start(sent, worst)
    await workflow.wait_condition(lambda: call.done() or turn.interrupted())
    if not call.done():
        await stop(call)  # a CLI turn's activity kills the tool's whole process group
        if worst is not None and turn.charges_lost:  # stopped in flight: whether it spent anything is unknown
            retries.charge_lost(task.carry, turn.model_index(), worst)
        if task.carry.cancel is None:  # held: the same turn, later
            task.undo_turn(sent)
        return None
    try:
        result = call.result()
    except ActivityError as err:
        # Nothing of a failed attempt is kept: its messages wait for the next attempt, same turn.
        task.undo_turn(sent)
        if worst is not None and turn.charges_lost and retries.lost(err):
            retries.charge_lost(task.carry, turn.model_index(), worst)
        turn.failed(err, own)
        raise
    return await turn.answered(result)


async def stop(call: asyncio.Task[Any]) -> None:
    """Cancel a turn's activity and wait until it has stopped."""
    call.cancel()
    try:
        await call
    except (ActivityError, asyncio.CancelledError):
        pass
