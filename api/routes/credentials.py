"""Stored credentials: a provider key, kept encrypted and never answered back, bound to the base
URLs it may be sent to. Each belongs to a team or to the deployment (`api.owned` says who may do
what). An endpoint's credential is changed and deleted with its endpoint (`/api/endpoints`)."""

import asyncio
import re
from datetime import datetime
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, field_validator

from api.auth import CallerDep
from api.deps import SettingsDep, StoreDep
from api.errors import ApiError
from api.owned import check_change, check_see, check_team_exists, not_found, owner_label, visible_owners
from api.routes.endpoints import secret_box
from paperclip.endpoints import check_key, check_url
from paperclip.keys import display_url
from paperclip.store import Store
from paperclip.store.credentials import StoredCredential, bucket

router = APIRouter(prefix="/credentials", tags=["credentials"])
CREDENTIAL = "credential"
NAME = re.compile(r"^[A-Za-z0-9][A-Za-z0-9_.-]{0,62}$")
MAX_URLS = 10

Team = Annotated[str | None, Query(max_length=63, description="The team it belongs to; absent: the deployment's.")]


class CredentialBody(BaseModel):
    name: str = Field(description="1-63 letters, digits, '-', '_' or '.', starting with a letter or digit.")
    urls: list[str] = Field(min_length=1, max_length=MAX_URLS)
    """The base URLs the key may be sent to (a request goes to one of them or below it)."""
    api_key: str = Field(max_length=10_000)
    """Kept encrypted; never answered back. Printable ASCII, no spaces."""
    team: str | None = Field(default=None, max_length=63)
    """The team it belongs to (its owners store it); None: the deployment's (the board's)."""

    @field_validator("name")
    @classmethod
    def _name(cls, name: str) -> str:
        if not NAME.match(name):
            raise ValueError(
                "a credential name must be 1-63 letters, digits, '-', '_' or '.', starting with a letter or digit"
            )
        return name

    @field_validator("urls")
    @classmethod
    def _urls(cls, urls: list[str]) -> list[str]:
        for url in urls:
            check_url(url)
        return urls

    @field_validator("api_key")
    @classmethod
    def _key(cls, key: str) -> str:
        return check_key(key)


class Credential(BaseModel):
    """A stored credential as the API shows it: never its key."""

    name: str
    team: str | None
    """None: the deployment's."""
    urls: list[str]
    """Where it may be sent (normalised, the scheme's default port left out)."""
    has_key: bool
    endpoint: bool
    """An endpoint's credential (changed and deleted with the endpoint)."""
    updated_at: datetime | None


class CredentialList(BaseModel):
    data: list[Credential]
    count: int


def _public(stored: StoredCredential) -> Credential:
    return Credential(
        name=stored.name,
        team=stored.team,
        urls=[display_url(u) for u in stored.urls],
        has_key=stored.sealed is not None,
        endpoint=stored.endpoint,
        updated_at=stored.updated_at,
    )


async def _get(store: Store, name: str, team: str | None) -> StoredCredential:
    found = await asyncio.to_thread(store.get_credential, team, name)
    if found is None:
        raise not_found(CREDENTIAL, name, team)
    return found


@router.post("", response_model=Credential, status_code=201)
async def store_credential(
    body: CredentialBody, store: StoreDep, settings: SettingsDep, caller: CallerDep
) -> Credential:
    """Store (or replace) a credential of a team (its owners) or of the deployment (the board),
    bound to `urls`: its key is sent nowhere else."""
    check_change(caller, body.team, CREDENTIAL, body.name)
    await check_team_exists(store, body.team)
    found = await asyncio.to_thread(store.get_credential, body.team, body.name)
    if found is not None and found.endpoint:
        raise ApiError(
            409,
            "conflict",
            f"'{body.name}' is an endpoint of {owner_label(body.team)}: change it with POST /api/endpoints",
        )
    urls = list(dict.fromkeys(check_url(u) for u in body.urls))
    sealed = secret_box(settings).seal(bucket(body.team, body.name), body.api_key)
    await asyncio.to_thread(store.put_credential, body.team, body.name, sealed, urls)
    return _public(await _get(store, body.name, body.team))


@router.get("", response_model=CredentialList)
async def list_credentials(store: StoreDep, caller: CallerDep, team: Team = None) -> CredentialList:
    """The credentials the caller may see (names and URLs): its teams' and the deployment's (all
    for the board); with `team`, that team's only."""
    owners = visible_owners(caller)
    if team is not None:
        check_see(caller, team, "team", team)
        owners = [team]
    data = [_public(c) for c in await asyncio.to_thread(store.list_credentials, owners)]
    return CredentialList(data=data, count=len(data))


@router.get("/{name}", response_model=Credential)
async def get_credential(name: str, store: StoreDep, caller: CallerDep, team: Team = None) -> Credential:
    check_see(caller, team, CREDENTIAL, name)
    return _public(await _get(store, name, team))


@router.delete("/{name}", status_code=204)
async def delete_credential(name: str, store: StoreDep, caller: CallerDep, team: Team = None) -> Response:
    """Delete a credential (its team's owners, or the board for the deployment's); an endpoint's
    goes with its endpoint (409 here)."""
    check_change(caller, team, CREDENTIAL, name)
    found = await _get(store, name, team)
    if found.endpoint:
        raise ApiError(
            409, "conflict", f"'{name}' is an endpoint's credential: delete the endpoint (DELETE /api/endpoints/{name})"
        )
    await asyncio.to_thread(store.delete_credential, team, name)
    return Response(status_code=204)
