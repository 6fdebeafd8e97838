"""Dependencies between tasks, part of `CompanyWorkflow`: the checks of a new task's `blocked_by`
and `inputs` (unknown or another company's tasks, itself, a cycle — named), the `add_blocker`
update (the board's, or an agent's through its tool, within its own subtree of the org chart),
and what a blocker's end does to the queued tasks that wait for it.

A dependant waits queued (dispatch passes it over, `waiting.waiting_on`) and carries its blockers
as identifiers only. A blocker that fails or is cancelled leaves it blocked, with the reason, and
its assignee is told in the activity log.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from paperclip.models import CreateTaskInput, TaskRecord, TaskStatus
    from paperclip.models.dependencies import AddBlockerInput
    from workflows.company.core import CompanyCore, reject
    from workflows.company.idempotency import remembered_update
    from workflows.company.waiting import blocker_problem, cycle_message, find_cycle, open_edges
    from workflows.patches import DEPENDENCIES


class DependenciesPart(CompanyCore):
    """Task dependencies of `CompanyWorkflow` (see the module docstring)."""

    def _check_blockers(self, tasks: list[CreateTaskInput]) -> None:
        """Refuse blockers of new tasks (numbered in order from the next identifier, so one of a
        batch may name another) that are unknown, another company's, the task itself, failed or
        cancelled; inputs that are not blockers; and a cycle, which the message names."""
        counter, prefix = self.state.counter, self.state.spec.prefix
        planned = {f"{prefix}-{counter + 1 + i}": task for i, task in enumerate(tasks)}
        for identifier, task in planned.items():
            for blocker in task.blocked_by:
                if blocker in planned and blocker != identifier:
                    continue
                problem = blocker_problem(self.state, identifier, blocker, met=task.met)
                if problem is not None:
                    raise reject(problem)
            strays = [i for i in task.inputs if i not in task.blocked_by]
            if strays:
                raise reject(f"inputs {', '.join(strays)} of {identifier} are not among its blocked_by")
        edges = open_edges(self.state) | {i: list(t.blocked_by) for i, t in planned.items() if t.blocked_by}
        for identifier in planned:
            cycle = find_cycle(edges, identifier)
            if cycle is not None:
                raise reject(cycle_message(cycle))

    @remembered_update
    def add_blocker(self, input: AddBlockerInput) -> TaskRecord:
        """Make a queued task wait for another too (and take its result as an input, if asked); a
        repeat changes nothing (the tool's activity may ask twice)."""
        self._handled += 1
        workflow.patched(DEPENDENCIES)
        record = self.state.tasks[input.identifier]
        new_input = input.input and input.blocked_by not in record.inputs
        if input.blocked_by in record.blocked_by and not new_input:
            return record
        if input.blocked_by not in record.blocked_by:
            record.blocked_by.append(input.blocked_by)
        if new_input:
            record.inputs.append(input.blocked_by)
        record.updated_at = workflow.now()
        self._dirty.add(record.identifier)
        self._log(
            "task.blocker_added",
            actor=input.actor,
            task=record.identifier,
            agent=record.assignee,
            summary=f"{record.identifier} waits on {input.blocked_by}" + (" (its input)" if input.input else ""),
        )
        return record

    @add_blocker.validator
    def _validate_add_blocker(self, input: AddBlockerInput) -> None:
        record = self._open_task(input.identifier)
        if record.status is not TaskStatus.QUEUED:
            raise reject(f"{record.identifier} is {record.status}: only a queued task can be made to wait", "Conflict")
        if input.within is not None and record.assignee not in input.within:
            raise reject(f"{record.identifier} is {record.assignee}'s, outside {input.actor}'s team")
        problem = blocker_problem(self.state, record.identifier, input.blocked_by)
        if problem is not None:
            raise reject(problem)
        edges = open_edges(self.state)
        edges[record.identifier] = [*record.blocked_by, input.blocked_by]
        cycle = find_cycle(edges, record.identifier)
        if cycle is not None:
            raise reject(cycle_message(cycle))
