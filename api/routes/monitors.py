"""A company's GitHub monitors (`/api/companies/{c}/monitors`): the pull-request reviewer.

The board or an owner of the company's team adds and removes them (as hooks); its members read
them and their reviews. Adding a polling monitor starts its schedule (the first poll at once);
adding a webhook monitor makes its hook, whose URL and secret the answer shows this once.
Removing one stops its schedule or removes its hook; its reviews are kept.
"""

import asyncio
import secrets
from typing import Any

from fastapi import APIRouter, Response

from api.auth import CallerDep
from api.deps import ClientDep, ContextDep, SettingsDep, StoreDep
from api.errors import ApiError
from api.monitors import check_monitor, create_schedule, delete_schedule
from api.owned import company_owner
from api.routes.endpoints import secret_box
from api.routes.hooks import SECRET_BYTES, may_change
from paperclip.github.models import (
    GitHubMonitor,
    GitHubMonitorSpec,
    MonitorCreated,
    MonitorList,
    MonitorMode,
    ReviewList,
)
from paperclip.github.reviews import REVIEW_INPUTS
from paperclip.models.webhooks import HookKind, HookSpec, ReviewTarget
from paperclip.store.hooks import hook_secret_name

router = APIRouter(prefix="/companies/{company}/monitors", tags=["monitors"])

NO_STORE = {"Cache-Control": "no-store"}
"""An answer that may hold a hook's secret: kept by no cache, nor by the idempotency store."""
REVIEW_WHEN = "event == 'pull_request'"
"""A review hook's filter: other events are skipped before its target reads them."""


def _hook_path(company: str, name: str) -> str:
    return f"/api/hooks/{company}/{name}"


def _public(monitor: GitHubMonitor) -> GitHubMonitor:
    if monitor.mode is MonitorMode.WEBHOOK:
        return monitor.model_copy(update={"hook_path": _hook_path(monitor.company_id, monitor.name)})
    return monitor


@router.post("", response_model=MonitorCreated, status_code=201)
async def add_monitor(
    company: str,
    spec: GitHubMonitorSpec,
    store: StoreDep,
    settings: SettingsDep,
    client: ClientDep,
    context: ContextDep,
    caller: CallerDep,
) -> Any:
    """Watch a repository's pull requests into a branch: each new head is reviewed by the
    company's pipeline and the summary posted as a review (422 for a monitor that could not be)."""
    await may_change(store, caller, company, "adds a monitor")
    credential = await check_monitor(store, settings, company, spec)
    if not await asyncio.to_thread(store.add_monitor, company, spec, credential):
        raise ApiError(409, "conflict", f"company '{company}' has a monitor '{spec.name}' already: remove it first")
    monitor = await asyncio.to_thread(store.get_monitor, company, spec.name)
    assert monitor is not None
    secret: str | None = None
    try:
        if spec.mode is MonitorMode.POLL:
            await create_schedule(client, context.task_queue, monitor)
        else:
            secret = secrets.token_hex(SECRET_BYTES)
            target = ReviewTarget(monitor=spec.name)
            hook = HookSpec(name=spec.name, kind=HookKind.GITHUB, target=target, inputs=REVIEW_INPUTS, when=REVIEW_WHEN)
            sealed = secret_box(settings).seal(hook_secret_name(company, spec.name), secret)
            if not await asyncio.to_thread(store.add_hook, company, hook, sealed):
                raise ApiError(
                    409, "conflict", f"company '{company}' has a hook '{spec.name}' already: remove it first"
                )
    except BaseException:
        await asyncio.shield(asyncio.to_thread(store.delete_monitor, company, spec.name))
        raise
    made = MonitorCreated(**_public(monitor).model_dump(), secret=secret)
    return Response(made.model_dump_json(), status_code=201, media_type="application/json", headers=NO_STORE)


@router.get("", response_model=MonitorList)
async def list_monitors(company: str, store: StoreDep, caller: CallerDep) -> MonitorList:
    await company_owner(store, caller, company)
    data = [_public(m) for m in await asyncio.to_thread(store.list_monitors, company)]
    return MonitorList(data=data, count=len(data))


async def _get(store: StoreDep, company: str, name: str) -> GitHubMonitor:
    found = await asyncio.to_thread(store.get_monitor, company, name)
    if found is None:
        raise ApiError(404, "not_found", f"company '{company}' has no monitor '{name}'")
    return found


@router.get("/{name}", response_model=GitHubMonitor)
async def get_monitor(company: str, name: str, store: StoreDep, caller: CallerDep) -> GitHubMonitor:
    await company_owner(store, caller, company)
    return _public(await _get(store, company, name))


@router.get("/{name}/reviews", response_model=ReviewList)
async def list_reviews(company: str, name: str, store: StoreDep, caller: CallerDep) -> ReviewList:
    """The reviews of the monitor's repository, newest first: each head once, and how it ended."""
    await company_owner(store, caller, company)
    monitor = await _get(store, company, name)
    data = await asyncio.to_thread(store.list_reviews, company, monitor.repo)
    return ReviewList(data=data, count=len(data))


@router.delete("/{name}", status_code=204)
async def remove_monitor(company: str, name: str, store: StoreDep, client: ClientDep, caller: CallerDep) -> Response:
    """Stop watching: no more polls (or its hook refuses deliveries); reviews under way finish."""
    await may_change(store, caller, company, "removes a monitor")
    monitor = await _get(store, company, name)
    if monitor.mode is MonitorMode.POLL:
        await delete_schedule(client, company, name)
    else:
        hook = await asyncio.to_thread(store.get_hook, company, name)
        if hook is not None and isinstance(hook.spec.target, ReviewTarget) and hook.spec.target.monitor == name:
            await asyncio.to_thread(store.delete_hook, company, name)
    await asyncio.to_thread(store.delete_monitor, company, name)
    return Response(status_code=204)
