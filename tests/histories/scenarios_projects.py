"""A scenario of projects for the replay corpus, beside `tests.histories.scenarios` (which
registers it in `SCENARIOS`)."""

from paperclip.models import AgentSpec, Cap, CreateTaskInput, SetCapInput, TaskStatus
from paperclip.models.projects import ProjectInput, ProjectUpdateInput
from tests.histories.stage import Company, Stage
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow

TIMEOUT = 60


async def projects(stage: Stage, agents: list[AgentSpec]) -> Company:
    """A project with a lifetime budget too small for the CEO's first call: the project's task
    (with labels) is refused and held, a task outside it runs; the board changes the project and
    raises its cap, and the tree (the reports' subtasks in the project too) finishes."""
    company = await stage.start_company("projects", agents)
    await company.execute_update(
        CompanyWorkflow.create_project,
        ProjectInput(key="WEB", name="Website", lead="ceo", goals=["G1"], budget=Cap(tokens=100)),
    )
    await company.execute_update(
        CompanyWorkflow.create_task,
        CreateTaskInput(title="Launch", assignee="ceo", project="WEB", labels=["launch", "web"]),
    )
    await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Audit", assignee="cto"))
    await wait_for(
        company,
        lambda s: (
            any(c.scope == "project:WEB" and c.stopped for c in s.caps)
            and any(t.title == "Audit" and t.status is TaskStatus.DONE for t in s.tasks)
        ),
        timeout=TIMEOUT,
    )
    await company.execute_update(
        CompanyWorkflow.update_project, ProjectUpdateInput(key="WEB", description="The new site", clear=["lead"])
    )
    await company.execute_update(CompanyWorkflow.set_cap, SetCapInput(scope="project:WEB", cap=Cap(tokens=10_000_000)))
    snap = await wait_for(
        company, lambda s: len(s.tasks) == 4 and all(t.status is TaskStatus.DONE for t in s.tasks), timeout=TIMEOUT
    )
    assert sorted(t.project or "-" for t in snap.tasks) == ["-", "WEB", "WEB", "WEB"], snap.tasks
    return company
