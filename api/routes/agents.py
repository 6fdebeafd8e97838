"""The company's agents: the list, filtered and paged, one agent with its open tasks, and its
configuration changed after hiring (`PATCH`), listed by revision and rolled back. Hiring is
`POST /companies/{company}/agents` (companies), the board's levers are in governance."""

from typing import Annotated, Any

from fastapi import APIRouter, Body, Path, Query

from api import agents
from api.agents import AgentList, RevisionList
from api.auth import CallerDep
from api.deps import ClientDep, SettingsDep, StoreDep
from paperclip.models import SLUG, AgentDetail, AgentStatus, ConfigureAgentResult, Role

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


@router.patch("/{agent}", response_model=ConfigureAgentResult)
async def configure_agent(
    company: str,
    agent: str,
    patch: Annotated[
        dict[str, Any],
        Body(
            description="A JSON merge patch (RFC 7396) of the agent's spec: objects merge, `null` puts a field back "
            "to its default, lists are replaced. `name`, `role`, `reports_to` and `template` are not configured.",
            openapi_examples={
                "model": {"summary": "Another model", "value": {"model": {"model": "gpt-4o"}}},
                "cli": {
                    "summary": "A CLI agent's tool",
                    "value": {"cli": {"model": "claude-sonnet-4-5", "permissions": "workspace-write"}},
                },
            },
        ),
    ],
    client: ClientDep,
    store: StoreDep,
    settings: SettingsDep,
    caller: CallerDep,
) -> ConfigureAgentResult:
    """Change an agent's configuration, checked as at hire, as a new revision (logged with what it
    changed). Tools, tool rules, hosts, permissions, budgets and heartbeat reach its running tasks
    at once; the rest applies from its next task. 422 for a field that is not one or a value the
    spec refuses; 403 for what only the board or an owner may change; 409 when the agent is
    terminated or was changed meanwhile. A patch that changes nothing answers with no changes."""
    return await agents.configure_agent(
        client=client, store=store, settings=settings, caller=caller, company_id=company, agent=agent, patch=patch
    )


@router.get("/{agent}/revisions", response_model=RevisionList)
async def list_revisions(
    company: str,
    agent: str,
    client: ClientDep,
    store: StoreDep,
    limit: int = Query(default=100, ge=1, le=1000),
    offset: int = Query(default=0, ge=0),
) -> RevisionList:
    """Every configuration the agent had, oldest first: as hired, then one per configure or rollback."""
    return await agents.list_revisions(
        client=client, store=store, company_id=company, agent=agent, limit=limit, offset=offset
    )


@router.post("/{agent}/revisions/{revision}/restore", response_model=ConfigureAgentResult)
async def restore_revision(
    company: str,
    agent: str,
    revision: Annotated[int, Path(ge=1, le=2**31 - 1)],
    client: ClientDep,
    store: StoreDep,
    settings: SettingsDep,
    caller: CallerDep,
) -> ConfigureAgentResult:
    """Roll the agent back to the configuration of a former revision, as a new revision (checked
    as a configure is); its place in the org chart stays. 404 for a revision it never had."""
    return await agents.restore_revision(
        client=client,
        store=store,
        settings=settings,
        caller=caller,
        company_id=company,
        agent=agent,
        revision=revision,
    )
