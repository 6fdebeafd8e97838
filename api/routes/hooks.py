"""Incoming webhooks: a company's hooks (`/api/companies/{c}/hooks`, the board or an owner of its
team changes them, its members read them) and their door, `POST /api/hooks/{company}/{hook}`.

The door takes no board token or key: the delivery's signature is its credential (`api.auth`
exempts this one route). It answers, in order: 404 for an unknown hook; 401 for a missing, wrong
or (generic form) stale signature, with nothing kept; 200 `duplicate` for a delivery taken before
(`X-GitHub-Delivery`, or a generic delivery's signature), doing nothing; 200 `skipped` when the
hook's `when` is false (and GitHub's `ping`); else the hook acts on its target — a task, or a
pipeline run (`api.hook_pipelines`) — and answers what it made. A delivery the hook could not act
on (the company refused the task, Temporal did not answer) is forgotten, so the sender's
redelivery is taken; the task's update and the run are keyed by the delivery, so a redelivery
after an unknown outcome does not make a second task or run.
"""

import asyncio
import secrets
import time
from typing import Any

from fastapi import APIRouter, Request, Response

from api import hook_pipelines, services
from api.agent_checks import may_grant_powers
from api.auth import HOOK_DOOR, CallerDep
from api.deps import ContextDep, SettingsDep, StoreDep
from api.errors import ApiError
from api.monitors import review_delivery
from api.owned import company_owner
from api.pipeline_runs import PipelineSourceDep
from api.routes.endpoints import secret_box
from api.temporal_bounds import REQUEST_KEY
from paperclip.errors import InvalidInput
from paperclip.idempotency import RequestKey, key_scope, request_hash
from paperclip.models import CreateTaskInput
from paperclip.models.webhooks import (
    HookAnswer,
    HookCreated,
    HookDelivery,
    HookKind,
    HookList,
    HookPublic,
    HookSpec,
    PipelineTarget,
    ReviewTarget,
    TaskTarget,
)
from paperclip.secrets import SecretError
from paperclip.store import Store
from paperclip.store.hooks import StoredHook, hook_secret_name
from paperclip.webhooks import hooks as mapping
from paperclip.webhooks import signing

router = APIRouter(prefix="/companies/{company}/hooks", tags=["hooks"])
door = APIRouter(prefix="/hooks", tags=["hooks"])

SECRET_BYTES = 32
"""A hook's secret: 64 hex characters, made by the API and shown once."""


def _public(company: str, stored: StoredHook) -> HookPublic:
    return HookPublic(
        **stored.spec.model_dump(), created_at=stored.created_at, path=f"/api/hooks/{company}/{stored.spec.name}"
    )


async def may_change(store: Store, caller: CallerDep, company: str, what: str) -> None:
    team = await company_owner(store, caller, company)
    if not may_grant_powers(caller, team):
        raise ApiError(
            403, "forbidden", f"only the board or an owner of the company's team {what} ({caller.actor} is not)"
        )


@router.post("", response_model=HookCreated, status_code=201)
async def add_hook(
    company: str, spec: HookSpec, store: StoreDep, settings: SettingsDep, caller: CallerDep, source: PipelineSourceDep
) -> Any:
    """Make a hook: deliveries to `/api/hooks/{company}/{name}` signed with its secret act on its
    target. The answer holds the secret; it is never shown again. 400 for a pipeline the company
    does not have or whose inputs the hook does not fit."""
    await may_change(store, caller, company, "adds a hook")
    try:
        mapping.check_hook(spec)
    except InvalidInput as err:
        raise ApiError(422, "invalid_input", f"hook {spec.name}: {err}") from None
    if isinstance(spec.target, PipelineTarget):
        hook_pipelines.check_target(source, company, spec, spec.target)
    secret = secrets.token_hex(SECRET_BYTES)
    sealed = secret_box(settings).seal(hook_secret_name(company, spec.name), secret)
    if not await asyncio.to_thread(store.add_hook, company, spec, sealed):
        raise ApiError(409, "conflict", f"company '{company}' has a hook '{spec.name}' already: remove it first")
    stored = await asyncio.to_thread(store.get_hook, company, spec.name)
    assert stored is not None
    response = HookCreated(**_public(company, stored).model_dump(), secret=secret)
    return Response(response.model_dump_json(), status_code=201, media_type="application/json", headers=_NO_STORE)


_NO_STORE = {"Cache-Control": "no-store"}
"""An answer with a secret: kept by no cache, nor by the idempotency store (`api.idempotency`)."""


@router.get("", response_model=HookList)
async def list_hooks(company: str, store: StoreDep, caller: CallerDep) -> HookList:
    """The company's hooks, by name (never their secrets)."""
    await company_owner(store, caller, company)
    data = [_public(company, h) for h in await asyncio.to_thread(store.list_hooks, company)]
    return HookList(data=data, count=len(data))


async def _get(store: Store, company: str, name: str) -> StoredHook:
    found = await asyncio.to_thread(store.get_hook, company, name)
    if found is None:
        raise ApiError(404, "not_found", f"company '{company}' has no hook '{name}'")
    return found


@router.get("/{name}", response_model=HookPublic)
async def get_hook(company: str, name: str, store: StoreDep, caller: CallerDep) -> HookPublic:
    await company_owner(store, caller, company)
    return _public(company, await _get(store, company, name))


