"""Plain functions of a company's state for the dependencies between its tasks: which blockers a
task still waits for, whether a new edge closes a cycle, which queued tasks a failed blocker
leaves blocked, and the inputs a dependant is given as it starts.

The company carries a dependant's blockers as identifiers only. A blocker the company no longer
carries has finished (finished tasks leave the index at a continue-as-new): when it did, its
dependants either moved on (it was done) or were blocked (it was not).
"""

from collections.abc import Collection

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from paperclip.models import CompanyState, TaskRecord, TaskStatus
    from paperclip.models.dependencies import INPUT_EXCERPT, InputResult

ARROW = " → "


def waiting_on(state: CompanyState, record: TaskRecord) -> list[str]:
    """The blockers of `record` not done yet."""
    return [b for b in record.blocked_by if (t := state.tasks.get(b)) is not None and t.status is not TaskStatus.DONE]


def find_cycle(edges: dict[str, list[str]], start: str) -> list[str] | None:
    """A path of `edges` (task → the tasks it waits for) from `start` back to it, named from
    `start` to `start` (`[ACME-3, ACME-5, ACME-3]`); None when there is none."""
    path: list[str] = [start]
    seen: set[str] = set()

    def walk(node: str) -> bool:
        for nxt in edges.get(node, []):
            if nxt == start:
                path.append(nxt)
                return True
            if nxt in seen:
                continue
            seen.add(nxt)
            path.append(nxt)
            if walk(nxt):
                return True
            path.pop()
        return False

    return path if walk(start) else None


def open_edges(state: CompanyState) -> dict[str, list[str]]:
    """Who waits for whom among the tasks not finished (only those can be part of a cycle)."""
    return {t.identifier: list(t.blocked_by) for t in state.tasks.values() if t.blocked_by and not t.status.is_terminal}


def blocker_problem(state: CompanyState, dependant: str, blocker: str, *, met: Collection[str] = ()) -> str | None:
    """Why `dependant` cannot wait for `blocker` (None: it can): itself, another company's task,
    a task the company does not know, or one that failed or was cancelled. `met` names blockers
    the API found done in the store (they left the index)."""
    prefix = f"{state.spec.prefix}-"
    if blocker == dependant:
        return f"{dependant} cannot wait on itself"
    if not blocker.startswith(prefix):
        return f"blocker '{blocker}' is not a task of company '{state.spec.id}'"
    record = state.tasks.get(blocker)
    if record is None:
        return None if blocker in met else f"blocker '{blocker}' not found in company '{state.spec.id}'"
    if record.status in (TaskStatus.FAILED, TaskStatus.CANCELLED):
        return f"blocker {blocker} is {record.status}: nothing can wait on it"
    return None


def cycle_message(cycle: list[str]) -> str:
    return f"a dependency cycle: {ARROW.join(cycle)}"


def to_block(state: CompanyState, ended: TaskRecord) -> list[TaskRecord]:
    """The queued tasks that wait for `ended`, which failed or was cancelled (none when it is done)."""
    if ended.status not in (TaskStatus.FAILED, TaskStatus.CANCELLED):
        return []
    return [t for t in state.tasks.values() if t.status is TaskStatus.QUEUED and ended.identifier in t.blocked_by]


def inputs_of(state: CompanyState, record: TaskRecord) -> list[InputResult]:
    """The inputs `record` is given as it starts: each by identifier, with the start of its result
    when the company still carries it (else the store has it, for `read_task`)."""
    found = []
    for identifier in record.inputs:
        task = state.tasks.get(identifier)
        if task is None or identifier in state.stored_texts:
            found.append(InputResult(identifier=identifier, title=task.title if task else ""))
            continue
        result = task.result or ""
        found.append(
            InputResult(identifier=identifier, title=task.title, result=result[:INPUT_EXCERPT], size=len(result))
        )
    return found
