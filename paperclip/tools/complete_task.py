"""`complete_task(result, work_products)`: finish the task with its result, and say what it
produced that no tool recorded already (also `POST …/tasks/{id}/complete`)."""

from pydantic import Field

from paperclip.models import ToolSpec
from paperclip.models.work_products import MAX_DECLARED, DeclaredProduct
from paperclip.tools.base import Report, ToolArguments

COMPLETE_TASK = "complete_task"


class CompleteTaskArguments(ToolArguments):
    tool = COMPLETE_TASK

    result: Report = Field(description="The outcome, for your manager.")
    work_products: list[DeclaredProduct] = Field(
        default_factory=list,
        max_length=MAX_DECLARED,
        description=(
            "What you produced, if anything: files in your workspace (paths relative to it), documents, "
            "URLs. Your commits and pull requests are recorded already."
        ),
    )


def complete_task_tool() -> ToolSpec:
    return CompleteTaskArguments.spec("Finish your task and report its result to whoever gave it to you.")
