"""The long texts a company carries by reference, filled in from the store for readers.

A company continues as new without the long briefs and results of its task records (they are in
the store's `tasks` table: `workflows/company/texts.py`) and without the long details of its
approvals (in the store's `approvals` table); its snapshot names those tasks in `stored_texts`
and those approvals in `stored_approvals`. Every reader of tasks and approvals through the API
gets the snapshot with the texts put back, so what it reads does not depend on whether the
company has continued as new.
"""

import asyncio

from paperclip.models import Approval, CompanySnapshot, TaskRecord
from paperclip.store import Store


def _filled(store: Store, snapshot: CompanySnapshot) -> CompanySnapshot:
    wanted = set(snapshot.stored_texts)
    tasks: list[TaskRecord] = []
    for task in snapshot.tasks:
        row = store.get_task(snapshot.spec.id, task.identifier) if task.identifier in wanted else None
        if row is not None:
            # The brief is the stored one; a result the company holds is newer than the store's.
            result = task.result if task.result is not None else row.result
            task = task.model_copy(update={"brief": row.brief, "result": result})
        tasks.append(task)
    approvals = _filled_approvals(store, snapshot.spec.id, snapshot.approvals, set(snapshot.stored_approvals))
    return snapshot.model_copy(
        update={"tasks": tasks, "approvals": approvals, "stored_texts": [], "stored_approvals": []}
    )


def _filled_approvals(store: Store, company_id: str, approvals: list[Approval], wanted: set[str]) -> list[Approval]:
    details = store.approval_details(company_id, wanted & {a.id for a in approvals})
    return [a.model_copy(update={"details": details[a.id]}) if a.id in details else a for a in approvals]


async def with_stored_texts(store: Store, snapshot: CompanySnapshot) -> CompanySnapshot:
    """`snapshot` with the briefs and results of its `stored_texts` tasks and the details of its
    `stored_approvals` read from `store` (then none left to fill); the snapshot itself when it
    names none."""
    if not snapshot.stored_texts and not snapshot.stored_approvals:
        return snapshot
    return await asyncio.to_thread(_filled, store, snapshot)


async def with_stored_details(store: Store, company_id: str, approval: Approval) -> Approval:
    """`approval` (a decision's answer) with the details the store keeps, when the company
    answered without them (it carries long ones by reference); as it is otherwise."""
    if approval.details:
        return approval
    details = await asyncio.to_thread(store.approval_details, company_id, [approval.id])
    return approval.model_copy(update={"details": details[approval.id]}) if details.get(approval.id) else approval
