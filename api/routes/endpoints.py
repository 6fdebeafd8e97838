"""Model endpoints registered by name (`paperclip agent register`): an OpenAI-compatible or
Anthropic server and its key, a credential of the same name bound to the endpoint's URL. Each
belongs to a team or to the deployment (`api.owned` says who may do what); the key is kept
encrypted and never answered back. A probe of each."""

import asyncio
from functools import lru_cache
from pathlib import Path
from typing import Annotated

from fastapi import APIRouter, Query, Response
from pydantic import BaseModel, Field, field_validator

from api.auth import CallerDep
from api.deps import SettingsDep, StoreDep
from api.errors import ApiError
from api.owned import (
    check_change,
    check_see,
    check_team_exists,
    check_use,
    company_owner,
    not_found,
    owner_label,
    visible_owners,
)
from paperclip.endpoints import EndpointRefused, check_key, check_url, probe
from paperclip.models import Endpoint, EndpointKind, slug
from paperclip.secrets import SecretBox, SecretError, load_key
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.store.credentials import bucket

router = APIRouter(prefix="/endpoints", tags=["endpoints"])
ENDPOINT = "endpoint"

Team = Annotated[str | None, Query(max_length=63, description="The team it belongs to; absent: the deployment's.")]


class EndpointBody(BaseModel):
    name: Annotated[str, slug("an endpoint name")]
    type: EndpointKind
    url: str = Field(max_length=2_000, description="http(s), a host, no spaces or control characters.")
    model: str | None = Field(default=None, max_length=200)
    api_key: str | None = Field(default=None, max_length=10_000)
    """Kept encrypted; never answered back. Printable ASCII, no spaces."""
    team: str | None = Field(default=None, max_length=63)
    """The team it belongs to (its owners register it); None: the deployment's (the board's)."""

    @field_validator("url")
    @classmethod
    def _url(cls, url: str) -> str:
        check_url(url)
        return url

    @field_validator("api_key")
    @classmethod
    def _key(cls, key: str | None) -> str | None:
        return None if key is None else check_key(key)


class EndpointList(BaseModel):
    data: list[Endpoint]
    count: int


class ProbeAnswer(BaseModel):
    ok: bool
    latency_ms: float | None
    model: str | None
    reason: str | None
    line: str
    """`OK (latency: 42ms, model: …)` or `FAILED: <why>`."""


@lru_cache(maxsize=4)
def _box(home: Path, secret_key: str | None) -> SecretBox:
    return SecretBox(load_key(home, secret_key))


def secret_box(settings: Settings) -> SecretBox:
    try:
        return _box(settings.home_dir, settings.secret_key)
    except SecretError as err:
        raise ApiError(500, "secret_key", str(err)) from None


@router.post("", response_model=Endpoint, status_code=201)
async def register_endpoint(body: EndpointBody, store: StoreDep, settings: SettingsDep, caller: CallerDep) -> Endpoint:
    """Register (or replace) an endpoint of a team (its owners) or of the deployment (the board).
    Agents use it with `model.credential` = its name and `model.base_url` = its URL, the one URL
    its key is ever sent to."""
    check_change(caller, body.team, ENDPOINT, body.name)
    await check_team_exists(store, body.team)
    found = await asyncio.to_thread(store.get_credential, body.team, body.name)
    if found is not None and not found.endpoint:
        raise ApiError(
            409,
            "conflict",
            f"'{body.name}' is a credential of {owner_label(body.team)}, not an endpoint: pick another name",
        )
    endpoint = Endpoint(
        name=body.name, team=body.team, kind=body.type, url=body.url, model=body.model, has_key=bool(body.api_key)
    )
    sealed = secret_box(settings).seal(bucket(body.team, body.name), body.api_key) if body.api_key else None
    await asyncio.to_thread(store.put_endpoint, endpoint, sealed, check_url(body.url))
    return endpoint


@router.get("", response_model=EndpointList)
async def list_endpoints(store: StoreDep, caller: CallerDep, team: Team = None) -> EndpointList:
    """The endpoints the caller may see: its teams' and the deployment's (all for the board);
    with `team`, that team's only."""
    owners = visible_owners(caller)
    if team is not None:
        check_see(caller, team, "team", team)
        owners = [team]
    data = await asyncio.to_thread(store.list_endpoints, owners)
    return EndpointList(data=data, count=len(data))


async def _get(store: Store, name: str, team: str | None) -> Endpoint:
    endpoint = await asyncio.to_thread(store.get_endpoint, team, name)
    if endpoint is None:
        raise not_found(ENDPOINT, name, team)
    return endpoint


@router.get("/{name}", response_model=Endpoint)
async def get_endpoint(
    name: str,
    store: StoreDep,
    caller: CallerDep,
    team: Team = None,
    company: Annotated[
        str | None, Query(max_length=63, description="The one this company's agents get by this name.")
    ] = None,
) -> Endpoint:
    """A team's endpoint (`team`), the deployment's, or the one a company's agents would use
    under this name (`company`: its team's, else the deployment's)."""
    if company is not None:
        owner = await company_owner(store, caller, company)
        if owner is not None:
            found = await asyncio.to_thread(store.get_endpoint, owner, name)
            if found is not None:
                return found
        return await _get(store, name, None)
    check_see(caller, team, ENDPOINT, name)
    return await _get(store, name, team)


@router.delete("/{name}", status_code=204)
async def delete_endpoint(name: str, store: StoreDep, caller: CallerDep, team: Team = None) -> Response:
    """Delete an endpoint and its key (its team's owners, or the board for the deployment's)."""
    check_change(caller, team, ENDPOINT, name)
    await _get(store, name, team)
    await asyncio.to_thread(store.delete_endpoint, team, name)
    return Response(status_code=204)


@router.post("/{name}/test", response_model=ProbeAnswer)
async def test_endpoint(
    name: str, store: StoreDep, settings: SettingsDep, caller: CallerDep, team: Team = None
) -> ProbeAnswer:
    """Ask the endpoint for its models with its key: `ok`, the latency and the model, or why not.
    Refused (422) for a host that is link-local or a cloud metadata service."""
    check_use(caller, team, ENDPOINT, name)
    endpoint = await _get(store, name, team)
    stored = await asyncio.to_thread(store.get_credential, team, name)
    try:
        key = secret_box(settings).open(bucket(team, name), stored.sealed) if stored and stored.sealed else None
    except SecretError as err:
        raise ApiError(409, "secret_key", str(err)) from None
    try:
        result = await probe(endpoint, key)
    except EndpointRefused as err:
        raise ApiError(422, "invalid_endpoint", f"endpoint '{name}': {err}") from None
    return ProbeAnswer(
        ok=result.ok, latency_ms=result.latency_ms, model=result.model, reason=result.reason, line=result.line()
    )
