"""`escalate(reason)`: hand the task to one's manager (also `POST …/tasks/{id}/escalate`)."""

from pydantic import Field

from paperclip.models import ToolSpec
from paperclip.tools.base import Reason, ToolArguments

ESCALATE = "escalate"


class EscalateArguments(ToolArguments):
    tool = ESCALATE

    reason: Reason = Field(description="Why the task goes up.")


def escalate_tool(manager: str) -> ToolSpec:
    return EscalateArguments.spec(
        f"Hand this task to your manager, {manager}, when you cannot or should not finish it yourself. "
        "Say why: your manager carries on from this conversation."
    )
