"""A task's trace, read from its workflow history alone.

Every message of a task is in its workflow history exactly once (the turn activity receives
only the new messages and returns the reply), so decoding the history in order gives the whole
conversation: who said what to whom, each model reply with its usage and cost, the tools called,
the subtasks delegated and their results. The message store is never read here, nor Temporal:
the API fetches the histories (`api/traces.py`) and hands their events to a `TraceReader`.
"""

from datetime import UTC, datetime
from typing import Any

from google.protobuf.timestamp_pb2 import Timestamp
from temporalio.api.common.v1 import Payloads
from temporalio.api.enums.v1 import TimeoutType
from temporalio.api.failure.v1 import Failure
from temporalio.api.history.v1 import HistoryEvent
from temporalio.converter import DataConverter

from paperclip.models import (
    Adapter,
    AgentCall,
    AgentCallAnswer,
    ApprovalAnswer,
    ChildFinished,
    CliTurnInput,
    CliTurnResult,
    HttpTurnInput,
    HttpTurnResult,
    Message,
    ModelTurnInput,
    ModelTurnResult,
    TaskEvent,
    TaskInput,
    TaskResult,
    TaskStatus,
    ToolRunInput,
    ToolRunResult,
    Trace,
    TraceEvent,
    TraceKind,
    Usage,
)
from paperclip.tools import DELEGATE_TASK
from paperclip.traces.agents import AGENT_CALL, CLI_TURN, HTTP_TURN, AgentTurns
from paperclip.traces.tools import APPROVAL_ANSWER, RUN_TOOL, ToolCalls

MODEL_TURN = "model_turn"
"""The activity type of one agent turn."""
COMPACTION = "compaction"
"""The activity type of a compaction turn: a model call that summarises the conversation."""


def _time(ts: Timestamp) -> datetime:
    return ts.ToDatetime(tzinfo=UTC)


UNCLAIMED = (
    "no worker of the host that holds its session took it in time (the host is gone): it never ran, "
    "and runs again on another host, in a new session"
)
"""What a turn that waited in vain on its worker host's own queue says in the trace."""


def _failure_text(failure: Failure) -> str:
    text = failure.message or "failed"
    cause = failure.cause if failure.HasField("cause") else None
    while cause is not None:
        if cause.message:
            text += f": {cause.message}"
        cause = cause.cause if cause.HasField("cause") else None
    return text


