"""A project's lifetime budget holds like a task's or a goal's (a real Temporal server): its
tasks and their subtasks reserve each call first, stop at the cap without passing it while tasks
outside the project go on, and raising the cap lets them finish."""

import json

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.testing import WorkflowEnvironment

from paperclip.constants import task_workflow_id
from paperclip.models import (
    ApprovalKind,
    ApprovalStatus,
    Cap,
    CompanySpec,
    CreateTaskInput,
    RepositoryConfig,
    SetCapInput,
    TaskStatus,
    ToolCall,
)
from paperclip.models.projects import ProjectInput, ProjectStatus, ProjectUpdateInput
from paperclip.tools import DELEGATE_TASK
from tests.workflows.helpers import start_company, wait_for
from tests.workflows.stand_ins import ScriptedModel, stand_in_workers
from tests.workflows.test_budgets import held_by, looper, over
from workflows.company import CompanyWorkflow


async def test_a_project_cap_holds_its_tasks_and_their_subtasks_only_and_raising_it_lets_them_finish(
    dev_env: WorkflowEnvironment,
) -> None:
    model = ScriptedModel(talk_turns=20)  # 2,200 tokens a task
    hand_over = ToolCall(id="call-dev", name=DELEGATE_TASK, arguments={"agent": "dev", "title": "Build", "brief": "go"})
    model.plans["lead"] = [[hand_over]]
    agents = [looper("lead"), looper("dev", reports_to="lead"), looper("solo"), looper("other")]
    async with stand_in_workers(dev_env.client, model) as queue:
        company = await start_company(dev_env.client, queue, agents)
        await company.execute_update(
            CompanyWorkflow.create_project,
            ProjectInput(key="WEB", name="Website", lead="lead", budget=Cap(tokens=4_000)),
        )
        scope = "project:WEB"
        lead = await company.execute_update(
            CompanyWorkflow.create_task, CreateTaskInput(title="Ship", assignee="lead", project="WEB")
        )
        await company.execute_update(
            CompanyWorkflow.create_task, CreateTaskInput(title="Docs", assignee="solo", project="WEB")
        )
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Other", assignee="other"))
        snap = await wait_for(company, held_by(scope, while_done="other"), timeout=60)
        in_project = [t for t in snap.tasks if t.project == "WEB"]
        assert {t.assignee for t in in_project} == {"lead", "dev", "solo"}  # dev's subtask inherited it
        assert next(t for t in in_project if t.assignee == "dev").parent == lead.identifier
        cap = over(snap, scope)
        assert cap.spend.tokens == sum(t.usage.input_tokens + t.usage.output_tokens for t in in_project)
        assert 4_000 / 2 < cap.spend.tokens <= 4_000  # reserved before spending: never past the cap
        assert not any(t.status is TaskStatus.DONE for t in in_project)
        assert not snap.paused and all(a.pause_reason is None for a in snap.agents)
        override = [a for a in snap.approvals if a.kind is ApprovalKind.BUDGET_OVERRIDE]
        assert [a.status for a in override] == [ApprovalStatus.PENDING] and scope in override[0].title
        assert {t.identifier: t.held for t in snap.tasks if not t.status.is_terminal} == {
            t.identifier: f"budget ({scope})" for t in in_project if not t.status.is_terminal
        }

        await company.execute_update(CompanyWorkflow.set_cap, SetCapInput(scope=scope, cap=Cap(tokens=20_000)))
        snap = await wait_for(company, lambda s: all(t.status is TaskStatus.DONE for t in s.tasks), timeout=60)
    cap = over(snap, scope)
    assert not cap.stopped and cap.spend.tokens == 3 * 2_200
    assert [a.status for a in snap.approvals if a.kind is ApprovalKind.BUDGET_OVERRIDE] == [ApprovalStatus.APPROVED]


async def test_projects_refuse_unknown_links_and_closed_projects_take_no_tasks(dev_env: WorkflowEnvironment) -> None:
    async with stand_in_workers(dev_env.client, ScriptedModel()) as queue:
        company = await start_company(dev_env.client, queue, [looper("a")])
        await company.execute_update(CompanyWorkflow.create_project, ProjectInput(key="WEB", name="Website"))
        for update, bad, why in [
            (CompanyWorkflow.create_project, ProjectInput(key="WEB", name="Again"), "project 'WEB' already exists"),
            (CompanyWorkflow.create_project, ProjectInput(key="NEW", name="n", lead="zed"), "unknown agent 'zed'"),
            (CompanyWorkflow.create_project, ProjectInput(key="NEW", name="n", goals=["G9"]), "goal 'G9' not found"),
            (CompanyWorkflow.update_project, ProjectUpdateInput(key="NOPE", name="n"), "project 'NOPE' not found"),
            (CompanyWorkflow.set_cap, SetCapInput(scope="project:NOPE", cap=Cap(usd=1)), "project 'NOPE' not found"),
            (
                CompanyWorkflow.create_task,
                CreateTaskInput(title="t", assignee="a", project="NOPE"),
                "project 'NOPE' not found",
            ),
        ]:
            with pytest.raises(WorkflowUpdateFailedError) as refused:
                await company.execute_update(update, bad)  # type: ignore[arg-type]
            assert why in str(refused.value.cause)
        await company.execute_update(
            CompanyWorkflow.update_project, ProjectUpdateInput(key="WEB", status=ProjectStatus.CANCELLED)
        )
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await company.execute_update(
                CompanyWorkflow.update_project, ProjectUpdateInput(key="WEB", status=ProjectStatus.ACTIVE)
            )
        assert "project 'WEB' is cancelled" in str(refused.value.cause)
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await company.execute_update(
                CompanyWorkflow.create_task, CreateTaskInput(title="t", assignee="a", project="WEB")
            )
        assert "project 'WEB' is cancelled: it takes no new tasks" in str(refused.value.cause)


async def test_a_project_task_works_in_the_projects_workspace_and_others_in_the_companys(
    dev_env: WorkflowEnvironment,
) -> None:
    spec = CompanySpec(id="x", name="Acme", prefix="ACME", repository=RepositoryConfig(source="/srv/company"))
    async with stand_in_workers(dev_env.client, ScriptedModel()) as queue:
        company = await start_company(dev_env.client, queue, [looper("a")], spec=spec)
        web = RepositoryConfig(source="https://git.example.com/web.git", credential="git", base="main")
        await company.execute_update(
            CompanyWorkflow.create_project, ProjectInput(key="WEB", name="Website", workspace=web)
        )
        inside = await company.execute_update(
            CompanyWorkflow.create_task, CreateTaskInput(title="In", assignee="a", project="WEB")
        )
        outside = await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Out", assignee="a"))
        await wait_for(company, lambda s: all(t.status is not TaskStatus.QUEUED for t in s.tasks), timeout=60)
        company_id = company.id.split(":", 1)[1]
        given = {}
        for task in (inside, outside):
            handle = dev_env.client.get_workflow_handle(task_workflow_id(company_id, task.identifier))
            started = (await handle.fetch_history()).events[0].workflow_execution_started_event_attributes
            given[task.identifier] = json.loads(started.input.payloads[0].data)["repository"]["source"]
    assert given == {inside.identifier: web.source, outside.identifier: "/srv/company"}
