"""What the API checks of a new task's blockers that the company cannot: those that left its
index (finished tasks leave it at a continue-as-new) are looked up in the store. A done one is met
already (`CreateTaskInput.met`); a failed or cancelled one is refused (409); one the store does not
know either is left to the company, which refuses it as unknown."""

import asyncio

from temporalio.client import Client

from api.errors import ApiError
from api.services import get_snapshot
from paperclip.constants import company_workflow_id
from paperclip.models import CreateTaskInput, TaskRecord, TaskStatus
from paperclip.models.dependencies import AddBlockerInput
from paperclip.store import Store
from workflows.company import CompanyWorkflow


async def with_met_blockers(*, client: Client, store: Store, company_id: str, task: CreateTaskInput) -> CreateTaskInput:
    """`task` with `met` set from the store (whatever the caller sent in it).

    Raises:
        ApiError: 409 when a blocker that left the company's index failed or was cancelled.
    """
    if not task.blocked_by:
        return task.model_copy(update={"met": []})
    snapshot = await get_snapshot(client=client, company_id=company_id)
    carried = {t.identifier for t in snapshot.tasks}
    met = []
    for blocker in dict.fromkeys(task.blocked_by):
        if blocker in carried:
            continue
        record = await asyncio.to_thread(store.get_task, company_id, blocker)
        if record is None:
            continue
        if record.status is TaskStatus.DONE:
            met.append(blocker)
        elif record.status.is_terminal:
            raise ApiError(409, "conflict", f"blocker {blocker} is {record.status}: nothing can wait on it")
    return task.model_copy(update={"met": met})


async def add_blocker(*, client: Client, store: Store, company_id: str, request: AddBlockerInput) -> TaskRecord:
    """Make a queued task also wait for another (the company's `add_blocker`: 400 for an unknown
    blocker or a cycle, named; 409 once the task has started). A blocker that left the company's
    index has finished: 409, nothing to wait for.
    """
    snapshot = await get_snapshot(client=client, company_id=company_id)
    if request.blocked_by not in {t.identifier for t in snapshot.tasks}:
        record = await asyncio.to_thread(store.get_task, company_id, request.blocked_by)
        if record is not None and record.status.is_terminal:
            raise ApiError(409, "conflict", f"blocker {request.blocked_by} is {record.status}: nothing to wait for")
    handle = client.get_workflow_handle_for(CompanyWorkflow.run, company_workflow_id(company_id))
    return await handle.execute_update(CompanyWorkflow.add_blocker, request)
