"""What the company carries of its tasks' texts across continue-as-new.

A task's brief and result can be long (a brief up to 100,000 characters, a result as long as the
agent wrote it), and a company carries hundreds of open tasks: carried whole, they would make the
next run's input tens of megabytes, past what Temporal accepts. The store's `tasks` table holds
every record the company wrote (the `record` activity), so a long text whose record is written
is carried by reference: the task's identifier in `CompanyState.stored_texts`. Dispatch reads a
queued task's brief back (the `task_brief` activity) to start its workflow; the API fills the
snapshot's texts in from the store, so readers see what they saw before.
"""

from paperclip.models import CompanyState, TaskRecord

CARRIED_TEXT_LIMIT = 1_000
"""Characters of a brief or result carried as they are; a longer one stays in the store (a short
text costs less carried than read back)."""


def is_long(record: TaskRecord) -> bool:
    """Whether the record's brief or result is too long to carry."""
    return len(record.brief) > CARRIED_TEXT_LIMIT or len(record.result or "") > CARRIED_TEXT_LIMIT


def leave_texts(state: CompanyState, written: set[str]) -> None:
    """Carry `state`'s tasks without their long texts, when their records are `written` to the
    store (the others keep theirs); `state.tasks` gets copies, and `state.stored_texts` names
    every task carried without its texts (sorted: the input is the same on every worker)."""
    stored = {i for i in state.stored_texts if i in state.tasks}
    for identifier, record in state.tasks.items():
        if identifier in written and is_long(record):
            state.tasks[identifier] = record.model_copy(update={"brief": "", "result": None})
            stored.add(identifier)
    state.stored_texts = sorted(stored)
