"""The `notify` activity: a company's events sent to its webhook subscriptions, signed.

Each attempt reads the subscriptions afresh (one removed meanwhile is not sent to), POSTs each
event to each subscription told of it — to the address `paperclip.netguard` checked, never on to
a redirect — and heartbeats the deliveries that are done, so a retry sends only the others.
A 2xx is done; a 4xx other than 408 and 429 is a refusal for good (logged, not retried);
anything else (5xx, 408, 429, no connection) fails the attempt after the others are tried, and
Temporal retries it by the company's retry policy.
"""

import asyncio
import logging
import time
from collections.abc import Callable
from typing import Literal

import httpx
from temporalio import activity
from temporalio.exceptions import ApplicationError

from paperclip.constants import Activity
from paperclip.models.webhooks import Notification, NotifyInput, NotifyResult
from paperclip.netguard import HostRefused, resolve
from paperclip.secrets import SecretBox
from paperclip.store import Store
from paperclip.store.hooks import StoredWebhook, webhook_secret_name
from paperclip.webhooks import signing
from paperclip.webhooks.outgoing import body

log = logging.getLogger("paperclip.webhooks")

WEBHOOK_UNAVAILABLE = "WebhookUnavailable"
"""A subscriber did not take a delivery (5xx, 408, 429, no answer): retried."""
TIMEOUT_SECONDS = 10.0
"""How long one delivery may take."""
_RETRIED = frozenset({408, 429})
Outcome = Literal["sent", "refused", "failed"]


class WebhookActivities:
    """Outgoing webhooks.

    Args:
        store: the subscriptions and their sealed secrets.
        box: opens the secrets; a callable makes it on first need.
        private_hosts: `host[:port]` on this machine or a link-local network that subscriptions
            may be at even so (`Settings.allow_private_hosts`).
    """

    def __init__(
        self,
        store: Store,
        box: Callable[[], SecretBox],
        *,
        private_hosts: list[str] | None = None,
        client: httpx.AsyncClient | None = None,
    ) -> None:
        self.store = store
        self._box_factory = box
        self._box: SecretBox | None = None
        self.private_hosts = list(private_hosts or [])
        self._client = client

    @property
    def client(self) -> httpx.AsyncClient:
        if self._client is None:
            self._client = httpx.AsyncClient(follow_redirects=False)
        return self._client

    @property
    def box(self) -> SecretBox:
        if self._box is None:
            self._box = self._box_factory()
        return self._box

    @activity.defn(name=Activity.NOTIFY)
    async def notify(self, input: NotifyInput) -> NotifyResult:
        """Send each event to the subscriptions told of it.

        Raises:
            ApplicationError: `WebhookUnavailable` (retried) when a subscriber did not take one;
                the deliveries done are in the heartbeat, and not sent again.
        """
        details = activity.info().heartbeat_details
        done: set[str] = set(details[0]) if details else set()
        subscriptions = await asyncio.to_thread(self.store.list_webhooks, input.company_id)
        result, failures = NotifyResult(), []
        for notification in input.notifications:
            for subscription in subscriptions:
                key = f"{notification.id}:{subscription.spec.name}"
                if notification.event not in subscription.spec.events or key in done:
                    continue
                outcome, why = await self._deliver(input.company_id, notification, subscription)
                if outcome == "sent":
                    result.sent += 1
                elif outcome == "refused":
                    result.refused += 1
                    log.warning("webhook %s of %s refused %s: %s", subscription.spec.name, input.company_id, key, why)
                else:
                    failures.append(f"{subscription.spec.name}: {why}")
                    continue
                done.add(key)
                activity.heartbeat(sorted(done))
        if failures:
            raise ApplicationError(
                f"{len(failures)} delivery(ies) not taken: {'; '.join(failures)[:1000]}", type=WEBHOOK_UNAVAILABLE
            )
        return result

    async def _deliver(
        self, company_id: str, notification: Notification, subscription: StoredWebhook
    ) -> tuple[Outcome, str]:
        """POST one event to one subscription: whether it was sent, refused for good, or is to be
        tried again, and why."""
        spec = subscription.spec
        content = body(notification, spec.format)
        secret = self.box.open(webhook_secret_name(company_id, spec.name), subscription.sealed)
        headers = {
            "content-type": "application/json",
            "user-agent": "paperclip-webhooks",
            signing.EVENT: notification.event.value,
            signing.DELIVERY: notification.id,
        } | signing.signed_headers(secret, int(time.time()), content)
        target = httpx.URL(spec.url)
        try:
            address = await resolve(
                target.host, target.port or (443 if target.scheme == "https" else 80), private_ok=self.private_hosts
            )
        except HostRefused as err:
            return "refused", f"{err} (a deployment allows such a host with PAPERCLIP_ALLOW_PRIVATE_HOSTS)"
        except (OSError, UnicodeError) as err:
            return "failed", f"cannot resolve {target.host}: {err}"
        # To the address that was checked; the name stays for `Host` and TLS.
        headers["host"] = target.netloc.decode("ascii")
        extensions = {"sni_hostname": target.host} if target.scheme == "https" else {}
        request = self.client.build_request(
            "POST",
            target.copy_with(host=str(address)),
            content=content,
            headers=headers,
            timeout=TIMEOUT_SECONDS,
            extensions=extensions,
        )
        try:
            response = await self.client.send(request)
        except httpx.HTTPError as err:
            return "failed", f"{type(err).__name__}: {err}".rstrip(": ")
        status = response.status_code
        if 200 <= status < 300:
            return "sent", ""
        if 400 <= status < 500 and status not in _RETRIED:
            return "refused", f"{spec.url} answered {status}"
        return "failed", f"{spec.url} answered {status}"
