"""A model turn under its credential's shared limits: a provider's retry-after holds every call on
the key, a call waits for the key's token bucket, and what it did not use goes back; a compaction
turn takes from the same bucket."""

import asyncio
import time
from pathlib import Path

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.compaction import CompactionActivities
from activities.limits import CredentialLimits
from activities.model_turn import ModelActivities
from paperclip.compaction import SUMMARY_AUTHOR, request_message
from paperclip.context import plain_tokens
from paperclip.models import Message, ModelConfig, Provider, RateLimit, SessionRef
from paperclip.store import Store
from tests.activities.helpers import SESSION, keys_for, run_turn, turn_input
from tests.fakes import FakeModelServer

KEY = "OPENAI_API_KEY"


class CountingStore(Store):
    """The real store, remembering what each call took from the bucket and gave back."""

    def __init__(self, url: str) -> None:
        super().__init__(url)
        self.taken: list[int] = []
        self.returned: list[int] = []

    def take_tokens(self, credential: str, tokens: int, *, per_minute: int | None, **kwargs) -> float:
        wait = super().take_tokens(credential, tokens, per_minute=per_minute, **kwargs)
        if not wait:
            self.taken.append(tokens)
        return wait

    def return_tokens(self, credential: str, tokens: int, *, per_minute: int, **kwargs) -> None:
        self.returned.append(tokens)
        super().return_tokens(credential, tokens, per_minute=per_minute, **kwargs)


