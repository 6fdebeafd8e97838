"""Companies and their agents."""

from fastapi import APIRouter, status

from api import services
from api.deps import ClientDep, ContextDep, SettingsDep, StoreDep
from api.schemas import CompanyCreate, CompanyCreated, CompanyList
from paperclip.models import AgentSpec, AgentState, CompanySnapshot

router = APIRouter(prefix="/companies", tags=["companies"])


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CompanyCreated)
async def create_company(
    body: CompanyCreate, client: ClientDep, store: StoreDep, context: ContextDep
) -> CompanyCreated:
    """Found a company and start its workflow; 409 when the id is taken."""
    return await services.create_company(
        client=client, store=store, task_queue=context.task_queue, body=body, prices=context.settings.prices
    )


@router.get("", response_model=CompanyList)
async def list_companies(store: StoreDep) -> CompanyList:
    companies = await services.list_companies(store=store)
    return CompanyList(data=companies, count=len(companies))


@router.get("/{company}", response_model=CompanySnapshot)
async def get_company(company: str, client: ClientDep) -> CompanySnapshot:
    """The company as its workflow holds it now: agents, open tasks, recent activity, spend."""
    return await services.get_snapshot(client=client, company_id=company)


@router.post("/{company}/agents", status_code=status.HTTP_201_CREATED, response_model=AgentState)
async def hire_agent(company: str, agent: AgentSpec, client: ClientDep, settings: SettingsDep) -> AgentState:
    """Hire an agent; 400 when the org chart would break (unknown manager, cycle, second CEO)."""
    return await services.hire_agent(client=client, company_id=company, agent=agent, prices=settings.prices)
