"""Who may see, use and change what a team (or the deployment) owns: endpoints and credentials.

- **A team's**: its members see it (by name: no key is ever answered); its operators and owners
  use it (hire agents on it, probe it); only its owners create, change and delete it. Everyone
  else gets 404, as for another team's company.
- **The deployment's**: every caller sees it and every operator or owner of some team uses it;
  only the board creates, changes and deletes it.

The board sees, uses and changes everything.
"""

import asyncio

from api.auth import Caller
from api.errors import ApiError
from paperclip.models import TeamRole
from paperclip.store import Store

USERS = frozenset({TeamRole.OWNER, TeamRole.OPERATOR})
"""Roles that may use a team's endpoints and credentials."""


def owner_label(team: str | None) -> str:
    return "the deployment" if team is None else f"team {team}"


def visible_owners(caller: Caller) -> list[str | None] | None:
    """The owners whose resources the caller sees (None in it: the deployment); None: all."""
    if caller.is_board:
        return None
    return [None, *sorted(caller.roles)]


def may_see(caller: Caller, team: str | None) -> bool:
    return caller.is_board or team is None or team in caller.roles


def not_found(what: str, name: str, team: str | None) -> ApiError:
    return ApiError(404, "not_found", f"{what} '{name}' of {owner_label(team)} not found")


def check_see(caller: Caller, team: str | None, what: str, name: str) -> None:
    """404 unless the caller may see `team`'s resources."""
    if not may_see(caller, team):
        raise not_found(what, name, team)


def check_use(caller: Caller, team: str | None, what: str, name: str) -> None:
    """404 unless the caller sees it, 403 unless it may use it."""
    check_see(caller, team, what, name)
    if caller.is_board:
        return
    allowed = caller.may_change() if team is None else caller.roles.get(team) in USERS
    if not allowed:
        raise ApiError(403, "forbidden", f"{caller.user} may not use the {what}s of {owner_label(team)}")


def check_change(caller: Caller, team: str | None, what: str, name: str) -> None:
    """404 unless the caller sees it, 403 unless it owns it (the board, for the deployment's)."""
    check_see(caller, team, what, name)
    if caller.is_board:
        return
    if team is None:
        raise ApiError(
            403,
            "forbidden",
            f"only the board changes the deployment's {what}s: give the team it is for ('team')",
        )
    if caller.roles.get(team) is not TeamRole.OWNER:
        raise ApiError(403, "forbidden", f"only an owner of team {team} changes its {what}s")


async def check_team_exists(store: Store, team: str | None) -> None:
    """400 when `team` names no team (a new resource for it would belong to nobody)."""
    if team is not None and not await asyncio.to_thread(store.team_exists, team):
        raise ApiError(400, "invalid_input", f"team '{team}' does not exist")


async def company_owner(store: Store, caller: Caller, company: str) -> str | None:
    """The team owning `company` (None: the board's alone); 404 when the caller may not see it."""
    spec = await asyncio.to_thread(store.get_company, company)
    team = await asyncio.to_thread(store.company_team, company)
    if spec is None or not (caller.is_board or (team is not None and team in caller.roles)):
        raise ApiError(404, "not_found", f"company '{company}' not found")
    return team
