"""The company's agents: the list, filtered and paged, and one agent with its open tasks.
Hiring is `POST /companies/{company}/agents` (companies), the board's levers are in governance."""

from fastapi import APIRouter, Query

from api import agents
from api.agents import AgentList
from api.deps import ClientDep, StoreDep
from paperclip.models import SLUG, AgentDetail, AgentStatus, Role

router = APIRouter(prefix="/companies/{company}/agents", tags=["agents"])


@router.get("", response_model=AgentList)
async def list_agents(
    company: str,
    client: ClientDep,
    status: AgentStatus | None = None,
    role: Role | None = None,
    reports_to: str | None = Query(default=None, pattern=SLUG.pattern, description="The manager's agent name."),
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0),
) -> AgentList:
    """The agents as the company holds them now, in hiring order."""
    found, total = await agents.list_agents(
        client=client,
        company_id=company,
        status=status,
        role=role,
        reports_to=reports_to,
        limit=limit,
        offset=offset,
    )
    return AgentList(data=found, count=len(found), total=total)


@router.get("/{agent}", response_model=AgentDetail)
async def get_agent(company: str, agent: str, client: ClientDep, store: StoreDep) -> AgentDetail:
    """The agent's spec and state, this month's spend and its open tasks; 404 unknown agent."""
    return await agents.get_agent(client=client, store=store, company_id=company, agent=agent)