class TraceReader:
    """Turns one task's history events, in order, into the events of its trace.

    Args:
        converter: The data converter the workflows' payloads were written with (a client's
            `data_converter`).
        trace: The trace to fill; `add` appends to its events and sets its fields.
    """

    def __init__(self, converter: DataConverter, trace: Trace) -> None:
        self.converter = converter
        self.trace = trace
        self.child_ids: list[str] = []
        self._turns: dict[int, ModelTurnInput] = {}
        """Scheduled model-turn (and compaction) inputs by scheduled event id."""
        self._compactions: set[int] = set()
        """Scheduled event ids of compaction turns."""
        self._attempts: dict[int, int] = {}
        """Attempt of the last started event by scheduled event id."""
        self._inputs_shown: dict[int, set[tuple[str, str | None, str, str | None]]] = {}
        """Turn → the messages of its input shown: a retried attempt's are not shown again."""
        self._agent_turns = AgentTurns()
        self._open_delegations: list[TraceEvent] = []
        self._child_results: set[str] = set()
        self._tools = ToolCalls()

    async def _decode(self, payloads: Payloads, type_hint: type) -> Any:
        if not payloads.payloads:
            return None
        values = await self.converter.decode(payloads.payloads, [type_hint])
        return values[0] if values else None

    def _emit(self, at: datetime, kind: TraceKind, **fields: Any) -> TraceEvent:
        event = TraceEvent(at=at, task=self.trace.identifier, kind=kind, **fields)
        self.trace.events.append(event)
        return event

    async def add(self, event: HistoryEvent) -> None:
        which = event.WhichOneof("attributes")
        handler = getattr(self, f"_on_{which.removesuffix('_event_attributes')}", None) if which else None
        if handler is not None:
            await handler(event, _time(event.event_time))

    # ------------------------------------------------------------------ workflow start and end

    async def _on_workflow_execution_started(self, event: HistoryEvent, at: datetime) -> None:
        attrs = event.workflow_execution_started_event_attributes
        task: TaskInput | None = await self._decode(attrs.input, TaskInput)
        if task is None or task.carry is not None:
            return  # a continued run: the first run already introduced the task
        self.trace.title, self.trace.brief = task.title, task.brief
        self.trace.assignee, self.trace.parent = task.agent.name, task.parent
        self._emit(
            at,
            "task_started",
            actor=task.parent or "board",
            target=task.agent.name,
            content=task.title + (f"\n\n{task.brief}" if task.brief else ""),
            # What runs its turns: a model, or a CLI or HTTP agent's tool (its `model` unused).
            model=task.agent.model.model if task.agent.adapter is Adapter.MODEL else task.agent.cli.model,
            simulated=task.agent.is_simulated,
            adapter=task.agent.adapter.label,
        )

    async def _on_workflow_execution_completed(self, event: HistoryEvent, at: datetime) -> None:
        result: TaskResult | None = await self._decode(
            event.workflow_execution_completed_event_attributes.result, TaskResult
        )
        if result is not None:
            self._finished(at, result.status, result.result, result.turns, result.usage, result.cost_usd)

    def _finished(
        self, at: datetime, status: TaskStatus, result: str | None, turns: int, usage: Usage, cost_usd: float
    ) -> None:
        """The task's end, told once: by its `finished` event to the company, else by its result."""
        trace = self.trace
        already = trace.status is not None
        trace.status, trace.result, trace.turns, trace.usage, trace.cost_usd = status, result, turns, usage, cost_usd
        if already:
            return
        self._emit(
            at,
            "task_finished",
            actor=trace.assignee,
            target=trace.parent or "board",
            content=result or "",
            status=status,
            usage=usage,
            cost_usd=cost_usd,
        )

    async def _on_workflow_execution_failed(self, event: HistoryEvent, at: datetime) -> None:
        message = _failure_text(event.workflow_execution_failed_event_attributes.failure)
        self._end(at, TaskStatus.FAILED, f"workflow failed: {message}")

    async def _on_workflow_execution_terminated(self, event: HistoryEvent, at: datetime) -> None:
        reason = event.workflow_execution_terminated_event_attributes.reason
        self._end(at, TaskStatus.FAILED, f"workflow terminated{': ' + reason if reason else ''}")

    async def _on_workflow_execution_timed_out(self, event: HistoryEvent, at: datetime) -> None:
        self._end(at, TaskStatus.FAILED, "workflow timed out")

    async def _on_workflow_execution_canceled(self, event: HistoryEvent, at: datetime) -> None:
        self.trace.status = TaskStatus.CANCELLED
        self._emit(at, "task_finished", actor="system", status=TaskStatus.CANCELLED, content="cancelled")

    def _end(self, at: datetime, status: TaskStatus, message: str) -> None:
        self.trace.status = status
        self._emit(at, "error", actor="system", content=message)
        self._emit(at, "task_finished", actor="system", status=status, content=message)

    # ------------------------------------------------------------------ model turns

    async def _on_activity_task_scheduled(self, event: HistoryEvent, at: datetime) -> None:
        attrs = event.activity_task_scheduled_event_attributes
        if attrs.activity_type.name == RUN_TOOL:
            run: ToolRunInput | None = await self._decode(attrs.input, ToolRunInput)
            if run is not None:
                self._tools.scheduled(event.event_id, run, at)
            return
        if attrs.activity_type.name in (CLI_TURN, HTTP_TURN):
            hint = CliTurnInput if attrs.activity_type.name == CLI_TURN else HttpTurnInput
            agent_turn: CliTurnInput | HttpTurnInput | None = await self._decode(attrs.input, hint)
            if agent_turn is not None and (prompt := self._agent_turns.scheduled(event.event_id, agent_turn)):
                self._emit(at, "prompt", **prompt)
            return
        if attrs.activity_type.name not in (MODEL_TURN, COMPACTION):
            return
        turn: ModelTurnInput | None = await self._decode(attrs.input, ModelTurnInput)
        if turn is None:
            return
        self._turns[event.event_id] = turn
        if attrs.activity_type.name == COMPACTION:
            self._compactions.add(event.event_id)
        agent = turn.session.agent
        shown = self._inputs_shown.setdefault(turn.seq, set())
        for message in turn.new_messages:
            if message.author in self._child_results and message.role == "user":
                continue  # the subtask's result is already in the trace, from its signal
            if message.role == "tool" and self._tools.is_shown(message.tool_call_id):
                continue  # the call's result is already in the trace, from its activity
            key = (message.role, message.author, message.content, message.tool_call_id)
            if key in shown:
                continue  # a retried attempt sends the turn's input again
            shown.add(key)
            self._emit(at, "message", **message_fields(message, agent), turn=turn.seq)

    async def _on_activity_task_started(self, event: HistoryEvent, at: datetime) -> None:
        attrs = event.activity_task_started_event_attributes
        if attrs.attempt > 1 and attrs.HasField("last_failure"):
            failure = _failure_text(attrs.last_failure)
            if error := self._agent_turns.restarted(attrs.scheduled_event_id, attrs.attempt, failure):
                self._emit(at, "error", **error)
                return
        turn = self._turns.get(attrs.scheduled_event_id)
        if turn is None:
            return
        self._attempts[attrs.scheduled_event_id] = attrs.attempt
        if attrs.attempt > 1 and attrs.HasField("last_failure"):
            before = turn.attempt + attrs.attempt - 2  # the task's count, and Temporal's on top
            self._emit(
                at,
                "error",
                actor=turn.session.agent,
                content=f"attempt {before} failed: {_failure_text(attrs.last_failure)}",
                attempt=before,
                turn=turn.seq,
                model=turn.model.model,
                simulated=turn.model.is_simulated,
            )

    async def _on_activity_task_completed(self, event: HistoryEvent, at: datetime) -> None:
        attrs = event.activity_task_completed_event_attributes
        if attrs.scheduled_event_id in self._tools.running:
            answer: ToolRunResult | None = await self._decode(attrs.result, ToolRunResult)
            if answer is not None:
                fields = self._tools.completed(attrs.scheduled_event_id, answer, at, company_id=self.trace.company_id)
                self._emit(at, "tool_result", **fields)
            return
        agent_turn = self._agent_turns.running.get(attrs.scheduled_event_id)
        if agent_turn is not None:
            hint = CliTurnResult if isinstance(agent_turn, CliTurnInput) else HttpTurnResult
            reply: CliTurnResult | HttpTurnResult | None = await self._decode(attrs.result, hint)
            if reply is not None and (told := self._agent_turns.completed(attrs.scheduled_event_id, reply)):
                self._emit(at, told[0], **told[1])
            return
        turn = self._turns.get(attrs.scheduled_event_id)
        if turn is None:
            return
        result: ModelTurnResult | None = await self._decode(attrs.result, ModelTurnResult)
        if result is None:
            return
        agent = turn.session.agent
        if result.simulated:
            self.trace.simulated = True
        if attrs.scheduled_event_id in self._compactions:
            self._emit(
                at,
                "compaction",
                actor=agent,
                content=result.reply.content,
                usage=result.usage,
                cost_usd=result.cost_usd,
                model=result.model,
                simulated=result.simulated,
                turn=turn.seq,
            )
            return
        self._emit(
            at,
            "model_reply",
            actor=agent,
            content=result.reply.content,
            usage=result.usage,
            cost_usd=result.cost_usd,
            model=result.model,
            simulated=result.simulated,
            attempt=self._attempt(attrs.scheduled_event_id, turn),
            turn=turn.seq,
        )
        for call in result.reply.tool_calls:
            if call.name == DELEGATE_TASK:
                delegation = self._emit(
                    at,
                    "delegation",
                    actor=agent,
                    target=str(call.arguments.get("agent", "")) or None,
                    content=str(call.arguments.get("title", "")),
                    tool=call.name,
                    arguments=call.arguments,
                    turn=turn.seq,
                )
                self._open_delegations.append(delegation)
            else:
                called = self._emit(
                    at,
                    "tool_call",
                    actor=agent,
                    tool=call.name,
                    arguments=call.arguments,
                    turn=turn.seq,
                    call_id=call.id,
                )
                self._tools.called(called)

    async def _on_activity_task_failed(self, event: HistoryEvent, at: datetime) -> None:
        attrs = event.activity_task_failed_event_attributes
        self._turn_error(at, attrs.scheduled_event_id, _failure_text(attrs.failure))

    async def _on_activity_task_timed_out(self, event: HistoryEvent, at: datetime) -> None:
        attrs = event.activity_task_timed_out_event_attributes
        message = f"timed out: {_failure_text(attrs.failure)}"
        if attrs.failure.timeout_failure_info.timeout_type == TimeoutType.TIMEOUT_TYPE_SCHEDULE_TO_START:
            # Only a worker host's own queue has that timeout (`workflows.task_sessions.HOST_WAIT`).
            message = UNCLAIMED
        self._turn_error(at, attrs.scheduled_event_id, message)

    async def _on_activity_task_canceled(self, event: HistoryEvent, at: datetime) -> None:
        stopped = self._agent_turns.stopped(event.activity_task_canceled_event_attributes.scheduled_event_id)
        if stopped is not None:
            self._emit(at, "error", **stopped)

    def _attempt(self, scheduled_event_id: int, turn: ModelTurnInput) -> int | None:
        """Which attempt of its turn a model call was: the task's count, and Temporal's on top."""
        started = self._attempts.get(scheduled_event_id)
        return None if started is None else turn.attempt + started - 1

    def _turn_error(self, at: datetime, scheduled_event_id: int, message: str) -> None:
        if (error := self._agent_turns.failed(scheduled_event_id, message)) is not None:
            self._emit(at, "error", **error)
            return
        turn = self._turns.get(scheduled_event_id)
        if turn is None:
            return
        self._emit(
            at,
            "error",
            actor=turn.session.agent,
            content=f"{'compaction' if scheduled_event_id in self._compactions else 'model call'} failed: {message}",
            attempt=self._attempt(scheduled_event_id, turn),
            turn=turn.seq,
            model=turn.model.model,
            simulated=turn.model.is_simulated,
        )

    # ------------------------------------------------------------------ calls through the API

    async def _on_workflow_execution_update_accepted(self, event: HistoryEvent, at: datetime) -> None:
        request = event.workflow_execution_update_accepted_event_attributes.accepted_request
        if request.input.name != AGENT_CALL:
            return
        call: AgentCall | None = await self._decode(request.input.args, AgentCall)
        if call is None:
            return
        kind, fields = self._agent_turns.called(event.event_id, call)
        told = self._emit(at, kind, **fields)
        if kind == "delegation":
            self._open_delegations.append(told)  # the subtask it starts is matched to it

    async def _on_workflow_execution_update_completed(self, event: HistoryEvent, at: datetime) -> None:
        attrs = event.workflow_execution_update_completed_event_attributes
        if attrs.accepted_event_id not in self._agent_turns.calls:
            return
        answer: AgentCallAnswer | None = None
        failure: str | None = None
        if attrs.outcome.HasField("failure"):
            failure = _failure_text(attrs.outcome.failure)
        else:
            answer = await self._decode(attrs.outcome.success, AgentCallAnswer)
        if (result := self._agent_turns.answered(attrs.accepted_event_id, answer, failure)) is not None:
            self._emit(at, "tool_result", **result)

    # ------------------------------------------------------------------ subtasks

    async def _on_start_child_workflow_execution_initiated(self, event: HistoryEvent, at: datetime) -> None:
        attrs = event.start_child_workflow_execution_initiated_event_attributes
        child: TaskInput | None = await self._decode(attrs.input, TaskInput)
        if child is None:
            return
        self.child_ids.append(child.identifier)
        match = next((d for d in self._open_delegations if d.target == child.agent.name), None)
        if match is not None:
            self._open_delegations.remove(match)
            match.child = child.identifier
            return
        self._emit(
            at,
            "delegation",
            actor=self.trace.assignee,
            target=child.agent.name,
            content=child.title,
            child=child.identifier,
        )

    async def _on_start_child_workflow_execution_failed(self, event: HistoryEvent, at: datetime) -> None:
        attrs = event.start_child_workflow_execution_failed_event_attributes
        self._emit(at, "error", actor="system", content=f"could not start subtask {attrs.workflow_id}")

    async def _on_workflow_execution_signaled(self, event: HistoryEvent, at: datetime) -> None:
        attrs = event.workflow_execution_signaled_event_attributes
        if attrs.signal_name == APPROVAL_ANSWER:
            answer: ApprovalAnswer | None = await self._decode(attrs.input, ApprovalAnswer)
            if answer is not None:
                self._tools.approval(answer)
            return
        if attrs.signal_name != "child_finished":
            return
        msg: ChildFinished | None = await self._decode(attrs.input, ChildFinished)
        if msg is None or msg.identifier in self._child_results:
            return  # signals are at-least-once
        self._child_results.add(msg.identifier)
        self._emit(
            at,
            "child_result",
            actor=msg.assignee,
            target=self.trace.assignee,
            content=msg.result or "",
            child=msg.identifier,
            status=msg.status,
        )

    async def _on_signal_external_workflow_execution_initiated(self, event: HistoryEvent, at: datetime) -> None:
        attrs = event.signal_external_workflow_execution_initiated_event_attributes
        if attrs.signal_name != "task_event":
            return
        update: TaskEvent | None = await self._decode(attrs.input, TaskEvent)
        if update is None:
            return
        if update.kind == "finished" and update.record is not None and update.status is not None:
            record = update.record
            self._finished(at, update.status, record.result, record.turns, record.usage, record.cost_usd)
            return
        if update.kind != "status" or update.status is None:
            return
        if update.status.is_terminal:
            return  # the end of the task is told by `task_finished`
        self._emit(at, "status", actor=self.trace.assignee, status=update.status, content=str(update.status))


def message_fields(message: Message, agent: str) -> dict[str, Any]:
    """A stored or decoded message as a trace event's actor, target, content (and tool)."""
    if message.role == "tool":
        return {
            "actor": message.author or "tool",
            "target": agent,
            "content": message.content,
            "tool": message.author,
            "call_id": message.tool_call_id,
        }
    if message.role == "assistant":
        return {"actor": message.author or agent, "content": message.content}
    return {"actor": message.author or "board", "target": agent, "content": message.content}