@router.get("/{name}/deliveries", response_model=list[HookDelivery])
async def list_deliveries(company: str, name: str, store: StoreDep, caller: CallerDep) -> list[HookDelivery]:
    """The hook's latest deliveries (newest first) and what it did with each."""
    await company_owner(store, caller, company)
    await _get(store, company, name)
    return await asyncio.to_thread(store.list_deliveries, company, name)


@router.delete("/{name}", status_code=204)
async def remove_hook(company: str, name: str, store: StoreDep, caller: CallerDep) -> Response:
    """Remove the hook: its deliveries are refused (404) from now on."""
    await may_change(store, caller, company, "removes a hook")
    if not await asyncio.to_thread(store.delete_hook, company, name):
        raise ApiError(404, "not_found", f"company '{company}' has no hook '{name}'")
    return Response(status_code=204)


# ---------------------------------------------------------------------- the door


def _verify(stored: StoredHook, secret: str, request: Request, body: bytes) -> tuple[str, str | None]:
    """The delivery's id and event, once its signature is checked.

    Raises:
        ApiError: 401 for a bad signature, 400 for a GitHub delivery without its id.
    """
    headers = request.headers
    try:
        if stored.spec.kind is HookKind.GITHUB:
            signing.check_github(secret, body, headers.get(signing.GITHUB_SIGNATURE))
            delivery = headers.get(signing.GITHUB_DELIVERY, "").strip()
            if not delivery or len(delivery) > 200:
                raise ApiError(400, "bad_request", f"a GitHub delivery needs its {signing.GITHUB_DELIVERY} header")
            return delivery, headers.get(signing.GITHUB_EVENT)
        delivery = signing.check_generic(
            secret, body, headers.get(signing.TIMESTAMP), headers.get(signing.SIGNATURE), now=time.time()
        )
        return delivery, headers.get(signing.EVENT)
    except signing.SignatureRefused as err:
        raise ApiError(401, "bad_signature", str(err)) from None


async def _act(
    context: ContextDep, company: str, stored: StoredHook, delivery: str, body: bytes, values: dict[str, Any]
) -> HookAnswer:
    """Do what the hook's target says with the delivery's inputs."""
    target = stored.spec.target
    if isinstance(target, PipelineTarget):  # the run is keyed by the delivery, as the task's update is
        key = hook_pipelines.delivery_key(company, stored.spec.name, delivery, body)
        run = await hook_pipelines.start(context, company, stored, target, key, values)
        return HookAnswer(delivery=delivery, run=run)
    if isinstance(target, TaskTarget):
        try:
            title, brief = mapping.task_of(target, values)
        except InvalidInput as err:
            raise ApiError(422, "invalid_input", f"hook {stored.spec.name}: {err}") from None
        task = CreateTaskInput(
            title=title,
            brief=brief,
            assignee=target.assignee,
            priority=target.priority,
            actor=f"hook:{stored.spec.name}",
        )
        # The company's update is keyed by the delivery: a redelivery after an unknown outcome joins it.
        path = f"/api/hooks/{company}/{stored.spec.name}"
        key = RequestKey(
            scope=key_scope(caller=f"hook:{company}/{stored.spec.name}", method="POST", path=path, key=delivery),
            request=request_hash(query="", body=body),
        )
        client = await context.temporal.get()
        token = REQUEST_KEY.set(key)
        try:
            record = await services.create_task(client=client, company_id=company, task=task)
        finally:
            REQUEST_KEY.reset(token)
        return HookAnswer(delivery=delivery, task=record.identifier)
    if isinstance(target, ReviewTarget):
        return await review_delivery(context, company, target, delivery, values)
    raise AssertionError(f"unknown hook target {target!r}")


@door.post(HOOK_DOOR.removeprefix("/hooks"), response_model=HookAnswer)
async def deliver(company: str, hook: str, request: Request, store: StoreDep, context: ContextDep) -> HookAnswer:
    """A delivery to a company's hook, authenticated by its signature alone (see the module docstring)."""
    body = await request.body()
    stored = await asyncio.to_thread(store.get_hook, company, hook)
    if stored is None:
        raise ApiError(404, "not_found", f"there is no hook '{hook}' of company '{company}'")
    try:
        secret = secret_box(context.settings).open(hook_secret_name(company, hook), stored.sealed)
    except SecretError as err:
        raise ApiError(500, "secret_key", str(err)) from None
    delivery, event = _verify(stored, secret, request, body)
    doc = mapping.document(request.headers, mapping.parse_body(body, request.headers.get("content-type", "")), event)
    try:
        act = not (stored.spec.kind is HookKind.GITHUB and event == "ping") and mapping.wanted(stored.spec, doc)
        values = mapping.inputs(stored.spec, doc) if act else {}
    except InvalidInput as err:
        raise ApiError(422, "invalid_input", f"hook {hook}: {err}") from None
    except (TypeError, ValueError) as err:  # a JMESPath function given the wrong types for this payload
        raise ApiError(422, "invalid_input", f"hook {hook}: its expressions fail on this delivery: {err}") from None
    if not await asyncio.to_thread(store.claim_delivery, company, hook, delivery):
        return HookAnswer(delivery=delivery, duplicate=True)
    if not act:
        await asyncio.to_thread(store.settle_delivery, company, hook, delivery, "skipped")
        return HookAnswer(delivery=delivery, skipped=True)
    try:
        answer = await _act(context, company, stored, delivery, body, values)
    except BaseException:
        await asyncio.shield(asyncio.to_thread(store.release_delivery, company, hook, delivery))
        raise
    await asyncio.to_thread(store.settle_delivery, company, hook, delivery, answer.outcome)
    return answer
