"""The task dependencies' recording scenario (`deps`), beside `tests.histories.scenarios`."""

import json

from paperclip.models import (
    AgentSpec,
    CompanyActionInput,
    CreateTaskInput,
    CreateTasksInput,
    Role,
    TaskActionInput,
    TaskStatus,
)
from tests.histories.stage import Company, Stage
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow

TIMEOUT = 60


async def deps(stage: Stage) -> Company:
    """Queued while the company is paused: the lead's plan (ACME-1), a draft waiting on it with
    its result as input (ACME-2), a review waiting on the draft (ACME-3), an extra task of ben's
    waiting on the plan (ACME-4), a spike (ACME-5) and a follow-up waiting on it (ACME-6). Once
    resumed, the lead's first turn makes ACME-4 also wait on the draft, by its `add_blocker` tool;
    the board cancels the queued spike, which leaves the follow-up blocked, then cancels that. The
    chain runs in order: plan, draft, then review and extra."""
    lead = AgentSpec(name="lead", role=Role.CEO, model=stage.fake_model(), tools=["add_blocker"])
    team = [lead] + [AgentSpec(name=n, role=Role.GENERAL, reports_to="lead") for n in ("ana", "ben")]
    company = await stage.start_company("deps", team)
    await company.execute_update(CompanyWorkflow.pause_company, CompanyActionInput(reason="planning"))
    tasks = [
        CreateTaskInput(title="Plan", assignee="lead"),
        CreateTaskInput(title="Draft", assignee="ana", blocked_by=["ACME-1"], inputs=["ACME-1"]),
        CreateTaskInput(title="Review", assignee="ben", blocked_by=["ACME-2"], inputs=["ACME-2"]),
        CreateTaskInput(title="Extra", assignee="ben", blocked_by=["ACME-1"]),
        CreateTaskInput(title="Spike", assignee="ana", blocked_by=["ACME-1"]),
        CreateTaskInput(title="Follow the spike", assignee="ben", blocked_by=["ACME-5"]),
    ]
    await company.execute_update(CompanyWorkflow.create_tasks, CreateTasksInput(tasks=tasks))
    await company.execute_update(CompanyWorkflow.cancel_task, TaskActionInput(identifier="ACME-5"))
    snap = await wait_for(company, lambda s: status(s, "ACME-6") is TaskStatus.BLOCKED, timeout=TIMEOUT)
    await company.execute_update(CompanyWorkflow.cancel_task, TaskActionInput(identifier="ACME-6"))
    stage.server.call_next("add_blocker", json.dumps({"task": "ACME-4", "blocked_by": "ACME-2", "input": True}))
    await company.execute_update(CompanyWorkflow.resume_company, CompanyActionInput())
    snap = await wait_for(company, lambda s: all(t.status.is_terminal for t in s.tasks), timeout=TIMEOUT)
    tasks_now = {t.identifier: t for t in snap.tasks}
    assert [tasks_now[f"ACME-{n}"].status for n in range(1, 7)] == [TaskStatus.DONE] * 4 + [TaskStatus.CANCELLED] * 2
    assert tasks_now["ACME-4"].blocked_by == ["ACME-1", "ACME-2"], tasks_now["ACME-4"]
    assert tasks_now["ACME-2"].updated_at <= tasks_now["ACME-3"].updated_at
    return company


def status(snap, identifier: str) -> TaskStatus | None:
    found = [t.status for t in snap.tasks if t.identifier == identifier]
    return found[0] if found else None
