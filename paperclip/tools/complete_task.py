"""`complete_task(result, work_products)`: finish the task with its result, and say what it
produced that no tool recorded already (also `POST …/tasks/{id}/complete`)."""

from typing import Any

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

    @classmethod
    def model_json_schema(cls, *args: Any, **kwargs: Any) -> dict[str, Any]:
        """The schema with its nested models written in place: every tool's schema is one plain
        object, without `$ref`, which some OpenAI-compatible servers do not follow."""
        schema = super().model_json_schema(*args, **kwargs)
        defs = schema.pop("$defs", {})

        def inline(node: Any) -> Any:
            if isinstance(node, list):
                return [inline(n) for n in node]
            if not isinstance(node, dict):
                return node
            if "$ref" in node:
                return inline(defs[node["$ref"].rpartition("/")[2]]) | {k: v for k, v in node.items() if k != "$ref"}
            return {k: inline(v) for k, v in node.items()}

        inlined: dict[str, Any] = inline(schema)
        return inlined


def complete_task_tool() -> ToolSpec:
    return CompleteTaskArguments.spec("Finish your task and report its result to whoever gave it to you.")
