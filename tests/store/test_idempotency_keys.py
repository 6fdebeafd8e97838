"""Requests with an Idempotency-Key in the store, on both backends: claimed once, answered again
once they succeeded, refused with another request, retried after a failure, taken over when left
pending, and forgotten after a day."""

from concurrent.futures import ThreadPoolExecutor
from datetime import UTC, datetime, timedelta

from paperclip.store import Store
from paperclip.store.idempotency import RETENTION, STALE_AFTER, Claim

T0 = datetime(2026, 12, 1, 12, 0, tzinfo=UTC)
SCOPE, REQUEST, OTHER = "s" * 32, "r" * 32, "o" * 32


def test_a_request_is_claimed_once_and_its_success_answered_again(store: Store) -> None:
    assert store.claim_request(SCOPE, REQUEST, now=T0).claim is Claim.NEW
    assert store.claim_request(SCOPE, REQUEST, now=T0).claim is Claim.RUNNING
    assert store.claim_request(SCOPE, OTHER, now=T0).claim is Claim.REUSED
    store.finish_request(SCOPE, status=201, media_type="application/json", body=b'{"id": 1}')
    repeat = store.claim_request(SCOPE, REQUEST, now=T0)
    assert (repeat.claim, repeat.status, repeat.media_type, repeat.body) == (
        Claim.REPEAT, 201, "application/json", b'{"id": 1}'
    )  # fmt: skip
    assert store.claim_request(SCOPE, OTHER, now=T0).claim is Claim.REUSED


def test_a_failed_request_may_run_again_but_keeps_its_request(store: Store) -> None:
    store.claim_request(SCOPE, REQUEST, now=T0)
    store.finish_request(SCOPE, status=503, media_type="application/json", body=b"{}")
    assert store.claim_request(SCOPE, OTHER, now=T0).claim is Claim.REUSED
    assert store.claim_request(SCOPE, REQUEST, now=T0).claim is Claim.NEW
    store.finish_request(SCOPE, status=200, media_type=None, body=None)  # succeeded; its body is a secret
    repeat = store.claim_request(SCOPE, REQUEST, now=T0)
    assert repeat.claim is Claim.REPEAT and repeat.body is None


def test_a_claim_left_pending_is_taken_over_and_keys_are_forgotten_after_a_day(store: Store) -> None:
    store.claim_request(SCOPE, REQUEST, now=T0)
    assert store.claim_request(SCOPE, REQUEST, now=T0 + STALE_AFTER / 2).claim is Claim.RUNNING
    assert store.claim_request(SCOPE, REQUEST, now=T0 + STALE_AFTER + timedelta(seconds=1)).claim is Claim.NEW
    store.finish_request(SCOPE, status=200, media_type=None, body=b"")
    later = T0 + STALE_AFTER + RETENTION + timedelta(seconds=2)
    assert store.claim_request(SCOPE, OTHER, now=later).claim is Claim.NEW  # the old key is gone


def test_concurrent_claims_of_one_key_let_one_run(store: Store) -> None:
    with ThreadPoolExecutor(4) as pool:
        claims = list(pool.map(lambda _: store.claim_request(SCOPE, REQUEST, now=T0).claim, range(8)))
    assert claims.count(Claim.NEW) == 1 and claims.count(Claim.RUNNING) == 7
