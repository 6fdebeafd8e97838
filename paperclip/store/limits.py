"""Rate limits shared by every worker: a token bucket and a cool-down per credential bucket.

One row of `credential_limits` per bucket (`paperclip.store.credentials.bucket`, or a derived
key such as `<bucket>#requests`): the tokens it held when last refilled, when that was, and
until when its provider asked to be left alone. Every change locks the row, so workers on
several machines share one bucket (`activities/limits.py` decides how much to take).
"""

import time

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from paperclip.store.engine import StoreCore
from paperclip.store.tables import credential_limits


class RateLimitStore(StoreCore):
    """Token buckets and cool-downs, by credential bucket."""

    def take_tokens(
        self,
        credential: str,
        tokens: int,
        *,
        per_minute: float | None,
        capacity: float | None = None,
        now: float | None = None,
    ) -> float:
        """Take `tokens` from the credential's token bucket (it holds `capacity`, by default
        `per_minute`, and refills at `per_minute` / 60 a second); with no `per_minute`, take
        nothing but respect a cool-down.

        Returns 0.0 when taken, else the seconds to wait before asking again (for the bucket to
        hold enough, or for the provider's cool-down to end); nothing is taken then. A call larger
        than the whole bucket waits for a full one and leaves it owing the rest.
        """
        if per_minute is None:
            with self.engine.connect() as conn:
                until = conn.execute(
                    sa.select(credential_limits.c.cooldown_until).where(credential_limits.c.credential == credential)
                ).scalar_one_or_none()
            return max(0.0, (until or 0.0) - (time.time() if now is None else now))
        with self._write() as conn:
            full = float(per_minute if capacity is None else capacity)
            tokens_now, until, at = self._bucket(conn, credential, per_minute=per_minute, full=full, now=now)
            if until is not None and until > at:
                return until - at
            short = min(tokens, full) - tokens_now
            if short > 0:
                return short * 60 / per_minute
            _set_bucket(conn, credential, tokens=tokens_now - tokens, at=at)
            return 0.0

    def return_tokens(
        self,
        credential: str,
        tokens: int,
        *,
        per_minute: int,
        capacity: float | None = None,
        now: float | None = None,
    ) -> None:
        """Put `tokens` back in the bucket (a call used less than it took); negative: it used more."""
        with self._write() as conn:
            full = float(per_minute if capacity is None else capacity)
            tokens_now, _, at = self._bucket(conn, credential, per_minute=per_minute, full=full, now=now)
            _set_bucket(conn, credential, tokens=min(full, tokens_now + tokens), at=at)

    def cool_down(self, credential: str, until: float) -> None:
        """Hold every call on the credential until `until` (Unix time), as its provider asked."""
        with self._write() as conn:
            # A new row's bucket counts as full: refilled since 1970.
            self._ensure_bucket(conn, credential, now=0.0)
            c = credential_limits.c
            held = conn.execute(
                sa.select(c.cooldown_until).where(c.credential == credential).with_for_update()
            ).scalar_one()
            if held is None or held < until:
                conn.execute(credential_limits.update().where(c.credential == credential).values(cooldown_until=until))

    def _ensure_bucket(self, conn: Connection, credential: str, *, now: float, tokens: float = 0.0) -> None:
        stmt = self._insert(credential_limits).on_conflict_do_nothing(index_elements=["credential"])
        conn.execute(stmt, [{"credential": credential, "tokens": tokens, "refilled_at": now}])

    def _bucket(
        self, conn: Connection, credential: str, *, per_minute: float, full: float, now: float | None
    ) -> tuple[float, float | None, float]:
        """The bucket's tokens (refilled since last time), its cool-down and the time they are
        for, with the row locked. The time is read once the lock is held and never goes back
        (a writer that waited for the lock must not count again a refill another already did)."""
        self._ensure_bucket(conn, credential, now=time.time() if now is None else now, tokens=full)
        row = conn.execute(
            sa.select(credential_limits).where(credential_limits.c.credential == credential).with_for_update()
        ).one()
        at = max(time.time() if now is None else now, row.refilled_at)
        refilled = row.tokens + (at - row.refilled_at) * per_minute / 60
        return min(full, refilled), row.cooldown_until, at


def _set_bucket(conn: Connection, credential: str, *, tokens: float, at: float) -> None:
    conn.execute(
        credential_limits.update()
        .where(credential_limits.c.credential == credential)
        .values(tokens=tokens, refilled_at=at)
    )
