"""Companies and their agents."""

import asyncio

from fastapi import APIRouter, Query, Response, status

from api import services
from api.agent_checks import check_agents, may_grant_powers
from api.auth import Caller, CallerDep
from api.deps import ClientDep, ContextDep, SettingsDep, StoreDep
from api.errors import ApiError
from api.idempotency import IdempotencyDep
from api.recent import RECENT
from api.schemas import CompanyCreate, CompanyCreated, CompanyList, CompanyListed, CompanyPublic, slug_from_name
from api.tool_checks import check_tooling
from paperclip.keyring import Keyring
from paperclip.lifecycle.deletion import CompanyDeletion, CompanyNotFound, delete_company
from paperclip.models import AgentSpec, AgentState, CompanySnapshot
from paperclip.store import Store

router = APIRouter(prefix="/companies", tags=["companies"])
# The company workflows a listing reads at once for their status.
STANDING_READS = 8


@router.post("", status_code=status.HTTP_201_CREATED, response_model=CompanyCreated)
async def create_company(
    body: CompanyCreate, client: ClientDep, store: StoreDep, context: ContextDep, caller: CallerDep, key: IdempotencyDep
) -> CompanyCreated:
    """Found a company (for a team) and start its workflow; 409 when the id is taken (unless by
    this request's first attempt, with the same `Idempotency-Key`)."""
    team = await _owning_team(body.team, caller, store)
    company_id = body.id or slug_from_name(body.name)
    keyring = Keyring(store, context.settings)
    await check_agents(
        body.agents, caller=caller, team=team, company_id=company_id, settings=context.settings, keyring=keyring
    )
    await asyncio.to_thread(
        check_tooling,
        repository=body.repository,
        rules=body.tool_policy,
        where=f"company {company_id}",
        owner=may_grant_powers(caller, team),
        actor=caller.actor,
        team=team,
        company_id=company_id,
        settings=context.settings,
        keyring=keyring,
    )
    created = await services.create_company(
        client=client,
        store=store,
        task_queue=context.task_queue,
        body=body,
        prices=context.settings.prices,
        actor=caller.actor,
        keyring=keyring,
        team=team,
        key=key,
    )
    if team is not None:
        await asyncio.to_thread(store.set_company_team, created.id, team)
    return created


async def _owning_team(team: str | None, caller: Caller, store: Store) -> str | None:
    if caller.is_board:
        if team is not None and not await asyncio.to_thread(store.team_exists, team):
            raise ApiError(400, "invalid_input", f"team '{team}' does not exist")
        return team
    changers = sorted(t for t in caller.roles if caller.may_change(t))
    if team is None:
        if len(changers) != 1:
            raise ApiError(400, "invalid_input", f"say which team owns it: one of {', '.join(changers) or 'none'}")
        return changers[0]
    if team not in changers:
        raise ApiError(403, "forbidden", f"{caller.user} may not found companies for team '{team}'")
    return team


@router.get("", response_model=CompanyList)
async def list_companies(
    store: StoreDep,
    client: ClientDep,
    caller: CallerDep,
    limit: int | None = Query(default=None, ge=1, le=1000, description="At most this many; absent: every one."),
    offset: int = Query(default=0, ge=0),
    with_status: bool = Query(
        default=True, description="Read each company's status from its workflow; false: leave it out (null)."
    ),
) -> CompanyList:
    """The companies the caller may see (all for the board, its teams' for a user), oldest
    first, each with its status (read from its workflow, at most `STANDING_READS` at once; a
    caller that needs only the list, as the dashboard's company picker on every page, asks
    `with_status=false`). Without `limit` the list is whole, as callers written before paging expect."""
    companies = await services.list_companies(store=store)
    if not caller.is_board:
        visible = await asyncio.to_thread(store.companies_of, caller.roles)
        companies = [c for c in companies if c.id in visible]
    page = companies[offset : None if limit is None else offset + limit]
    if not with_status:
        return CompanyList(
            data=[CompanyListed(**c.model_dump(), status=None) for c in page], count=len(page), total=len(companies)
        )
    reading = asyncio.Semaphore(STANDING_READS)

    async def listed(company: CompanyPublic) -> CompanyListed:
        async with reading:
            try:
                snapshot = await services.recent_snapshot(client=client, company_id=company.id)
            except Exception:  # noqa: BLE001 (its workflow gone or unreadable: the list still answers)
                return CompanyListed(**company.model_dump(), status="unknown")
        if snapshot.archived:
            return CompanyListed(**company.model_dump(), status="archived")
        if snapshot.paused:
            return CompanyListed(**company.model_dump(), status="paused", pause_reason=snapshot.pause_reason)
        return CompanyListed(**company.model_dump(), status="active")

    data = list(await asyncio.gather(*(listed(company) for company in page)))
    return CompanyList(data=data, count=len(data), total=len(companies))


@router.get("/{company}", response_model=CompanySnapshot)
async def get_company(company: str, client: ClientDep, store: StoreDep) -> Response:
    """The company as its workflow holds it now: agents, open tasks, recent activity, spend."""

    async def encoded() -> bytes:
        snapshot = await services.recent_snapshot(client=client, company_id=company, store=store)
        # Filled in: nothing to say.
        return snapshot.model_dump_json(exclude={"stored_texts", "stored_approvals"}).encode()

    # Readers within the same half second share one encoding too (`api.recent`).
    body: bytes = await RECENT.get((company, "snapshot-json", id(client)), encoded)
    return Response(content=body, media_type="application/json")


@router.delete("/{company}", response_model=CompanyDeletion)
async def remove_company(
    company: str, client: ClientDep, store: StoreDep, settings: SettingsDep, caller: CallerDep
) -> CompanyDeletion:
    """Delete the company for good: its schedules, its workflows with their histories, every row
    the store keeps of it (with its search entries and tool outputs) and its folders on this host
    (`paperclip.lifecycle.deletion`); answers what went. Only the board or an owner of the
    company's team may; 404 for a company the caller cannot see or that does not exist."""
    team = await asyncio.to_thread(store.company_team, company)
    if not may_grant_powers(caller, team):
        owners = "the board" if team is None else f"the board or an owner of team {team}"
        raise ApiError(403, "forbidden", f"only {owners} deletes company '{company}'")
    try:
        return await delete_company(client, store, settings, company)
    except CompanyNotFound as error:
        raise ApiError(404, "not_found", str(error)) from None


@router.post("/{company}/agents", status_code=status.HTTP_201_CREATED, response_model=AgentState)
async def hire_agent(
    company: str, agent: AgentSpec, client: ClientDep, store: StoreDep, settings: SettingsDep, caller: CallerDep
) -> AgentState:
    """Hire an agent; 400 when the org chart would break (unknown manager, cycle, second CEO) or
    when it names a credential it may not use where its model is (`credential_not_bound`,
    `unknown_credential`); 403 for a `process` agent or a custom CLI command unless the caller is
    the board or an owner."""
    team = await asyncio.to_thread(store.company_team, company)
    await check_agents(
        [agent], caller=caller, team=team, company_id=company, settings=settings, keyring=Keyring(store, settings)
    )
    return await services.hire_agent(
        client=client,
        company_id=company,
        agent=agent,
        prices=settings.prices,
        actor=caller.actor,
        keyring=Keyring(store, settings),
    )
