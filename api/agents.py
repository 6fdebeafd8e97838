"""The company's agents, as service functions: read from the shared recent snapshot
(`api.services.recent_snapshot`), so listing them on a busy company costs no extra query."""

from pydantic import BaseModel
from temporalio.client import Client

from api.errors import ApiError
from api.services import recent_snapshot
from paperclip.models import AgentDetail, AgentState, AgentStatus, Role
from paperclip.store import Store


class AgentList(BaseModel):
    """Agents in hiring order."""

    data: list[AgentState]
    count: int
    """Agents on this page."""
    total: int
    """Agents matching the filters, on every page."""


async def list_agents(
    *,
    client: Client,
    company_id: str,
    status: AgentStatus | None = None,
    role: Role | None = None,
    reports_to: str | None = None,
    limit: int = 100,
    offset: int = 0,
) -> tuple[list[AgentState], int]:
    """The company's agents in hiring order, filtered; returns (page, total matching)."""
    snapshot = await recent_snapshot(client=client, company_id=company_id)
    agents = [
        a
        for a in snapshot.agents
        if (status is None or a.status is status)
        and (role is None or a.spec.role is role)
        and (reports_to is None or a.spec.reports_to == reports_to)
    ]
    return agents[offset : offset + limit], len(agents)


async def get_agent(*, client: Client, store: Store, company_id: str, agent: str) -> AgentDetail:
    snapshot = await recent_snapshot(client=client, company_id=company_id, store=store)
    state = next((a for a in snapshot.agents if a.spec.name == agent), None)
    if state is None:
        raise ApiError(404, "not_found", f"agent '{agent}' not found")
    open_tasks = [t for t in snapshot.tasks if t.assignee == agent and not t.status.is_terminal]
    open_tasks.sort(key=lambda t: t.created_at)
    return AgentDetail(**state.model_dump(), month=snapshot.month, open_tasks=open_tasks)
