"""Model endpoints registered by name (`paperclip agent register`): an OpenAI-compatible or
Anthropic server, its key kept encrypted and never answered back; a probe of each."""

import asyncio
from functools import lru_cache
from pathlib import Path

from fastapi import APIRouter, Response
from pydantic import BaseModel, Field

from api.deps import SettingsDep, StoreDep
from api.errors import ApiError
from paperclip.endpoints import probe
from paperclip.models import Endpoint, EndpointKind, Slug
from paperclip.secrets import SecretBox, SecretError, load_key
from paperclip.settings import Settings

router = APIRouter(prefix="/endpoints", tags=["endpoints"])


class EndpointBody(BaseModel):
    name: Slug
    type: EndpointKind
    url: str = Field(pattern=r"^https?://", max_length=2_000)
    model: str | None = Field(default=None, max_length=200)
    api_key: str | None = Field(default=None, max_length=10_000)
    """Kept encrypted; never answered back."""


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
async def register_endpoint(body: EndpointBody, store: StoreDep, settings: SettingsDep) -> Endpoint:
    """Register (or replace) an endpoint; agents use it with `model.base_url` = its URL and
    `model.credential` = its name."""
    try:
        endpoint = Endpoint(name=body.name, kind=body.type, url=body.url, model=body.model, has_key=bool(body.api_key))
    except ValueError as err:
        raise ApiError(422, "invalid_input", str(err).splitlines()[-1].strip()) from None
    sealed = secret_box(settings).seal(endpoint.name, body.api_key) if body.api_key else None
    await asyncio.to_thread(store.put_endpoint, endpoint, sealed)
    return endpoint


@router.get("", response_model=EndpointList)
async def list_endpoints(store: StoreDep) -> EndpointList:
    data = await asyncio.to_thread(store.list_endpoints)
    return EndpointList(data=data, count=len(data))


async def _get(store: StoreDep, name: str) -> Endpoint:
    endpoint = await asyncio.to_thread(store.get_endpoint, name)
    if endpoint is None:
        raise ApiError(404, "not_found", f"endpoint '{name}' not found")
    return endpoint


@router.get("/{name}", response_model=Endpoint)
async def get_endpoint(name: str, store: StoreDep) -> Endpoint:
    return await _get(store, name)


@router.delete("/{name}", status_code=204)
async def delete_endpoint(name: str, store: StoreDep) -> Response:
    await _get(store, name)
    await asyncio.to_thread(store.delete_endpoint, name)
    return Response(status_code=204)


@router.post("/{name}/test", response_model=ProbeAnswer)
async def test_endpoint(name: str, store: StoreDep, settings: SettingsDep) -> ProbeAnswer:
    """Ask the endpoint for its models with its key: `ok`, the latency and the model, or why not."""
    endpoint = await _get(store, name)
    sealed = await asyncio.to_thread(store.get_credential, name)
    try:
        key = secret_box(settings).open(name, sealed) if sealed is not None else None
    except SecretError as err:
        raise ApiError(409, "secret_key", str(err)) from None
    result = await probe(endpoint, key)
    return ProbeAnswer(
        ok=result.ok, latency_ms=result.latency_ms, model=result.model, reason=result.reason, line=result.line()
    )
