"""The per-credential token bucket and cool-down every worker shares, on both backends."""

from concurrent.futures import ThreadPoolExecutor

import pytest

from paperclip.store import Store

T0 = 1_800_000_000.0
KEY = "OPENAI_API_KEY"


def test_a_new_bucket_holds_a_minute_of_tokens_and_refills_at_its_rate(store: Store) -> None:
    assert store.take_tokens(KEY, 600, per_minute=1000, now=T0) == 0.0
    # 400 left: 600 more is 200 short, which 1000/min refills in 12 s; nothing is taken meanwhile.
    assert store.take_tokens(KEY, 600, per_minute=1000, now=T0) == pytest.approx(12.0)
    assert store.take_tokens(KEY, 400, per_minute=1000, now=T0) == 0.0
    assert store.take_tokens(KEY, 1, per_minute=1000, now=T0) == pytest.approx(0.06)
    assert store.take_tokens(KEY, 600, per_minute=1000, now=T0 + 36) == 0.0
    # A bucket never holds more than a minute's worth, however long it rested.
    assert store.take_tokens(KEY, 1001, per_minute=1000, now=T0 + 3600) == 0.0
    assert store.take_tokens(KEY, 1, per_minute=1000, now=T0 + 3600) == pytest.approx(0.12)


def test_what_a_call_did_not_use_goes_back_and_what_it_used_beyond_is_owed(store: Store) -> None:
    assert store.take_tokens(KEY, 900, per_minute=1000, now=T0) == 0.0
    store.return_tokens(KEY, 700, per_minute=1000, now=T0)  # it used 200
    assert store.take_tokens(KEY, 800, per_minute=1000, now=T0) == 0.0
    store.return_tokens(KEY, -300, per_minute=1000, now=T0)  # it used 300 more than it took
    assert store.take_tokens(KEY, 100, per_minute=1000, now=T0) == pytest.approx(24.0)
    store.return_tokens(KEY, 5000, per_minute=1000, now=T0)
    assert store.take_tokens(KEY, 1000, per_minute=1000, now=T0) == 0.0


def test_credentials_have_buckets_of_their_own(store: Store) -> None:
    assert store.take_tokens(KEY, 1000, per_minute=1000, now=T0) == 0.0
    assert store.take_tokens("ANTHROPIC_API_KEY", 1000, per_minute=1000, now=T0) == 0.0
    assert store.take_tokens(KEY, 1000, per_minute=1000, now=T0) > 0


def test_a_cool_down_holds_every_call_on_the_credential_until_it_ends(store: Store) -> None:
    assert store.take_tokens(KEY, 10, per_minute=None, now=T0) == 0.0
    store.cool_down(KEY, T0 + 5)
    store.cool_down(KEY, T0 + 2)  # an earlier end does not shorten it
    assert store.take_tokens(KEY, 10, per_minute=None, now=T0 + 1) == pytest.approx(4.0)
    assert store.take_tokens(KEY, 10, per_minute=1000, now=T0 + 1) == pytest.approx(4.0)
    assert store.take_tokens(KEY, 10, per_minute=None, now=T0 + 5) == 0.0
    # The row the cool-down made left the bucket full.
    assert store.take_tokens(KEY, 1000, per_minute=1000, now=T0 + 5) == 0.0
    assert store.take_tokens("OTHER_KEY", 10, per_minute=None, now=T0 + 1) == 0.0


def test_concurrent_takers_never_take_more_than_the_bucket_holds(store: Store) -> None:
    def take(_: int) -> bool:
        return store.take_tokens(KEY, 100, per_minute=1000, now=T0) == 0.0

    with ThreadPoolExecutor(8) as pool:
        taken = list(pool.map(take, range(40)))
    assert sum(taken) == 10


def test_a_writer_late_for_the_lock_does_not_count_a_refill_twice(store: Store) -> None:
    assert store.take_tokens(KEY, 1000, per_minute=1000, now=T0) == 0.0
    assert store.take_tokens(KEY, 100, per_minute=1000, now=T0 + 6) == 0.0  # 6 s refilled 100
    # A writer that read the clock at T0 + 3 but got the lock after the one above.
    assert store.take_tokens(KEY, 1, per_minute=1000, now=T0 + 3) == pytest.approx(0.06)
    store.return_tokens(KEY, 0, per_minute=1000, now=T0 + 3)
    # Nothing more has been refilled by T0 + 6.
    assert store.take_tokens(KEY, 50, per_minute=1000, now=T0 + 6) == pytest.approx(3.0)


def test_a_bucket_may_hold_less_than_a_minute_and_still_refill_at_the_minutes_rate(store: Store) -> None:
    assert store.take_tokens(KEY, 900, per_minute=1000, capacity=950, now=T0) == 0.0
    assert store.take_tokens(KEY, 100, per_minute=1000, capacity=950, now=T0 + 3) == 0.0  # 50 + 3 s at 1000/min
    store.return_tokens(KEY, 5000, per_minute=1000, capacity=950, now=T0 + 3)
    assert store.take_tokens(KEY, 951, per_minute=1000, capacity=950, now=T0 + 3) == 0.0  # full; owes 1
    assert store.take_tokens(KEY, 1, per_minute=1000, capacity=950, now=T0 + 3) == pytest.approx(0.12)
