"""The handlers of the document tools (`read_document`, `write_document`), run in the task
workflow like `read_task`: the workflow decides which documents the agent may reach, the store
activities (`activities.store`) read and write them.

An agent reads the documents of its own task, its parent and the subtasks it delegated (what
`comment` reaches too), and writes its own task's only; always in its own company, which no
argument can name. A revision someone else saved marks the task as having read untrusted content.
"""

from collections.abc import Sequence
from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, FailureError

with workflow.unsafe.imports_passed_through():
    from paperclip import prompts
    from paperclip.constants import Activity
    from paperclip.tools.read_document import (
        READ_DOCUMENT,
        DocumentReading,
        ReadDocumentArguments,
        ReadDocumentInput,
    )
    from paperclip.tools.write_document import (
        WRITE_DOCUMENT,
        DocumentWritten,
        WriteDocumentArguments,
        WriteDocumentInput,
    )
    from workflows.task_core import TaskCore

STORE_CALL = timedelta(seconds=30)
STORE_RETRIES = RetryPolicy(maximum_attempts=3)
"""A store that does not answer is the model's to read after a few attempts (a repeated save is
answered with the revision it made, so retrying one is safe)."""


def _failed(name: str, err: ActivityError) -> str:
    return prompts.tool_failed(name, err.cause.message if isinstance(err.cause, FailureError) else str(err))


async def read_document(task: TaskCore, args: ReadDocumentArguments, readable: Sequence[str]) -> str:
    """Read a document (or the list of them) of a task in `readable`."""
    target = args.task or task.input.identifier
    if target not in readable:
        return prompts.error(
            f"you may read the documents of {', '.join(readable)} only (your task, its parent, your subtasks), "
            f"not {target}."
        )
    wanted = ReadDocumentInput(
        company_id=task.input.company_id,
        task=target,
        key=args.key,
        revision=args.revision,
        reader=task.input.agent.name,
    )
    try:
        reading: DocumentReading = await workflow.execute_activity(
            Activity.READ_DOCUMENT,
            wanted,
            result_type=DocumentReading,
            start_to_close_timeout=STORE_CALL,
            retry_policy=STORE_RETRIES,
        )
    except ActivityError as err:
        return _failed(READ_DOCUMENT, err)
    if reading.untrusted:
        task.carry.tools.untrusted_read = True
    return reading.text


async def write_document(task: TaskCore, args: WriteDocumentArguments) -> str:
    """Save a revision of a document of the agent's own task."""
    save = WriteDocumentInput(
        company_id=task.input.company_id,
        task=task.input.identifier,
        key=args.key,
        body=args.body,
        base_revision=args.base_revision,
        author=task.input.agent.name,
    )
    try:
        written: DocumentWritten = await workflow.execute_activity(
            Activity.WRITE_DOCUMENT,
            save,
            result_type=DocumentWritten,
            start_to_close_timeout=STORE_CALL,
            retry_policy=STORE_RETRIES,
        )
    except ActivityError as err:
        return _failed(WRITE_DOCUMENT, err)
    if written.untrusted:
        task.carry.tools.untrusted_read = True
    return written.text
