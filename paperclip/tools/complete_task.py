"""`complete_task(result)`: finish the task with its result (also `POST …/tasks/{id}/complete`)."""

from pydantic import Field

from paperclip.models import ToolSpec
from paperclip.tools.base import Report, ToolArguments

COMPLETE_TASK = "complete_task"


class CompleteTaskArguments(ToolArguments):
    tool = COMPLETE_TASK

    result: Report = Field(description="The outcome, for your manager.")


def complete_task_tool() -> ToolSpec:
    return CompleteTaskArguments.spec("Finish your task and report its result to whoever gave it to you.")
