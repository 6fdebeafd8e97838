"""Monthly budgets: the company's and each agent's, with this month's spend; set one."""

from fastapi import APIRouter

from api import budgets
from api.auth import CallerDep
from api.budgets import BudgetBody, BudgetLine, BudgetReport
from api.deps import ClientDep

router = APIRouter(prefix="/companies/{company}/budgets", tags=["budgets"])


@router.get("", response_model=BudgetReport)
async def get_budgets(company: str, client: ClientDep) -> BudgetReport:
    """The company's budget, then each agent's: caps, spent, reserved, share and status, with
    the warnings of this month."""
    return await budgets.get_budgets(client=client, company_id=company)


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
