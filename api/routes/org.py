"""`GET /api/companies/{company}/org`: the org chart as a tree, from the live snapshot."""

from fastapi import APIRouter
from pydantic import BaseModel, Field

from api import services
from api.deps import ClientDep
from paperclip.models import AgentState, AgentStatus, RetryState, Role, TaskRecord

router = APIRouter(prefix="/companies/{company}", tags=["org"])


class OrgNode(BaseModel):
    """An agent and, nested, the agents who report to it (in hiring order)."""

    name: str
    role: Role
    title: str
    status: AgentStatus
    pause_reason: str | None = None
    """`budget` when its budget (or the company's) stopped it."""
    capabilities: str
    model: str
    """What runs its turns: `provider/model`, or a CLI or HTTP agent's adapter (`claude`,
    `codex/gpt-5`, `http`; `AgentSpec.runs_on`)."""
    adapter: str = "model"
    """`model`, or the tool it runs on: `claude`, `codex`, `opencode`, `process`, `http`."""
    simulated: bool
    """It runs on the offline simulated model (never a CLI or HTTP agent)."""
    running: int
    retrying: dict[str, RetryState] = Field(default_factory=dict)
    """Its tasks trying a failed turn again, by identifier: the attempt, when, and the last
    failure (an agent retrying against an endpoint that is down is not simply `running`)."""
    cost_usd: float
    heartbeat_seconds: int | None = None
    """How often it wakes on its own; None: only when work reaches it."""
    wakes: int = 0
    """Heartbeat wakes that found work."""
    skipped_wakes: int = 0
    """Heartbeat wakes that found none (and spent nothing)."""
    reports: list["OrgNode"] = Field(default_factory=list)


class OrgChart(BaseModel):
    company_id: str
    data: list[OrgNode]
    """The roots: the CEO first, then any agent who reports to nobody."""
    count: int
    """Agents in the chart."""


def org_tree(agents: list[AgentState], tasks: list[TaskRecord] | None = None) -> list[OrgNode]:
    """The chart's roots with their reports nested (with `tasks`, each agent's retrying ones). An
    agent whose manager is missing is a root."""
    retrying: dict[str, dict[str, RetryState]] = {}
    for task in tasks or []:
        if task.retry is not None and not task.status.is_terminal:
            retrying.setdefault(task.assignee, {})[task.identifier] = task.retry
    names = {a.spec.name for a in agents}
    reports: dict[str | None, list[AgentState]] = {}
    for agent in agents:
        manager = agent.spec.reports_to if agent.spec.reports_to in names else None
        reports.setdefault(manager, []).append(agent)

    def node(agent: AgentState, seen: frozenset[str]) -> OrgNode:
        below = [a for a in reports.get(agent.spec.name, []) if a.spec.name not in seen]
        return OrgNode(
            name=agent.spec.name,
            role=agent.spec.role,
            title=agent.spec.title,
            status=agent.status,
            pause_reason=agent.pause_reason,
            capabilities=agent.spec.capabilities,
            model=agent.spec.runs_on,
            adapter=agent.spec.adapter.label,
            simulated=agent.spec.is_simulated,
            running=agent.running,
            retrying=retrying.get(agent.spec.name, {}),
            cost_usd=agent.cost_usd,
            heartbeat_seconds=agent.spec.heartbeat.interval_seconds,
            wakes=agent.wakes,
            skipped_wakes=agent.skipped_wakes,
            reports=[node(a, seen | {a.spec.name}) for a in below],
        )

    roots = sorted(reports.get(None, []), key=lambda a: a.spec.role is not Role.CEO)  # stable: hiring order
    return [node(a, frozenset({a.spec.name})) for a in roots]


@router.get("/org", response_model=OrgChart)
async def get_org(company: str, client: ClientDep) -> OrgChart:
    """Who reports to whom, with each agent's status, model and spend."""
    snapshot = await services.get_snapshot(client=client, company_id=company)
    return OrgChart(
        company_id=snapshot.spec.id, data=org_tree(snapshot.agents, snapshot.tasks), count=len(snapshot.agents)
    )
