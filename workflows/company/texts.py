"""What the company carries of its tasks' texts across continue-as-new.

A task's brief and result can be long (a brief up to 100,000 characters, a result as long as the
agent wrote it), and a company carries hundreds of open tasks: carried whole, they would make the
next run's input tens of megabytes, past what Temporal accepts. The store's `tasks` table holds
every record the company wrote (the `record` activity), so a long text whose record is written
is carried by reference: the task's identifier in `CompanyState.stored_texts`. Dispatch reads a
queued task's brief back (the `task_brief` activity) to start its workflow; the API fills the
snapshot's texts in from the store, so readers see what they saw before.

An approval's details are free text up to 100,000 characters too, and a company carries every
pending approval: the store's `approvals` table holds each approval's details as asked (the
`record` activity writes a new approval with the next batch), so long details written there
are carried by reference the same way (`CompanyState.stored_approvals`). The company itself
never reads them back (its decisions and answers need only the approval's id, kind, title and
status); the API fills them in. A hire's agent spec stays carried: the company carries the
pending agent's spec in its org chart anyway, and deciding the hire needs its name.
"""

from paperclip.models import Approval, CompanyState, TaskRecord

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


def shown_texts(state: CompanyState, tasks: list[TaskRecord], written: set[str]) -> tuple[list[TaskRecord], list[str]]:
    """`tasks` as the snapshot shows them: long texts the store holds (`written`, or left at a
    continue-as-new) by reference, so that a query's answer stays small however many long texts
    the run holds; and the identifiers of the tasks shown so (the API fills their texts in)."""
    stored = {i for i in state.stored_texts if i in state.tasks}
    shown: list[TaskRecord] = []
    for task in tasks:
        if task.identifier in written and is_long(task):
            task = task.model_copy(update={"brief": "", "result": None})
            stored.add(task.identifier)
        shown.append(task)
    return shown, sorted(stored)


def is_long_approval(approval: Approval) -> bool:
    """Whether the approval's details are too long to carry."""
    return len(approval.details) > CARRIED_TEXT_LIMIT


def leave_details(state: CompanyState, written: set[str]) -> None:
    """Carry `state`'s approvals without their long details, when they are `written` to the
    store (the others keep theirs); `state.approvals` gets copies, and `state.stored_approvals`
    names every approval carried without its details (sorted, like `stored_texts`)."""
    stored = {i for i in state.stored_approvals if i in state.approvals}
    for identifier, approval in state.approvals.items():
        if identifier in written and is_long_approval(approval):
            state.approvals[identifier] = approval.model_copy(update={"details": ""})
            stored.add(identifier)
    state.stored_approvals = sorted(stored)


def shown_approvals(state: CompanyState, written: set[str]) -> tuple[list[Approval], list[str]]:
    """The approvals as the snapshot shows them: long details the store holds (`written`, or left
    at a continue-as-new) by reference, so that a query's answer stays small; and the ids of the
    approvals shown so (the API fills their details in)."""
    stored = set(state.stored_approvals)
    shown: list[Approval] = []
    for approval in state.approvals.values():
        if approval.id in written and is_long_approval(approval):
            approval = approval.model_copy(update={"details": ""})
            stored.add(approval.id)
        shown.append(approval)
    return shown, sorted(stored & set(state.approvals))
