"""The emergency brake in the company workflow: a pause marked as the brake's, lifted only by the
brake's resume, and not lifted by the budget."""

import asyncio

import pytest
from temporalio.client import WorkflowUpdateFailedError
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment

from paperclip.models import (
    AgentSpec,
    Budget,
    BudgetRequest,
    CompanyActionInput,
    CompanySpec,
    SetBudgetInput,
    Usage,
)
from tests.workflows.helpers import start_company
from tests.workflows.stand_ins import ScriptedModel, stand_in_workers
from workflows.company import CompanyWorkflow

BRAKE = CompanyActionInput(reason="incident 42", brake=True)


async def test_only_the_brakes_resume_lifts_the_brakes_pause(dev_env: WorkflowEnvironment) -> None:
    async with stand_in_workers(dev_env.client, ScriptedModel()) as queue:
        company = await start_company(dev_env.client, queue, [AgentSpec(name="ceo", role="ceo")])
        await company.execute_update(CompanyWorkflow.pause_company, CompanyActionInput(reason="by hand"))
        with pytest.raises(WorkflowUpdateFailedError) as refused:
            await company.execute_update(CompanyWorkflow.resume_company, BRAKE)
        assert isinstance(refused.value.cause, ApplicationError) and refused.value.cause.type == "Conflict"
        assert refused.value.cause.message == "the company was paused by hand, not by the emergency brake"
        await company.execute_update(CompanyWorkflow.resume_company, CompanyActionInput())

        await company.execute_update(CompanyWorkflow.pause_company, BRAKE)
        snap = await company.query(CompanyWorkflow.snapshot)
        assert snap.paused and snap.pause_reason == "brake"
        await company.execute_update(CompanyWorkflow.resume_company, BRAKE)
        snap = await company.query(CompanyWorkflow.snapshot)
        assert not snap.paused and snap.pause_reason is None


async def test_a_budget_refusal_under_the_brake_leaves_the_brake_on(dev_env: WorkflowEnvironment) -> None:
    """A call the company's budget refuses while the brake holds the company (a request sent just
    before the hold) does not turn the brake into a budget stop, which a raise would lift."""
    spec = CompanySpec(id="x", name="Acme", prefix="ACME", budget=Budget(monthly_tokens=1_000))
    async with stand_in_workers(dev_env.client, ScriptedModel()) as queue:
        company = await start_company(dev_env.client, queue, [AgentSpec(name="ceo", role="ceo")], spec=spec)
        await company.execute_update(CompanyWorkflow.pause_company, BRAKE)
        request = BudgetRequest(
            identifier="ACME-9", seq=1, agent="ceo", usd=0.0, tokens=5_000, used=Usage(), used_usd=0.0
        )
        await company.signal(CompanyWorkflow.request_budget, request)
        await asyncio.sleep(1.0)  # the refusal is sent (to a task that is not there) and handled
        snap = await company.query(CompanyWorkflow.snapshot)
        assert snap.paused and snap.pause_reason == "brake" and snap.approvals == []
        raised = SetBudgetInput(scope="company", monthly_usd=None, monthly_tokens=100_000)
        await company.execute_update(CompanyWorkflow.set_budget, raised)
        snap = await company.query(CompanyWorkflow.snapshot)
        assert snap.paused and snap.pause_reason == "brake"
        await company.execute_update(CompanyWorkflow.resume_company, BRAKE)
        assert not (await company.query(CompanyWorkflow.snapshot)).paused
