"""Requests made with an `Idempotency-Key`: claimed before they run, their response kept a day.

A request claims its key scope (`paperclip.idempotency.key_scope`) with its request hash. A repeat
of a request that succeeded is answered with the stored response; the same key with another
request is refused; a request that failed may be retried with its key. A claim left pending by an
API that died is taken over once it is `STALE_AFTER` old.
"""

from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

import sqlalchemy as sa

from paperclip.store.engine import StoreCore, utc_now
from paperclip.store.tables import idempotency_keys

RETENTION = timedelta(hours=24)
"""How long a key is remembered."""
STALE_AFTER = timedelta(minutes=5)
"""A claim still pending after this long belongs to a request that will not finish."""
MAX_RESPONSE_BYTES = 1024 * 1024
"""Larger responses are not kept: a repeat of their request runs again."""


class Claim(StrEnum):
    NEW = "new"
    """Run the request, then `finish` it."""
    REPEAT = "repeat"
    """It succeeded before: answer its stored response."""
    REUSED = "reused"
    """The key came with another request."""
    RUNNING = "running"
    """The first request with the key is still running."""


@dataclass(frozen=True)
class Claimed:
    claim: Claim
    status: int | None = None
    media_type: str | None = None
    body: bytes | None = None


class IdempotencyStore(StoreCore):
    """Claims of `Idempotency-Key` scopes and the responses kept for them."""

    def claim_request(self, scope: str, request: str, *, now: datetime | None = None) -> Claimed:
        """Claim `scope` for `request` (a hash of it): say whether to run it, answer it again, or
        refuse it. Forgets keys older than `RETENTION` on the way."""
        now = now or utc_now()
        c = idempotency_keys.c
        row = {"scope": scope, "request": request, "status": "pending", "created_at": now}
        with self._write() as conn:
            conn.execute(idempotency_keys.delete().where(c.created_at < now - RETENTION))
            added = self._insert(idempotency_keys).values(row).on_conflict_do_nothing(index_elements=["scope"])
            if conn.execute(added.returning(c.scope)).first() is not None:  # (rowcount is not reliable on psycopg)
                return Claimed(Claim.NEW)
            found = conn.execute(sa.select(idempotency_keys).where(c.scope == scope).with_for_update()).one()
            if found.request != request:
                return Claimed(Claim.REUSED)
            if found.status == "done":
                return Claimed(Claim.REPEAT, found.response_status, found.response_type, found.response_body)
            if found.status == "pending" and found.created_at > now - STALE_AFTER:
                return Claimed(Claim.RUNNING)
            conn.execute(idempotency_keys.update().where(c.scope == scope).values(status="pending", created_at=now))
            return Claimed(Claim.NEW)

    def finish_request(self, scope: str, *, status: int, media_type: str | None, body: bytes | None) -> None:
        """Keep the response of a claimed request: a 2xx is answered again to a repeat (`body`
        None: it succeeded, but its body is not to be kept, e.g. it shows a secret once); anything
        else (or a response too large to keep) lets a repeat run again."""
        done = 200 <= status < 300 and len(body or b"") <= MAX_RESPONSE_BYTES
        values = (
            {"status": "done", "response_status": status, "response_type": media_type, "response_body": body}
            if done
            else {"status": "failed"}
        )
        with self._write() as conn:
            conn.execute(idempotency_keys.update().where(idempotency_keys.c.scope == scope).values(**values))
