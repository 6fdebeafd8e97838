"""Outgoing webhooks: a company's subscriptions (`/api/companies/{c}/webhooks`), told of its
events (`paperclip.models.webhooks.WebhookEvent`) by the workers' `notify` activity, signed with
the subscription's secret. The board or an owner of the company's team adds and removes them; its
members list them. The secret is answered once, at creation.
"""

import asyncio
import secrets
from typing import Any

from fastapi import APIRouter, Response

from api.auth import CallerDep
from api.deps import SettingsDep, StoreDep
from api.errors import ApiError
from api.owned import company_owner
from api.routes.endpoints import secret_box
from api.routes.hooks import SECRET_BYTES, may_change
from paperclip.endpoints import EndpointRefused, check_url
from paperclip.models.webhooks import WebhookCreated, WebhookList, WebhookPublic, WebhookSpec
from paperclip.store.hooks import StoredWebhook, webhook_secret_name

router = APIRouter(prefix="/companies/{company}/webhooks", tags=["webhooks"])


def _public(stored: StoredWebhook) -> WebhookPublic:
    return WebhookPublic(**stored.spec.model_dump(), created_at=stored.created_at)


@router.post("", response_model=WebhookCreated, status_code=201)
async def add_webhook(
    company: str, spec: WebhookSpec, store: StoreDep, settings: SettingsDep, caller: CallerDep
) -> Any:
    """Subscribe a URL to the company's events. The answer holds the signing secret; it is never
    shown again. A URL on a link-local network or a metadata service is refused (422), and the
    workers refuse this machine too unless the deployment allows the host
    (`PAPERCLIP_ALLOW_PRIVATE_HOSTS`)."""
    await may_change(store, caller, company, "adds a webhook")
    try:
        check_url(spec.url)
    except EndpointRefused as err:
        raise ApiError(
            422, "invalid_url", f"webhook {spec.name}: {err}".replace("a model server", "a webhook")
        ) from None
    spec = spec.model_copy(update={"events": sorted(set(spec.events))})
    secret = secrets.token_hex(SECRET_BYTES)
    sealed = secret_box(settings).seal(webhook_secret_name(company, spec.name), secret)
    if not await asyncio.to_thread(store.add_webhook, company, spec, sealed):
        raise ApiError(409, "conflict", f"company '{company}' has a webhook '{spec.name}' already: remove it first")
    stored = next(w for w in await asyncio.to_thread(store.list_webhooks, company) if w.spec.name == spec.name)
    created = WebhookCreated(**_public(stored).model_dump(), secret=secret)
    return Response(
        created.model_dump_json(), status_code=201, media_type="application/json", headers={"Cache-Control": "no-store"}
    )


@router.get("", response_model=WebhookList)
async def list_webhooks(company: str, store: StoreDep, caller: CallerDep) -> WebhookList:
    """The company's subscriptions, by name (never their secrets)."""
    await company_owner(store, caller, company)
    data = [_public(w) for w in await asyncio.to_thread(store.list_webhooks, company)]
    return WebhookList(data=data, count=len(data))


@router.delete("/{name}", status_code=204)
async def remove_webhook(company: str, name: str, store: StoreDep, caller: CallerDep) -> Response:
    """Unsubscribe: events from now on are not sent there (a delivery being retried ends)."""
    await may_change(store, caller, company, "removes a webhook")
    if not await asyncio.to_thread(store.delete_webhook, company, name):
        raise ApiError(404, "not_found", f"company '{company}' has no webhook '{name}'")
    return Response(status_code=204)
