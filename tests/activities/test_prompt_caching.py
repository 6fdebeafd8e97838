"""Prompt caching: Anthropic breakpoints, both providers' cached and cache-write tokens, and what
they cost, against the fake provider server through the real SDKs."""

import pytest

from activities.model_turn import ModelActivities
from paperclip import pricing
from paperclip.models import Message, ModelConfig, ModelTurnResult, Provider, Usage
from tests.activities.conftest import FakeStore
from tests.activities.helpers import keys_for, run_turn, turn_input
from tests.activities.test_model_turn import NEW_AFTER_DELEGATION, _seed_first_turn, anthropic_model, openai_model
from tests.fakes import FakeModelServer

EPHEMERAL = {"type": "ephemeral"}
LONG_PROMPT = "You are the CEO of Acme. " + "Acme's handbook says: ship small, ship often. " * 120
"""About 1,400 tokens as the fake counts them: over the 1,024-token minimum a cached prefix needs."""

# Published list prices, USD per million tokens (claude-haiku-4-5: $1 in, $5 out; a 5-minute
# cache write is 1.25x input, a read 0.1x. gpt-4o: $2.50 in, $1.25 cached, $10 out).
HAIKU_IN, HAIKU_OUT, HAIKU_WRITE, HAIKU_READ = 1.00, 5.00, 1.25, 0.10
GPT4O_IN, GPT4O_CACHED, GPT4O_OUT = 2.50, 1.25, 10.00


def _breakpoints(body: dict) -> list[str]:
    """Where a request body carries `cache_control`, in the API's prefix order."""
    found = [f"tools[{i}]" for i, t in enumerate(body.get("tools") or []) if "cache_control" in t]
    system = body.get("system")
    found += [f"system[{i}]" for i, b in enumerate(system if isinstance(system, list) else []) if "cache_control" in b]
    for i, m in enumerate(body["messages"]):
        found += [f"messages[{i}][{j}]" for j, b in enumerate(m["content"]) if "cache_control" in b]
    return found


async def test_anthropic_requests_carry_breakpoints_on_the_stable_prefix(server, store) -> None:
    _seed_first_turn(store)
    acts = ModelActivities(store, keys=keys_for(server))

    await run_turn(acts, turn_input(anthropic_model(server), seq=2, new=NEW_AFTER_DELEGATION))

    sent = server.requests[-1]
    last_tool = len(sent["tools"]) - 1
    # The last tool, the system prompt, the user message the previous turn ended with (its prefix
    # was written then) and the newest block: four, the API's maximum.
    assert _breakpoints(sent) == [f"tools[{last_tool}]", "system[0]", "messages[0][0]", "messages[2][3]"]
    assert sent["tools"][-1]["cache_control"] == EPHEMERAL
    assert sent["system"] == [{"type": "text", "text": "You are the CEO of Acme.", "cache_control": EPHEMERAL}]


async def test_a_first_anthropic_turn_writes_its_prompt_and_has_no_read_breakpoint(server, store) -> None:
    acts = ModelActivities(store, keys=keys_for(server))
    inp = turn_input(anthropic_model(server))
    inp.system_prompt = LONG_PROMPT

    result = await run_turn(acts, inp)

    sent = server.requests[-1]
    assert _breakpoints(sent) == [f"tools[{len(sent['tools']) - 1}]", "system[0]", "messages[0][0]"]
    assert result.usage == server.usages[-1]
    assert result.usage.cached_input_tokens == 0
    assert result.usage.cache_write_tokens == result.usage.input_tokens  # the whole prompt, cached for next time


async def _conversation(
    server: FakeModelServer, store: FakeStore, cfg: ModelConfig, turns: int
) -> list[ModelTurnResult]:
    """`turns` turns of one task: each answers the previous reply's tool calls with a long-ish
    result, as a working agent's notes and file reads do."""
    server.work_turns = turns + 1
    acts = ModelActivities(store, keys=keys_for(server))
    results: list[ModelTurnResult] = []
    new: list[Message] | None = None
    for seq in range(1, turns + 1):
        inp = turn_input(cfg, seq=seq, new=new)
        inp.system_prompt = LONG_PROMPT
        result = await run_turn(acts, inp)
        results.append(result)
        new = [
            Message(role="tool", tool_call_id=c.id, content=f"Saved. Notes so far, part {seq}: " + "detail " * 60)
            for c in result.reply.tool_calls
        ]
        assert new, "the fake keeps working: each reply calls a tool"
    return results


