"""The emergency brake: `POST /api/pause-all` and `POST /api/resume-all` (see `api.brake`)."""

import asyncio

from fastapi import APIRouter, Request

from api.auth import Caller, CallerDep
from api.brake import BrakeAction, BrakeBody, BrakeReport, apply_brake
from api.deps import ClientDep, StoreDep
from api.errors import ApiError
from paperclip.models import TeamRole
from paperclip.store import Store

router = APIRouter(tags=["governance"])


async def _scope(caller: Caller, store: Store) -> list[str]:
    """The companies the caller may brake: all for the board, its owned teams' for an owner.

    Raises:
        ApiError: 403 for anyone else (operators, viewers, task tokens).
    """
    if caller.is_board:
        return [spec.id for spec in await asyncio.to_thread(store.list_companies)]
    owned = [team for team, role in caller.roles.items() if role is TeamRole.OWNER]
    if caller.scope is not None or not owned:
        raise ApiError(403, "forbidden", "only the board or a team's owner pulls the emergency brake")
    return sorted(await asyncio.to_thread(store.companies_of, owned))


async def _brake(
    action: BrakeAction, request: Request, client: ClientDep, store: StoreDep, caller: Caller, body: BrakeBody | None
) -> BrakeReport:
    companies = await _scope(caller, store)
    reason = (body or BrakeBody()).reason
    return await apply_brake(
        client=client, request=request, companies=companies, action=action, reason=reason, actor=caller.actor
    )


@router.post("/pause-all", response_model=BrakeReport)
async def pause_all(
    request: Request, client: ClientDep, store: StoreDep, caller: CallerDep, body: BrakeBody | None = None
) -> BrakeReport:
    """The emergency brake: pause every company of the caller's scope (the board: all; an owner:
    its teams'), so that nothing is dispatched and every task holds before its next turn. Says
    which were paused, which were left (already paused, archived), which failed and which gave
    no answer in time. 403 for operators and viewers."""
    return await _brake("pause", request, client, store, caller, body)


@router.post("/resume-all", response_model=BrakeReport)
async def resume_all(
    request: Request, client: ClientDep, store: StoreDep, caller: CallerDep, body: BrakeBody | None = None
) -> BrakeReport:
    """Lift the emergency brake: resume every company of the caller's scope that the brake paused.
    A company paused by hand or for its budget stays paused. 403 for operators and viewers."""
    return await _brake("resume", request, client, store, caller, body)
