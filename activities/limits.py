"""Shared limits of a provider credential, as model calls meet them.

Limits are keyed by a credential's bucket (`paperclip.keys.BoundKey.bucket`): `<team>/<name>`
for a team's credential, `<name>` for the deployment's, so two teams' credentials of the same
name never share a limit, a queue or a cool-down.

- **Requests a minute**: a credential with `requests_per_minute` has a model queue of its own
  (`<queue>-llm@<bucket>`), and its workers ask Temporal to dispatch at most that many calls
  a minute from it; the server enforces it for every worker polling the queue. A task asks its
  worker which queue its company's credential's calls go to (`model_queue`, a local activity, so
  the answer is kept in the task's history; histories from before teams' credentials asked
  `credential_queue`, by name alone).
  Calls that then waited for tokens together would leave together, so a call also takes one
  request from the credential's request bucket in the store (a second's worth) last, just
  before it is sent: however the calls bunch up on their way, they reach the provider spaced.
- **Tokens a minute**: before a call, its worst case (the estimated prompt plus `max_tokens`, as
  the providers count) is taken from the credential's token bucket in the store, shared by every
  worker; the call waits, heartbeating, until the bucket holds it. What the call did not use goes
  back afterwards.
- **Retry-after**: a provider's 429 with a delay holds every call on the credential until it
  ends, not just the one that was refused.
"""

import asyncio
import random
import time
from collections.abc import Mapping
from datetime import timedelta
from typing import Protocol

from temporalio import activity

from paperclip.constants import Activity
from paperclip.keys import KeyResolver
from paperclip.models import ModelQueueInput, RateLimit

POLL_SECONDS = 1.0
"""The longest a waiting call sleeps before asking the bucket again (and heartbeating)."""
REACH_SECONDS = 5.0
"""A bound on the time from taking a call's tokens to the call reaching the provider. The
provider's bucket, full meanwhile, refills nothing in that time while ours would: so ours holds
a minute's worth less this many seconds' (refilling at the same rate), and never runs ahead.
One second proved too little: a loaded worker (two cores under a full test run) stalled its
calls for over two seconds after they took their tokens, and the provider refused 25 of 50."""


REQUESTS_BUCKET = "#requests"
"""The suffix of a credential's request bucket in the store (beside its token bucket)."""


def has_own_queue(limit: RateLimit | None) -> bool:
    """Whether a credential's calls run on a model queue of their own (rate-limited by Temporal)."""
    return limit is not None and limit.requests_per_minute is not None


class LimitStore(Protocol):
    """The part of `paperclip.store.Store` the limits use (blocking calls)."""

    def take_tokens(
        self, credential: str, tokens: int, *, per_minute: float | None, capacity: float | None
    ) -> float: ...

    def return_tokens(self, credential: str, tokens: int, *, per_minute: int, capacity: float | None) -> None: ...

    def cool_down(self, credential: str, until: float) -> None: ...


class CredentialLimits:
    """The limits of every credential (`Settings.rate_limits`), kept in a shared store.

    Args:
        store: where the token buckets and cool-downs live (`paperclip.store.Store`).
        limits: credential bucket → its limits; a credential without any still shares cool-downs.
        keys: resolves a company's credential name to its bucket (`model_queue`); None: every
            name is the deployment's.
    """

    def __init__(
        self, store: LimitStore, limits: Mapping[str, RateLimit] | None = None, *, keys: KeyResolver | None = None
    ) -> None:
        self.store = store
        self.limits = dict(limits or {})
        self.keys = keys

    def tokens_per_minute(self, credential: str) -> int | None:
        limit = self.limits.get(credential)
        return None if limit is None else limit.tokens_per_minute

    @activity.defn(name=Activity.CREDENTIAL_QUEUE)
    async def credential_queue(self, credential: str) -> bool:
        """Whether `credential`'s calls go to its own model queue (it has a requests-a-minute
        limit), the name taken as the deployment's bucket (histories from before `model_queue`)."""
        return has_own_queue(self.limits.get(credential))

    @activity.defn(name=Activity.MODEL_QUEUE)
    async def model_queue(self, input: ModelQueueInput) -> str | None:
        """The bucket whose own model queue the company's calls on `input.credential` go to (it
        has a requests-a-minute limit); None: the shared model queue (also when the name leads
        to no credential: the call then fails there, saying so)."""
        if self.keys is None:
            bucket: str | None = input.credential
        else:
            key = await asyncio.to_thread(self.keys, input.company_id, input.credential)
            bucket = key.bucket if key is not None else None
        return bucket if bucket is not None and has_own_queue(self.limits.get(bucket)) else None

    async def admit(self, credential: str, tokens: int) -> None:
        """Wait, heartbeating, until the credential's bucket gives `tokens` and no cool-down holds
        it, then (with a requests-a-minute limit) for the credential's next request.

        `tokens` is 0 for a credential with no tokens-a-minute limit (only a cool-down holds it).
        """
        per_minute = self.tokens_per_minute(credential)
        await self._take(credential, tokens, per_minute, _capacity(per_minute))
        limit = self.limits.get(credential)
        if limit is not None and limit.requests_per_minute is not None:
            rate = limit.requests_per_minute
            await self._take(credential + REQUESTS_BUCKET, 1, rate, max(1.0, rate / 60))

    async def _take(self, bucket: str, amount: int, per_minute: float | None, capacity: float | None) -> None:
        while True:
            wait = await asyncio.to_thread(
                self.store.take_tokens, bucket, amount, per_minute=per_minute, capacity=capacity
            )
            if wait <= 0:
                return
            activity.heartbeat({"waiting_for": f"{bucket} rate limit", "seconds": round(wait, 3)})
            # A little jitter, so callers waiting for the same refill do not all ask at once.
            await asyncio.sleep(min(wait, POLL_SECONDS) + random.uniform(0, 0.05))

    async def settle(self, credential: str, took: int, used: int) -> None:
        """Give back what a call took beyond what it used (or owe what it used beyond)."""
        per_minute = self.tokens_per_minute(credential)
        if per_minute is not None and took != used:
            await asyncio.to_thread(
                self.store.return_tokens, credential, took - used, per_minute=per_minute, capacity=_capacity(per_minute)
            )

    async def cool_down(self, credential: str, delay: timedelta) -> None:
        """Hold every call on the credential for `delay`, as its provider asked."""
        await asyncio.to_thread(self.store.cool_down, credential, time.time() + delay.total_seconds())


def _capacity(per_minute: int | None) -> float | None:
    return None if per_minute is None else per_minute * (60 - REACH_SECONDS) / 60
