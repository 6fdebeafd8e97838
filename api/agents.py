"""The company's agents, as service functions: read from the shared recent snapshot
(`api.services.recent_snapshot`), so listing them on a busy company costs no extra query; and
configured after hiring (`configure_agent`, `restore_revision`), each change a revision of the
agent's spec (`list_revisions`), checked as a hire is (`api.agent_checks.check_change`)."""

import asyncio
from typing import Any

from pydantic import BaseModel
from temporalio.client import Client

from api.agent_checks import check_change
from api.auth import Caller
from api.errors import ApiError
from api.governance import _update
from api.services import _company_handle, check_keys, get_snapshot, recent_snapshot
from paperclip.configure import ConfigError, configured, restored
from paperclip.keyring import Keyring
from paperclip.models import (
    AgentDetail,
    AgentRevision,
    AgentSpec,
    AgentState,
    AgentStatus,
    CompanySnapshot,
    ConfigureAgentInput,
    ConfigureAgentResult,
    Role,
    SpecChange,
)
from paperclip.pricing import priced
from paperclip.settings import Settings
from paperclip.store import Store
from workflows.company import CompanyWorkflow


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


# ---------------------------------------------------------------------- configure and revisions


class RevisionList(BaseModel):
    """An agent's revisions, oldest first (`current`: the one it has now)."""

    data: list[AgentRevision]
    count: int
    """Revisions on this page."""
    total: int
    current: int
    """The revision the agent has now."""


async def _current(client: Client, company_id: str, agent: str) -> tuple[AgentState, CompanySnapshot]:
    """The agent as its company holds it now (not a shared snapshot: a change starts from it)."""
    snapshot = await get_snapshot(client=client, company_id=company_id)
    state = next((a for a in snapshot.agents if a.spec.name == agent), None)
    if state is None:
        raise ApiError(404, "not_found", f"agent '{agent}' not found")
    return state, snapshot


async def _change(
    *,
    client: Client,
    store: Store,
    settings: Settings,
    caller: Caller,
    company_id: str,
    current: AgentState,
    spec: AgentSpec,
    restored_from: int | None = None,
) -> ConfigureAgentResult:
    """Check the change of `current` to `spec` as at hire and make it; nothing to change: say so."""
    spec = priced(spec, settings.prices)
    if spec == current.spec:
        return ConfigureAgentResult(agent=current, revision=current.revision)
    team = await asyncio.to_thread(store.company_team, company_id)
    keyring = Keyring(store, settings)
    await check_change(
        current.spec, spec, caller=caller, team=team, company_id=company_id, settings=settings, keyring=keyring
    )
    await check_keys(keyring=keyring, team=team, agents=[spec])
    update = ConfigureAgentInput(agent=spec, revision=current.revision, actor=caller.actor, restored_from=restored_from)
    handle = _company_handle(client, company_id)
    return await _update(client, company_id, handle.execute_update(CompanyWorkflow.configure_agent, update))


async def configure_agent(
    *,
    client: Client,
    store: Store,
    settings: Settings,
    caller: Caller,
    company_id: str,
    agent: str,
    patch: dict[str, Any],
) -> ConfigureAgentResult:
    """Apply `patch` (a JSON merge patch of the spec, `paperclip.configure`) to the agent.

    Raises:
        ApiError: 404 unknown agent; 422 a field that is not one, or a value the spec refuses; 403
            a change the caller may not make (`check_change`); 400 a key not bound where it would
            go; 409 the agent is terminated or was changed meanwhile.
    """
    current, _ = await _current(client, company_id, agent)
    try:
        spec = configured(current.spec, patch)
    except ConfigError as err:
        raise ApiError(422, "invalid_input", f"agent {agent}: {err}", {"problems": err.problems}) from None
    return await _change(
        client=client, store=store, settings=settings, caller=caller, company_id=company_id, current=current, spec=spec
    )


async def restore_revision(
    *, client: Client, store: Store, settings: Settings, caller: Caller, company_id: str, agent: str, revision: int
) -> ConfigureAgentResult:
    """Give the agent the configuration of its `revision` again, as a new revision (a change like
    any configure, checked the same way). Its place in the org chart stays as it is now.

    Raises:
        ApiError: 404 for an unknown agent or revision, and as `configure_agent`.
    """
    current, snapshot = await _current(client, company_id, agent)
    former = next((r for r in await _revisions(store, snapshot, current) if r.revision == revision), None)
    if former is None:
        former = await asyncio.to_thread(store.get_agent_revision, company_id, agent, revision)
    if former is None:
        raise ApiError(404, "not_found", f"agent {agent} has no revision {revision} (it is at {current.revision})")
    return await _change(
        client=client,
        store=store,
        settings=settings,
        caller=caller,
        company_id=company_id,
        current=current,
        spec=restored(current.spec, former.spec),
        restored_from=revision,
    )


async def list_revisions(
    *, client: Client, store: Store, company_id: str, agent: str, limit: int = 100, offset: int = 0
) -> RevisionList:
    """The agent's revisions, oldest first, from the store; the one it has now is there even
    before the company's next write reaches the store (then read from the company)."""
    current, snapshot = await _current(client, company_id, agent)
    stored, total = await asyncio.to_thread(store.list_agent_revisions, company_id, agent, limit=limit, offset=offset)
    pending = [r for r in await _revisions(store, snapshot, current) if r.revision > total]
    page = (stored + pending)[: max(0, limit)]
    return RevisionList(data=page, count=len(page), total=total + len(pending), current=max(current.revision, 1))


async def _revisions(store: Store, snapshot: CompanySnapshot, current: AgentState) -> list[AgentRevision]:
    """The agent's revision now, when the store does not hold it yet: the company writes it with
    its next record batch (its log entry, in the company's recent activity, says who made it and
    what it changed); an agent hired before revisions were kept is shown as its revision 1."""
    company, name, number = snapshot.spec.id, current.spec.name, max(current.revision, 1)
    if await asyncio.to_thread(store.get_agent_revision, company, name, number) is not None:
        return []
    kinds = {"agent.configured", "agent.hired"}
    entry = next(
        (
            e
            for e in reversed(snapshot.recent)
            if e.kind in kinds and e.agent == name and e.data.get("revision", 1) == number
        ),
        None,
    )
    data = entry.data if entry is not None else {}
    return [
        AgentRevision(
            company_id=company,
            agent=name,
            revision=number,
            at=entry.at if entry is not None else None,
            actor=entry.actor if entry is not None else "",
            spec=current.spec,
            changes=[SpecChange.model_validate(c) for c in data.get("changes", [])],
            restored_from=data.get("restored_from"),
        )
    ]
