"""Teams, their members' roles, and API keys.

The board (no credentials, from this machine) makes teams. The board or a team's owner adds
members and sets their role. A key is made for a user by the board or by the user itself, and
shown once; the board lists and revokes any key, a user its own.
"""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Response, status
from pydantic import BaseModel, Field, StringConstraints

from api.auth import CallerDep
from api.deps import StoreDep
from api.errors import ApiError
from paperclip import apikeys
from paperclip.models import ApiKeyInfo, TeamRole, check_slug

router = APIRouter(tags=["access"])

_SLUG_SCHEMA = {"pattern": r"^\s*[a-z0-9][a-z0-9_-]{0,62}\s*$"}

Name = Annotated[
    str, StringConstraints(strip_whitespace=True, min_length=1, max_length=63), Field(json_schema_extra=_SLUG_SCHEMA)
]
"""A team or user name: a slug (`check_slug`), told apart from its surrounding whitespace."""


class TeamBody(BaseModel):
    name: Name


class Team(BaseModel):
    name: str


class MemberBody(BaseModel):
    user: Name
    role: TeamRole


class Member(BaseModel):
    user: str
    team: str
    role: TeamRole


class KeyBody(BaseModel):
    user: Name
    label: str = Field(default="", max_length=100)


class NewKey(ApiKeyInfo):
    token: str
    """The key itself: shown this once, kept nowhere."""


class KeyList(BaseModel):
    data: list[ApiKeyInfo]
    count: int


def _slug(value: str, what: str) -> str:
    try:
        return check_slug(value, what)
    except ValueError as err:
        raise ApiError(422, "invalid_input", str(err)) from None


@router.post("/teams", status_code=status.HTTP_201_CREATED, response_model=Team)
async def create_team(body: TeamBody, store: StoreDep, caller: CallerDep) -> Team:
    """Make a team (the board only); 409 when it exists."""
    if not caller.is_board:
        raise ApiError(403, "forbidden", "only the board makes teams")
    name = _slug(body.name, "team name")
    if not await asyncio.to_thread(store.create_team, name):
        raise ApiError(409, "conflict", f"team '{name}' exists already")
    return Team(name=name)


@router.put("/teams/{team}/members", response_model=Member)
async def set_member(team: str, body: MemberBody, store: StoreDep, caller: CallerDep) -> Member:
    """Add a user (made if new) to the team, or change its role: the board or the team's owner."""
    if not await asyncio.to_thread(store.team_exists, team):
        raise ApiError(404, "not_found", f"team '{team}' not found")
    if not caller.is_board and caller.roles.get(team) is not TeamRole.OWNER:
        raise ApiError(403, "forbidden", f"only the board or an owner of team '{team}' sets its members")
    user = _slug(body.user, "user name")
    await asyncio.to_thread(store.set_member, user, team, body.role)
    return Member(user=user, team=team, role=body.role)


@router.post("/tokens", status_code=status.HTTP_201_CREATED, response_model=NewKey)
async def create_token(body: KeyBody, store: StoreDep, caller: CallerDep, response: Response) -> NewKey:
    """A new API key for a user (the board, or the user for itself); the key is in this answer only
    (`Cache-Control: no-store`: neither a cache nor an `Idempotency-Key` repeat gives it again)."""
    response.headers["Cache-Control"] = "no-store"
    if not caller.is_board and caller.user != body.user:
        raise ApiError(403, "forbidden", "a user makes keys for itself only")
    if not await asyncio.to_thread(store.user_exists, body.user):
        raise ApiError(404, "not_found", f"user '{body.user}' not found (add it to a team first)")
    key = apikeys.new_key()
    info = await asyncio.to_thread(
        lambda: store.add_api_key(key_id=key.id, user=body.user, label=body.label, salt=key.salt, digest=key.digest)
    )
    return NewKey(**info.model_dump(), token=key.token)


@router.get("/tokens", response_model=KeyList)
async def list_tokens(store: StoreDep, caller: CallerDep) -> KeyList:
    """Every key for the board, a user's own for a user; never a secret."""
    keys = await asyncio.to_thread(store.list_api_keys, None if caller.is_board else caller.user)
    return KeyList(data=keys, count=len(keys))


@router.delete("/tokens/{key_id}", status_code=status.HTTP_204_NO_CONTENT)
async def revoke_token(key_id: str, store: StoreDep, caller: CallerDep) -> Response:
    """Revoke a key at once (the board, or its user); 404 for a key the caller does not see."""
    found = await asyncio.to_thread(store.get_api_key, key_id)
    if found is None or (not caller.is_board and found[0].user != caller.user):
        raise ApiError(404, "not_found", f"API key '{key_id}' not found")
    await asyncio.to_thread(store.revoke_api_key, key_id)
    return Response(status_code=status.HTTP_204_NO_CONTENT)
