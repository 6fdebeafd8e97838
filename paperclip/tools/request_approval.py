"""`request_approval(kind, title, details)`: ask a person and wait for the decision (also
`POST …/tasks/{id}/approval-requests`)."""

from typing import Literal

from pydantic import Field

from paperclip.models import ToolSpec
from paperclip.tools.base import Line, LongText, ToolArguments

REQUEST_APPROVAL = "request_approval"


class RequestApprovalArguments(ToolArguments):
    tool = REQUEST_APPROVAL

    kind: Literal["board", "strategy"] = Field(default="board", description="What you ask about.")
    title: Line = Field(description="One line: what should be approved.")
    details: LongText = Field(default="", description="Everything the board needs to decide.")


def request_approval_tool(*, strategy: bool) -> ToolSpec:
    """The tool for a turn; kind `strategy` is offered where the company approves plans first."""
    return RequestApprovalArguments.spec(
        "Ask the board (a person) to approve something before you go on. You wait, without working, "
        "until they decide; the decision and their note come back to you. "
        + (
            "Use kind 'strategy' for your plan for this task: you cannot delegate before it is approved. "
            if strategy
            else ""
        ),
        kind=["board", "strategy"] if strategy else ["board"],
    )
