"""The long task texts a company carries by reference, filled in from the store for readers.

A company continues as new without the long briefs and results of its task records (they are in
the store's `tasks` table: `workflows/company/texts.py`); its snapshot names those tasks in
`stored_texts`. Every reader of tasks through the API gets the snapshot with the texts put
back, so what it reads does not depend on whether the company has continued as new.
"""

import asyncio

from paperclip.models import CompanySnapshot, TaskRecord
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
    return snapshot.model_copy(update={"tasks": tasks, "stored_texts": []})


async def with_stored_texts(store: Store, snapshot: CompanySnapshot) -> CompanySnapshot:
    """`snapshot` with the briefs and results of its `stored_texts` tasks read from `store`
    (then none left to fill); the snapshot itself when it names none."""
    if not snapshot.stored_texts:
        return snapshot
    return await asyncio.to_thread(_filled, store, snapshot)
