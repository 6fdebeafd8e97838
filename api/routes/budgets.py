"""Monthly budgets (the company's and each agent's) and lifetime caps (a task's, a goal's), with
their spend; set one."""

from typing import Literal

from fastapi import APIRouter, Response, status

from api import budgets
from api.auth import CallerDep
from api.budgets import BudgetBody, CapBody
from api.deps import ClientDep
from paperclip.models import BudgetLine, BudgetReport, CapLine

router = APIRouter(prefix="/companies/{company}/budgets", tags=["budgets"])


@router.get("", response_model=BudgetReport)
async def get_budgets(company: str, client: ClientDep) -> BudgetReport:
    """The company's budget, then each agent's: caps, spent, reserved, share and status, with
    the warnings of this month."""
    return await budgets.get_budgets(client=client, company_id=company)


@router.put(
    "/{kind}/{key}",
    response_model=CapLine,
    responses={status.HTTP_204_NO_CONTENT: {"description": "The cap was dropped."}},
)
async def set_cap(
    company: str,
    kind: Literal["tasks", "goals", "projects"],
    key: str,
    body: CapBody,
    client: ClientDep,
    caller: CallerDep,
) -> CapLine | Response:
    """Replace the lifetime cap of a task (with its subtasks: `tasks/ACME-3`), of a goal (with the
    goals under it: `goals/G2`) or of a project (`projects/WEB`); both kinds null drops it (204).
    Tasks it held go on once it leaves room. 404 unknown task, goal or project, 409 finished task
    or archived company."""
    scope = f"{kind[:-1]}:{key}"
    line = await budgets.set_cap(client=client, actor=caller.actor, company_id=company, scope=scope, body=body)
    return Response(status_code=status.HTTP_204_NO_CONTENT) if line is None else line


@router.put("/{scope}", response_model=BudgetLine)
async def set_budget(company: str, scope: str, body: BudgetBody, client: ClientDep, caller: CallerDep) -> BudgetLine:
    """Replace the monthly budget of `company` or of an agent (null: no cap of that kind); a scope
    paused by its budget resumes when the new one leaves room. 404 unknown agent, 409 terminated
    agent or archived company."""
    return await budgets.set_budget(
        client=client,
        actor=caller.actor,
        company_id=company,
        scope=scope,
        monthly_usd=body.monthly_usd,
        monthly_tokens=body.monthly_tokens,
    )
