"""Companies' webhooks: incoming hooks (with the deliveries each took) and outgoing subscriptions.

Secrets are kept sealed (`paperclip.secrets`); the callers seal and open them. A hook's delivery
is claimed before the hook acts on it, in one insert that a repeat of the delivery loses.
"""

from dataclasses import dataclass
from datetime import datetime
from typing import Any

import sqlalchemy as sa

from paperclip.models.webhooks import HookDelivery, HookSpec, WebhookEvent, WebhookFormat, WebhookSpec
from paperclip.store.engine import StoreCore, utc_now
from paperclip.store.tables import hook_deliveries, hooks, webhook_subscriptions

PENDING = "pending"
"""A delivery's outcome while its hook acts on it."""


def hook_secret_name(company_id: str, name: str) -> str:
    """The associated data a hook's secret is sealed with."""
    return f"hook:{company_id}/{name}"


def webhook_secret_name(company_id: str, name: str) -> str:
    """The associated data a subscription's secret is sealed with."""
    return f"webhook:{company_id}/{name}"


@dataclass(frozen=True)
class StoredHook:
    spec: HookSpec
    sealed: bytes
    created_at: datetime


@dataclass(frozen=True)
class StoredWebhook:
    spec: WebhookSpec
    sealed: bytes
    created_at: datetime


class HookStore(StoreCore):
    """Companies' incoming hooks, their deliveries, and their outgoing subscriptions."""

    # ------------------------------------------------------------------ hooks

    def add_hook(self, company_id: str, spec: HookSpec, sealed: bytes, *, now: datetime | None = None) -> bool:
        """Keep `spec` with its sealed secret; False (and nothing changed) when the company has a
        hook of that name already."""
        row = {
            "company_id": company_id,
            "name": spec.name,
            "kind": spec.kind.value,
            "sealed": sealed,
            "config": spec.model_dump(mode="json", exclude={"name", "kind"}),
            "created_at": now or utc_now(),
        }
        added = self._insert(hooks).values(row).on_conflict_do_nothing(index_elements=["company_id", "name"])
        with self._write() as conn:
            return conn.execute(added.returning(hooks.c.name)).first() is not None

    @staticmethod
    def _hook(row: Any) -> StoredHook:
        spec = HookSpec.model_validate({**row.config, "name": row.name, "kind": row.kind})
        return StoredHook(spec=spec, sealed=row.sealed, created_at=row.created_at)

    def list_hooks(self, company_id: str) -> list[StoredHook]:
        c = hooks.c
        query = sa.select(c.name, c.kind, c.sealed, c.config, c.created_at).where(c.company_id == company_id)
        with self.engine.connect() as conn:
            return [self._hook(row) for row in conn.execute(query.order_by(c.name))]

    def get_hook(self, company_id: str, name: str) -> StoredHook | None:
        c = hooks.c
        query = sa.select(c.name, c.kind, c.sealed, c.config, c.created_at).where(
            c.company_id == company_id, c.name == name
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).first()
        return None if row is None else self._hook(row)

    def delete_hook(self, company_id: str, name: str) -> bool:
        """Remove the hook and its deliveries; False when the company has no hook of that name."""
        c, d = hooks.c, hook_deliveries.c
        with self._write() as conn:
            conn.execute(hook_deliveries.delete().where(d.company_id == company_id, d.hook == name))
            gone = conn.execute(hooks.delete().where(c.company_id == company_id, c.name == name).returning(c.name))
            return gone.first() is not None

    # ------------------------------------------------------------------ deliveries

    def claim_delivery(self, company_id: str, hook: str, delivery: str, *, now: datetime | None = None) -> bool:
        """Take a delivery for the hook to act on; False when it was taken before (a repeat)."""
        row = {
            "company_id": company_id,
            "hook": hook,
            "delivery": delivery,
            "received_at": now or utc_now(),
            "outcome": PENDING,
        }
        keys = ["company_id", "hook", "delivery"]
        claimed = self._insert(hook_deliveries).values(row).on_conflict_do_nothing(index_elements=keys)
        with self._write() as conn:
            return conn.execute(claimed.returning(hook_deliveries.c.delivery)).first() is not None

    def settle_delivery(self, company_id: str, hook: str, delivery: str, outcome: str) -> None:
        """Say what the hook did with a claimed delivery."""
        d = hook_deliveries.c
        with self._write() as conn:
            conn.execute(
                hook_deliveries.update()
                .where(d.company_id == company_id, d.hook == hook, d.delivery == delivery)
                .values(outcome=outcome[:200])
            )

    def release_delivery(self, company_id: str, hook: str, delivery: str) -> None:
        """Forget a claimed delivery the hook could not act on, so that a redelivery is taken."""
        d = hook_deliveries.c
        with self._write() as conn:
            conn.execute(
                hook_deliveries.delete().where(d.company_id == company_id, d.hook == hook, d.delivery == delivery)
            )

    def list_deliveries(self, company_id: str, hook: str, *, limit: int = 20) -> list[HookDelivery]:
        """The hook's latest deliveries, newest first."""
        d = hook_deliveries.c
        query = (
            sa.select(d.delivery, d.received_at, d.outcome)
            .where(d.company_id == company_id, d.hook == hook)
            .order_by(d.received_at.desc())
            .limit(limit)
        )
        with self.engine.connect() as conn:
            return [
                HookDelivery(delivery=r.delivery, received_at=r.received_at, outcome=r.outcome)
                for r in conn.execute(query)
            ]

    # ------------------------------------------------------------------ outgoing subscriptions

    def add_webhook(self, company_id: str, spec: WebhookSpec, sealed: bytes, *, now: datetime | None = None) -> bool:
        """Keep the subscription with its sealed secret; False when the company has one of that name."""
        row = {
            "company_id": company_id,
            "name": spec.name,
            "url": spec.url,
            "events": [e.value for e in spec.events],
            "format": spec.format.value,
            "sealed": sealed,
            "created_at": now or utc_now(),
        }
        keys = ["company_id", "name"]
        added = self._insert(webhook_subscriptions).values(row).on_conflict_do_nothing(index_elements=keys)
        with self._write() as conn:
            return conn.execute(added.returning(webhook_subscriptions.c.name)).first() is not None

    def list_webhooks(self, company_id: str, event: WebhookEvent | None = None) -> list[StoredWebhook]:
        """The company's subscriptions by name (those told of `event`, if given)."""
        c = webhook_subscriptions.c
        query = sa.select(c.name, c.url, c.events, c.format, c.sealed, c.created_at).where(c.company_id == company_id)
        with self.engine.connect() as conn:
            found = [
                StoredWebhook(
                    spec=WebhookSpec(name=r.name, url=r.url, events=list(r.events), format=WebhookFormat(r.format)),
                    sealed=r.sealed,
                    created_at=r.created_at,
                )
                for r in conn.execute(query.order_by(c.name))
            ]
        return [w for w in found if event is None or event in w.spec.events]

    def delete_webhook(self, company_id: str, name: str) -> bool:
        c = webhook_subscriptions.c
        with self._write() as conn:
            gone = conn.execute(
                webhook_subscriptions.delete().where(c.company_id == company_id, c.name == name).returning(c.name)
            )
            return gone.first() is not None
