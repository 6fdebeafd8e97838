"""`api.recent`: readers of one company share one query at a time; a change forgets it."""

import asyncio

import pytest

from api.recent import Recent


async def test_concurrent_readers_share_one_making_and_a_forgotten_company_is_made_again() -> None:
    made = 0

    async def make() -> int:
        nonlocal made
        made += 1
        await asyncio.sleep(0.05)
        return made

    recent = Recent(ttl=60)
    assert await asyncio.gather(*(recent.get(("acme", "snapshot"), make) for _ in range(20))) == [1] * 20
    assert await recent.get(("acme", "snapshot"), make) == 1  # within the ttl
    recent.forget("globex")
    assert await recent.get(("acme", "snapshot"), make) == 1
    recent.forget("acme")
    assert await recent.get(("acme", "snapshot"), make) == 2


async def test_a_value_expires_and_a_failure_is_not_kept() -> None:
    calls = 0

    async def flaky() -> str:
        nonlocal calls
        calls += 1
        if calls == 1:
            raise RuntimeError("Temporal is down")
        return "snapshot"

    recent = Recent(ttl=0.05)
    with pytest.raises(RuntimeError):
        await recent.get(("acme",), flaky)
    assert await recent.get(("acme",), flaky) == "snapshot"
    await asyncio.sleep(0.06)
    assert await recent.get(("acme",), flaky) == "snapshot" and calls == 3
