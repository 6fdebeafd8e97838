"""The work products an agent declares on completing its task (`complete_task(work_products=…)`),
kept by the `record_work_products` activity before the task ends.

Their shape was checked with the call's arguments; a declared file is checked on the host of
the task's workspace (it must be a file inside it), so that call goes to that host's queue; the
rest go to the tools queue. A refusal is the model's to read, and the task does not end: the
agent may complete again without what was refused.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, FailureError

with workflow.unsafe.imports_passed_through():
    from paperclip import prompts
    from paperclip.constants import Activity, tools_queue
    from paperclip.models.work_products import (
        DeclaredProduct,
        RecordProductsInput,
        RecordProductsResult,
        WorkProductKind,
    )
    from workflows.task_core import TaskCore

RECORD_TIMEOUT = timedelta(seconds=30)
RECORD_RETRIES = RetryPolicy(maximum_attempts=3, non_retryable_error_types=["WorkspaceRefused", "WorkspaceMissing"])
"""A store or host that does not answer is the model's to read after a few attempts."""
WORKSPACE_PICKUP = timedelta(minutes=2)


async def record_declared(task: TaskCore, products: list[DeclaredProduct]) -> str | None:
    """Keep the declared products; None when kept, else what the model is told."""
    workspace = task.carry.tools.workspace
    files = any(p.kind is WorkProductKind.FILE for p in products)
    if files and workspace is None:
        return prompts.error("a file work product is a file in your workspace, and this task has none.")
    seconds = task.input.workspace_pickup_seconds
    try:
        result: RecordProductsResult = await workflow.execute_activity(
            Activity.RECORD_WORK_PRODUCTS,
            RecordProductsInput(session=task.session(), products=products, workspace=workspace if files else None),
            result_type=RecordProductsResult,
            task_queue=workspace.queue if files and workspace else tools_queue(workflow.info().task_queue),
            schedule_to_start_timeout=(WORKSPACE_PICKUP if seconds is None else timedelta(seconds=seconds))
            if files
            else None,
            start_to_close_timeout=RECORD_TIMEOUT,
            retry_policy=RECORD_RETRIES,
        )
    except ActivityError as err:
        cause = err.cause
        return prompts.tool_failed("complete_task", cause.message if isinstance(cause, FailureError) else str(err))
    if result.refused:
        return prompts.error(f"work products not kept, and the task is not complete: {result.refused}.")
    return None