@pytest.fixture
def limit_store(tmp_path: Path) -> CountingStore:
    store = CountingStore(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    return store


def openai(server: FakeModelServer, **fields) -> ModelConfig:
    return ModelConfig(provider=Provider.OPENAI, model="gpt-4.1-mini", base_url=server.base_url_openai, **fields)


async def test_a_providers_retry_after_holds_every_call_on_the_key(server, store, limit_store) -> None:
    turns = ModelActivities(store, keys=keys_for(server, server.openai_key), limits=CredentialLimits(limit_store))
    server.fail_next(1, status=429, retry_after=2)
    with pytest.raises(ApplicationError) as refused:
        await run_turn(turns, turn_input(openai(server)))
    assert refused.value.type == "ProviderRateLimited"

    # Another agent's call on the same key waits out the delay before it reaches the provider.
    other = turn_input(openai(server)).model_copy(
        update={"session": SessionRef(company_id="acme", task="ACME-2", agent="cto")}
    )
    beats: list = []
    started = time.monotonic()
    await run_turn(turns, other, beats)
    assert time.monotonic() - started >= 1.5
    assert server.calls == 2
    assert any(isinstance(b, dict) and b.get("waiting_for") == f"{KEY} rate limit" for b in beats)

    # A call on another key is not held.
    limit_store.cool_down(KEY, time.time() + 60)
    started = time.monotonic()
    await run_turn(turns, turn_input(openai(server, credential="OTHER_KEY")).model_copy(update={"session": SESSION}))
    assert time.monotonic() - started < 1.5


async def test_a_call_takes_its_worst_case_and_gives_back_what_it_did_not_use(server, store, limit_store) -> None:
    limits = CredentialLimits(limit_store, {KEY: RateLimit(tokens_per_minute=100_000)})
    turns = ModelActivities(store, keys=keys_for(server), limits=limits)
    cfg = openai(server, max_tokens=500)
    inp = turn_input(cfg)

    await run_turn(turns, inp)

    # The prompt as estimated before the provider has counted any (four characters a token and
    # each message's framing), and all of `max_tokens`.
    prompt = plain_tokens(inp.system_prompt, inp.tools, inp.new_messages)
    used = server.usages[-1].input_tokens + server.usages[-1].output_tokens
    assert limit_store.taken == [prompt + 500]
    assert limit_store.returned == [prompt + 500 - used]
    assert server.usages[-1].input_tokens <= prompt  # the estimate covers what the provider counts


async def test_a_call_waits_until_the_keys_bucket_holds_its_worst_case(server, store, limit_store) -> None:
    limits = CredentialLimits(limit_store, {KEY: RateLimit(tokens_per_minute=60_000)})  # 1,000 a second
    turns = ModelActivities(store, keys=keys_for(server), limits=limits)
    # Other workers have taken all but 200 tokens (the bucket holds 55 s' worth); this call's worst
    # case is ~1,300.
    assert limit_store.take_tokens(KEY, 54_800, per_minute=60_000, capacity=55_000) == 0.0
    beats: list = []
    started = time.monotonic()
    await run_turn(turns, turn_input(openai(server, max_tokens=1000)), beats)
    assert 0.8 <= time.monotonic() - started < 5
    assert any(isinstance(b, dict) and "waiting_for" in b for b in beats)
    assert len(limit_store.taken) == 2


async def test_a_cancelled_call_gives_back_all_it_took(server, store, limit_store) -> None:
    limits = CredentialLimits(limit_store, {KEY: RateLimit(tokens_per_minute=100_000)})
    turns = ModelActivities(store, keys=keys_for(server), limits=limits)
    server.hang_next(1)
    call = asyncio.ensure_future(run_turn(turns, turn_input(openai(server))))
    while not server.calls:
        await asyncio.sleep(0.02)
    call.cancel()
    with pytest.raises(asyncio.CancelledError):
        await call
    assert limit_store.returned == limit_store.taken


async def test_calls_that_leave_together_reach_the_provider_one_request_at_a_time(server, store, limit_store) -> None:
    """Calls that set off together (dispatched at once, or done waiting for the same refill) each
    take a request from the key's request bucket last, just before they are sent: three at once on
    a key of 60 a minute reach a provider that allows two a second spaced out, and none is refused."""
    server.limit(requests_per_second=2)
    limits = CredentialLimits(limit_store, {KEY: RateLimit(requests_per_minute=60)})
    turns = ModelActivities(store, keys=keys_for(server), limits=limits)
    calls = [
        turn_input(openai(server, credential=KEY)).model_copy(
            update={"session": SessionRef(company_id="acme", task=f"ACME-{i}", agent="ceo")}
        )
        for i in range(1, 4)
    ]
    beats: list = []
    started = time.monotonic()
    await asyncio.gather(*(run_turn(turns, call, beats) for call in calls))
    assert not server.refused and server.calls == 3
    assert time.monotonic() - started >= 1.9  # a request a second after the first
    assert any(isinstance(b, dict) and b.get("waiting_for") == f"{KEY}#requests rate limit" for b in beats)


async def test_a_compaction_takes_from_its_keys_bucket_like_a_turn(server, store, limit_store) -> None:
    limits = CredentialLimits(limit_store, {KEY: RateLimit(tokens_per_minute=100_000)})
    turns = ModelActivities(store, keys=keys_for(server), limits=limits)
    inp = turn_input(openai(server, max_tokens=300))

    result = await ActivityEnvironment().run(CompactionActivities(turns).compact, inp)

    assert result.reply.author == SUMMARY_AUTHOR
    asked = [*inp.new_messages, request_message()]
    prompt = plain_tokens(inp.system_prompt, inp.tools, asked)
    used = server.usages[-1].input_tokens + server.usages[-1].output_tokens
    assert limit_store.taken == [prompt + 300]
    assert limit_store.returned == [prompt + 300 - used]


async def test_calls_stalled_between_their_take_and_the_provider_are_not_refused(server, store, limit_store) -> None:
    """A loaded worker can stall calls for seconds after they took their tokens: the provider's
    bucket, full, gains nothing meanwhile while ours refills and lets more calls take. Stalled
    for 4.5 seconds and then arriving all at once, the calls fit the provider's minute."""
    server.limit(tokens_per_minute=60_000)  # 1,000 a second
    limits = CredentialLimits(limit_store, {KEY: RateLimit(tokens_per_minute=60_000)})
    turns = ModelActivities(store, keys=keys_for(server), limits=limits)
    # Long briefs and short answers: what the provider takes is nearly all kept, not given back.
    brief = Message(role="user", author="board", content="Task ACME-1: Summarise\n" + "lorem ipsum " * 500)
    calls = [
        turn_input(openai(server, max_tokens=20), new=[brief]).model_copy(
            update={"session": SessionRef(company_id="acme", task=f"ACME-{i}", agent="ceo")}
        )
        for i in range(1, 33)
    ]
    cost = plain_tokens(calls[0].system_prompt, calls[0].tools, calls[0].new_messages) + 20
    # More calls than a minute's bucket holds, so some wait for its refill during the stall.
    assert len(calls) * cost > 60_000 + 4.5 * 1000
    server.hang_next(len(calls))  # held before the provider counts their tokens
    running = asyncio.gather(*(run_turn(turns, call) for call in calls))
    await asyncio.sleep(4.5)
    stalled = len(limit_store.taken)
    server.release_hangs(and_stop=True)
    await running
    assert stalled * cost > 55_000  # the bucket's 55 s' worth, and what refilled meanwhile
    assert not server.refused and server.calls == len(calls)
