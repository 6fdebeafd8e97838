"""The tool calls of a task's trace: what each call ran with, what it answered (or where its full
output is stored), how long it took and who approved it.

Read from the same history as the rest of the trace: the `run_tool` activity's input and result,
and the company's answers to the task's `tool_call` approvals (the `approval_answer` signal). A
call whose tool runs inside the workflow, or a history from before tools ran as activities, has
no duration and no approver: its result is the tool message of the next turn, as before.
"""

from dataclasses import dataclass, field
from datetime import datetime

from paperclip.constants import Activity
from paperclip.models import ApprovalAnswer, ApprovalKind, ApprovalStatus, ToolRunInput, ToolRunResult, TraceEvent

RUN_TOOL = Activity.RUN_TOOL
"""The activity type of one tool call."""
APPROVAL_ANSWER = "approval_answer"
"""The signal that brings a task the company's answer to one of its approvals."""


def output_path(company_id: str, ref: str) -> str:
    """Where the API serves a tool's stored full output (`ToolRunResult.ref`)."""
    return f"/api/companies/{company_id}/tool-outputs/{ref}"


@dataclass
class ToolCalls:
    """What the trace knows of each call, by call id, as the history is read in order."""

    calls: dict[str, TraceEvent] = field(default_factory=dict)
    """The `tool_call` event of each call the model made."""
    approvers: dict[str, str] = field(default_factory=dict)
    """Who approved each call that waited for a person."""
    running: dict[int, tuple[ToolRunInput, datetime]] = field(default_factory=dict)
    """Scheduled `run_tool` activities (by event id): their input and when they were scheduled."""
    answered: set[str] = field(default_factory=set)
    """Calls whose result the trace shows (their tool message in the next turn is not repeated)."""

    def called(self, event: TraceEvent) -> None:
        """The model asked for a call (its `tool_call` event)."""
        if event.call_id:
            self.calls[event.call_id] = event
            event.approved_by = self.approvers.get(event.call_id)

    def approval(self, answer: ApprovalAnswer) -> None:
        """The company answered an approval: an approved tool call is marked with who approved it."""
        approval = answer.approval
        if approval is None or approval.kind is not ApprovalKind.TOOL_CALL or approval.tool_call is None:
            return
        if approval.status is not ApprovalStatus.APPROVED:
            return
        call_id = approval.tool_call.call_id
        self.approvers[call_id] = approval.decided_by or "board"
        if call_id in self.calls:
            self.calls[call_id].approved_by = self.approvers[call_id]

    def scheduled(self, event_id: int, run: ToolRunInput, at: datetime) -> None:
        self.running[event_id] = (run, at)

    def completed(self, event_id: int, result: ToolRunResult, at: datetime, *, company_id: str) -> dict[str, object]:
        """The fields of the `tool_result` event of a finished call."""
        run, started = self.running.pop(event_id)
        self.answered.add(run.call_id)
        measured = int((at - started).total_seconds() * 1000)
        call = self.calls.get(run.call_id)
        return {
            "actor": run.tool,
            "target": run.session.agent,
            "content": result.content,
            "tool": run.tool,
            "arguments": run.arguments if call is None or call.arguments != run.arguments else None,
            "call_id": run.call_id,
            "duration_ms": result.duration_ms or measured,
            "output_ref": result.ref,
            "output_url": output_path(company_id, result.ref) if result.ref else None,
            "output_size": result.size or len(result.content),
            "failed": result.error,
            "approved_by": self.approvers.get(run.call_id),
            "turn": call.turn if call is not None else None,
        }

    def is_shown(self, tool_call_id: str | None) -> bool:
        """Whether the result of this call is already in the trace (from its activity)."""
        return tool_call_id is not None and tool_call_id in self.answered