async def test_later_anthropic_turns_read_what_the_previous_turn_wrote_and_cost_as_billed(server, store) -> None:
    cfg = anthropic_model(server)
    results = await _conversation(server, store, cfg, 20)

    usages = [r.usage for r in results]
    assert usages == server.usages
    assert usages[0].cached_input_tokens == 0 and usages[0].cache_write_tokens == usages[0].input_tokens
    for before, now in zip(usages, usages[1:], strict=False):
        # The whole previous prompt is read from the cache; only what this turn added is written.
        assert now.cached_input_tokens == before.input_tokens
        assert now.cache_write_tokens == now.input_tokens - before.input_tokens
    for seq, result in enumerate(results, start=1):
        u = result.usage
        plain = u.input_tokens - u.cached_input_tokens - u.cache_write_tokens
        assert plain == 0  # every prompt token is either read or written
        billed = (
            plain * HAIKU_IN
            + u.cache_write_tokens * HAIKU_IN * HAIKU_WRITE
            + u.cached_input_tokens * HAIKU_IN * HAIKU_READ
            + u.output_tokens * HAIKU_OUT
        ) / 1e6
        assert result.cost_usd == pytest.approx(billed, rel=1e-9, abs=1e-12)
        # The ledger row the turn wrote carries the same tokens and cost.
        cost = store.costs[("acme", "ACME-1", "ceo", seq)]
        assert cost.usage == u and cost.cost_usd == result.cost_usd

    # What caching saved on input: the same prompts at the plain input price, against as billed.
    uncached = sum(u.input_tokens for u in usages) * HAIKU_IN / 1e6
    cached = (
        sum(
            u.cache_write_tokens * HAIKU_IN * HAIKU_WRITE + u.cached_input_tokens * HAIKU_IN * HAIKU_READ
            for u in usages
        )
        / 1e6
    )
    print(f"\n20 turns, claude-haiku-4-5 input: ${uncached:.6f} uncached, ${cached:.6f} with caching")
    assert cached < 0.3 * uncached


async def test_openai_reports_a_repeated_prefix_as_cached_and_it_is_priced_so(server, store) -> None:
    cfg = openai_model(server, "gpt-4o")
    results = await _conversation(server, store, cfg, 4)

    sent = server.requests[-1]
    # A stable prefix for OpenAI's automatic caching: the system prompt first, then the
    # conversation oldest first; the tools travel apart from the messages.
    assert sent["messages"][0] == {"role": "system", "content": LONG_PROMPT}
    assert sent["messages"][1]["content"].startswith("Task ACME-1")
    usages = [r.usage for r in results]
    assert usages[0].cached_input_tokens == 0
    for before, now in zip(usages, usages[1:], strict=False):
        assert 1024 <= now.cached_input_tokens <= before.input_tokens
        assert (now.cached_input_tokens - 1024) % 128 == 0  # OpenAI caches in 128-token steps
        assert now.cache_write_tokens == 0
    for result in results:
        u = result.usage
        billed = (
            (u.input_tokens - u.cached_input_tokens) * GPT4O_IN
            + u.cached_input_tokens * GPT4O_CACHED
            + u.output_tokens * GPT4O_OUT
        ) / 1e6
        assert result.cost_usd == pytest.approx(billed, rel=1e-9, abs=1e-12)


def test_cache_writes_and_reads_cost_the_published_multiples() -> None:
    usage = Usage(input_tokens=10_000, output_tokens=1_000, cached_input_tokens=6_000, cache_write_tokens=3_000)
    # claude-sonnet-4-5: 1,000 plain at $3, 6,000 read at $0.30, 3,000 written at $3.75, 1,000 out at $15.
    assert pricing.cost_usd(Provider.ANTHROPIC, "claude-sonnet-4-5", usage) == pytest.approx(0.03105)
    # OpenAI has no cache-write premium: a write count is plain input there.
    openai = Usage(input_tokens=10_000, output_tokens=1_000, cached_input_tokens=6_000, cache_write_tokens=3_000)
    assert pricing.cost_usd(Provider.OPENAI, "gpt-4o", openai) == pytest.approx(
        (4_000 * 2.5 + 6_000 * 1.25 + 10_000) / 1e6
    )
    # An agent's own price: writes at 1.25x its input for Anthropic.
    own = ModelConfig(
        provider=Provider.ANTHROPIC, model="claude-x", price={"input": 2.0, "output": 10.0, "cached_input": 0.2}
    )
    assert pricing.cost_usd(own, Usage(input_tokens=1_000, cache_write_tokens=1_000)) == pytest.approx(0.0025)


@pytest.mark.parametrize(
    ("config", "per_prompt_token"),
    [
        (ModelConfig(provider=Provider.ANTHROPIC, model="claude-sonnet-4-5", max_tokens=2_000), 3.75),
        (
            ModelConfig(
                provider=Provider.ANTHROPIC, model="claude-x", max_tokens=2_000, price={"input": 2.0, "output": 15.0}
            ),
            2.5,
        ),
        (ModelConfig(provider=Provider.OPENAI, model="gpt-4o", max_tokens=2_000, price=None), 2.5),
    ],
)
def test_a_worst_case_reservation_covers_a_turn_that_writes_its_whole_prompt(config, per_prompt_token) -> None:
    usd, tokens = pricing.worst_case(config, 50_000)
    assert tokens == 52_000
    output = 10.0 if config.provider is Provider.OPENAI else 15.0
    assert usd == pytest.approx((50_000 * per_prompt_token + 2_000 * output) / 1e6)
    all_written = Usage(input_tokens=50_000, output_tokens=2_000, cache_write_tokens=50_000)
    cost = pricing.cost_usd(config, all_written)
    assert cost is not None and cost == pytest.approx(usd)
    before, _ = pricing.worst_case(config, 50_000, cache_writes=False)  # tasks that reserved before
    assert before == pytest.approx((50_000 * pricing.price_for(config).input + 2_000 * output) / 1e6)
