"""Prompt caching in a real task: an Anthropic agent's turns (real workers, real model activity and
SDK, the fake provider server) write the prompt cache, then read it, and `GET /costs` shows the
cached and cache-write tokens at the prices Anthropic bills, or at an agent's own price."""

from collections.abc import AsyncIterator

import httpx
import pytest

from paperclip.models import Usage
from paperclip.store import Store
from tests.api.conftest import assert_error
from tests.api.helpers import bind_fake_key, create_company, wait_for_task
from tests.fakes import FakeModelServer

# claude-haiku-4-5's list prices, USD per million tokens: $1 in, $5 out; Anthropic bills a 5-minute
# cache write at 1.25x the input price and a cache read at 0.1x.
IN, OUT, WRITE, READ = 1.00, 5.00, 1.25, 0.10
TURNS = 8
BRIEF = "Launch plan: ship small, ship often, and write down what each step taught us. " * 60
"""About 1,200 tokens as the fake counts them: with it, the prompt passes the 1,024-token minimum
a cached prefix needs."""


@pytest.fixture
async def server(api: httpx.AsyncClient) -> AsyncIterator[FakeModelServer]:
    with FakeModelServer() as fake:
        fake.work_turns = TURNS
        await bind_fake_key(api, fake.base_url)
        yield fake


def haiku(server: FakeModelServer, **fields: object) -> dict[str, object]:
    """claude-haiku-4-5, served by the fake provider."""
    model = {"provider": "anthropic", "model": "claude-haiku-4-5", "base_url": server.base_url_anthropic}
    return model | {"credential": "fake-key"} | fields


async def run_task(api: httpx.AsyncClient, model: dict[str, object]) -> str:
    """A company whose CEO talks to `model`, after its first task is done; the company's id."""
    company = (await create_company(api, agents=[{"name": "ceo", "role": "ceo", "model": model}]))["id"]
    response = await api.post(
        f"/api/companies/{company}/tasks", json={"title": "Plan the launch", "assignee": "ceo", "brief": BRIEF}
    )
    assert response.status_code == 201, response.text
    await wait_for_task(api, company, "ACME-1", timeout=60)
    return company


async def test_a_tasks_later_turns_read_the_cache_and_the_costs_say_so(
    api: httpx.AsyncClient, server: FakeModelServer
) -> None:
    company = await run_task(api, haiku(server))

    usages = server.usages
    assert len(usages) == TURNS
    for body in server.requests:
        assert body["tools"][-1]["cache_control"] == {"type": "ephemeral"}
        assert body["system"][-1]["cache_control"] == {"type": "ephemeral"}
        assert "cache_control" in body["messages"][-1]["content"][-1]
    # The first turn writes its whole prompt; every later one reads what the turn before sent.
    assert usages[0].cache_write_tokens == usages[0].input_tokens and usages[0].cached_input_tokens == 0
    for before, now in zip(usages, usages[1:], strict=False):
        assert now.cached_input_tokens == before.input_tokens
        assert now.cache_write_tokens == now.input_tokens - before.input_tokens

    total = sum(usages, Usage())
    plain = total.input_tokens - total.cached_input_tokens - total.cache_write_tokens
    billed = (plain * IN + total.cache_write_tokens * IN * WRITE + total.cached_input_tokens * IN * READ) / 1e6
    billed += total.output_tokens * OUT / 1e6
    body = (await api.get(f"/api/companies/{company}/costs", params={"group_by": "model"})).json()
    [line] = body["data"]
    assert line["key"] == "anthropic:claude-haiku-4-5"
    assert line["usage"] == total.model_dump()
    assert line["usage"]["cache_write_tokens"] > 0 and line["usage"]["cached_input_tokens"] > 0
    assert line["cost_usd"] == pytest.approx(billed, abs=1e-9)
    # Booked at the plain input price, the same prompts would have cost more.
    assert line["cost_usd"] < (total.input_tokens * IN + total.output_tokens * OUT) / 1e6
    # The activity log (and the live event stream) tells each turn's cache reads and writes.
    turns = (await api.get(f"/api/companies/{company}/activity", params={"kind": "agent.turn"})).json()["data"]
    assert [(t["data"]["cached_input_tokens"], t["data"]["cache_write_tokens"]) for t in turns] == [
        (u.cached_input_tokens, u.cache_write_tokens) for u in usages
    ]


OWN_PRICE = {"input": 2.0, "output": 10.0, "cached_input": 0.3, "cache_write": 3.0}
"""A negotiated rate whose cache writes cost 1.5x its input price, not Anthropic's listed 1.25x."""


async def test_an_agents_own_price_books_its_cache_writes_at_the_price_it_names(
    api: httpx.AsyncClient, server: FakeModelServer, store: Store
) -> None:
    company = await run_task(api, haiku(server, price=OWN_PRICE))

    def billed(usage: Usage, write: float) -> float:
        plain = usage.input_tokens - usage.cached_input_tokens - usage.cache_write_tokens
        prompt = plain * OWN_PRICE["input"] + usage.cache_write_tokens * write
        prompt += usage.cached_input_tokens * OWN_PRICE["cached_input"]
        return (prompt + usage.output_tokens * OWN_PRICE["output"]) / 1e6

    events = store.list_cost_events(company)
    assert [e.usage for e in events] == server.usages
    for event in events:
        assert event.cost_usd == pytest.approx(billed(event.usage, OWN_PRICE["cache_write"]), abs=1e-12)
    total = sum(server.usages, Usage())
    assert total.cache_write_tokens > 0
    [line] = (await api.get(f"/api/companies/{company}/costs", params={"group_by": "model"})).json()["data"]
    assert line["usage"] == total.model_dump()
    assert line["cost_usd"] == pytest.approx(billed(total, OWN_PRICE["cache_write"]), abs=1e-9)
    # At the 1.25x a price without `cache_write` derives, the same calls would have cost less.
    assert line["cost_usd"] > billed(total, OWN_PRICE["input"] * WRITE) + 1e-6


@pytest.mark.parametrize(
    ("raw", "says"),
    [("-0.5", "greater than or equal to 0"), ("1e400", "finite number"), ('"dear"', "valid number")],
)
async def test_a_cache_write_price_that_is_not_a_price_is_refused(api: httpx.AsyncClient, raw: str, says: str) -> None:
    company = (await create_company(api))["id"]
    body = (
        '{"name": "eng", "role": "engineer", "reports_to": "cto", "model": {"provider": "anthropic",'
        f' "model": "claude-haiku-4-5", "price": {{"input": 1, "output": 5, "cache_write": {raw}}}}}}}'
    )
    response = await api.post(
        f"/api/companies/{company}/agents", content=body, headers={"Content-Type": "application/json"}
    )
    error = assert_error(response, 422, "invalid_input")
    assert "model.price.cache_write" in error["message"] and says in error["message"], error
    assert [d["field"] for d in error["details"]] == ["model.price.cache_write"]
    agents = (await api.get(f"/api/companies/{company}")).json()["agents"]
    assert "eng" not in {a["spec"]["name"] for a in agents}
