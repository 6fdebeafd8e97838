"""Spend over HTTP: prices from the settings written into hires, and `GET /costs` summing the ledger
the model turns wrote (real workers, real model activity, the fake provider server)."""

import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.models import Message, ModelPrice, SessionRef, Usage
from paperclip.settings import Settings
from paperclip.store import Store
from tests.api.conftest import assert_error
from tests.api.helpers import bind_fake_key, company_body, create_company, wait_for_task
from tests.fakes import FakeModelServer
from tests.store.factories import cost_event

OWN_RATE = ModelPrice(input=3.0, output=12.0, cached_input=1.5)
"""What `PAPERCLIP_PRICES` says `openai:house-model` costs (it is in no table)."""


@pytest.fixture
def settings(tmp_path: Path, dev_env: WorkflowEnvironment) -> Settings:
    """The API's settings, as `PAPERCLIP_PRICES` would give them."""
    address = dev_env.client.service_client.config.target_host
    return Settings(home=tmp_path, temporal_address=address, prices={"openai:house-model": OWN_RATE})


@pytest.fixture
async def server(api: httpx.AsyncClient) -> AsyncIterator[FakeModelServer]:
    """The fake provider, with the deployment's credential `fake-key` bound to it."""
    with FakeModelServer() as fake:
        fake.cached_input_tokens = 8
        await bind_fake_key(api, fake.base_url)
        yield fake


def on(server: FakeModelServer, model: str) -> dict[str, Any]:
    """An OpenAI model served by the fake server."""
    return {"provider": "openai", "model": model, "base_url": server.base_url_openai, "credential": "fake-key"}


def usd(usage: Usage, rates: tuple[float, float, float]) -> float:
    """USD of `usage` at (input, output, cached input) per million tokens."""
    fresh = usage.input_tokens - usage.cached_input_tokens
    return (fresh * rates[0] + usage.output_tokens * rates[1] + usage.cached_input_tokens * rates[2]) / 1e6


async def test_a_company_run_is_summed_from_what_the_provider_reported(
    api: httpx.AsyncClient, server: FakeModelServer
) -> None:
    agents = [
        {"name": "ceo", "role": "ceo", "model": on(server, "gpt-4o-mini")},
        {"name": "cto", "role": "cto", "reports_to": "ceo", "model": on(server, "house-model")},
        {"name": "cmo", "role": "cmo", "reports_to": "ceo", "model": on(server, "mystery-model")},
    ]
    created = await create_company(api, agents=agents)
    company = created["id"]
    assert [a["model"].get("price") for a in created["agents"]] == [None, OWN_RATE.model_dump(), None]
    response = await api.post(
        f"/api/companies/{company}/tasks", json={"title": "Plan the launch", "assignee": "ceo", "goal": "G1"}
    )
    assert response.status_code == 201, response.text
    await wait_for_task(api, company, "ACME-1")

    # What the provider reported, per model: every answered request, in order.
    reported: dict[str, Usage] = {}
    for request, usage in zip(server.requests, server.usages, strict=True):
        reported[request["model"]] = reported.get(request["model"], Usage()) + usage
    assert set(reported) == {"gpt-4o-mini", "house-model", "mystery-model"}
    ceo_usd = usd(reported["gpt-4o-mini"], (0.15, 0.60, 0.075))  # its list price
    cto_usd = usd(reported["house-model"], (3.0, 12.0, 1.5))  # PAPERCLIP_PRICES

    body = (await api.get(f"/api/companies/{company}/costs", params={"group_by": "model"})).json()
    assert body["group_by"] == "model"
    lines = {line["key"]: line for line in body["data"]}
    assert set(lines) == {"openai:gpt-4o-mini", "openai:house-model", "openai:mystery-model"}
    for model, usage in reported.items():
        assert lines[f"openai:{model}"]["usage"] == usage.model_dump()
    assert round(lines["openai:gpt-4o-mini"]["cost_usd"], 2) == round(ceo_usd, 2)
    assert lines["openai:gpt-4o-mini"]["cost_usd"] == pytest.approx(ceo_usd, abs=1e-9)
    assert lines["openai:house-model"]["cost_usd"] == pytest.approx(cto_usd, abs=1e-9)
    mystery = lines["openai:mystery-model"]
    assert (mystery["cost_usd"], mystery["unpriced_calls"]) == (0.0, mystery["calls"]) and mystery["calls"] >= 1
    assert body["total"]["cost_usd"] == pytest.approx(ceo_usd + cto_usd, abs=1e-9)
    assert body["total"]["calls"] == len(server.usages)
    assert body["total"]["unpriced_calls"] == mystery["calls"]
    assert body["warnings"] == ["openai:mystery-model has no price: token-only accounting"]

    by_agent = (await api.get(f"/api/companies/{company}/costs", params={"group_by": "agent"})).json()
    assert {line["key"]: line["usage"] for line in by_agent["data"]} == {
        "ceo": reported["gpt-4o-mini"].model_dump(),
        "cto": reported["house-model"].model_dump(),
        "cmo": reported["mystery-model"].model_dump(),
    }
    by_task = (await api.get(f"/api/companies/{company}/costs", params={"group_by": "task"})).json()
    assert sorted(line["key"] for line in by_task["data"]) == ["ACME-1", "ACME-1.1", "ACME-1.2"]
    by_goal = (await api.get(f"/api/companies/{company}/costs", params={"group_by": "goal"})).json()
    assert [(line["key"], line["calls"]) for line in by_goal["data"]] == [("G1", len(server.usages))]


async def test_a_hire_gets_its_price_from_the_settings_unless_it_sets_its_own(
    api: httpx.AsyncClient, server: FakeModelServer
) -> None:
    company = (await create_company(api))["id"]
    hired = await api.post(
        f"/api/companies/{company}/agents",
        json={"name": "eng", "role": "engineer", "reports_to": "cto", "model": on(server, "house-model-2025-01-01")},
    )
    assert hired.status_code == 201, hired.text
    assert hired.json()["spec"]["model"]["price"] == OWN_RATE.model_dump()

    own = {"input": 1.0, "output": 2.0, "cached_input": None, "cache_write": None}
    hired = await api.post(
        f"/api/companies/{company}/agents",
        json={
            "name": "ops",
            "role": "engineer",
            "reports_to": "cto",
            "model": on(server, "house-model") | {"price": own},
        },
    )
    assert hired.status_code == 201, hired.text
    assert hired.json()["spec"]["model"]["price"] == own


async def test_the_window_and_the_day_are_given_in_utc(api: httpx.AsyncClient, store: Store) -> None:
    company = (await create_company(api))["id"]
    night = datetime(2025, 3, 1, 23, 30, tzinfo=UTC)
    for seq, at in enumerate((night, night + timedelta(hours=1), night + timedelta(days=3)), start=1):
        event = cost_event(seq, company_id=company, at=at, cost_usd=0.5)
        session = SessionRef(company_id=company, task=event.task, agent=event.agent)
        store.save_turn(session, seq=seq, new_messages=[], reply=Message(role="assistant"), cost=event)

    response = await api.get(
        f"/api/companies/{company}/costs",
        params={"group_by": "day", "since": "2025-03-01T19:00:00-05:00", "until": "2025-03-04"},
    )

    assert response.status_code == 200, response.text
    body = response.json()
    assert [(line["key"], line["calls"], line["cost_usd"]) for line in body["data"]] == [("2025-03-02", 1, 0.5)]
    assert body["warnings"] == [] and body["total"]["unpriced_calls"] == 0


async def test_bad_questions_are_refused(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]

    assert_error(await api.get("/api/companies/no-such-co/costs"), 404, "not_found")
    error = assert_error(await api.get(f"/api/companies/{company}/costs", params={"group_by": "colour"}), 422)
    assert error["code"] == "invalid_input" and "group_by" in error["message"]
    window = {"since": "2025-03-02", "until": "2025-03-01"}
    assert_error(await api.get(f"/api/companies/{company}/costs", params=window), 422, "invalid_input")
    empty = (await api.get(f"/api/companies/{company}/costs")).json()
    assert empty["group_by"] == "agent" and empty["data"] == [] and empty["total"]["calls"] == 0


async def test_calls_lost_with_their_worker_show_apart_at_their_worst_case(
    api: httpx.AsyncClient, store: Store
) -> None:
    company = (await create_company(api))["id"]
    session = SessionRef(company_id=company, task="ACME-1", agent="ceo")
    worst = Usage(input_tokens=800, output_tokens=1024)
    store.begin_call(cost_event(1, company_id=company, attempt=1, usage=worst, cost_usd=0.05, confirmed=False))
    store.begin_call(cost_event(1, company_id=company, attempt=2, usage=worst, cost_usd=0.05, confirmed=False))
    answered = cost_event(1, company_id=company, attempt=2, cost_usd=0.01)
    store.save_turn(session, seq=1, new_messages=[], reply=Message(role="assistant"), cost=answered)

    body = (await api.get(f"/api/companies/{company}/costs")).json()

    (line,) = body["data"]
    assert line["calls"] == 2 and line["cost_usd"] == pytest.approx(0.06)
    assert line["unconfirmed"] == {"attempts": 1, "tokens": 1824, "usd": 0.05}
    assert body["total"]["unconfirmed"] == line["unconfirmed"]
    assert body["warnings"] == [
        "1 call(s) were lost with their worker before the provider's answer was known: they count at their worst "
        "case (1,824 tokens, $0.0500); the provider may have charged less, or nothing"
    ]


async def test_turns_of_cli_and_http_agents_are_reported_each_under_its_own_provider(
    api: httpx.AsyncClient, store: Store
) -> None:
    """The ledger names a CLI tool or adapter as a call's provider (`process`, `codex`, …), not a
    model provider: the report, the export and its import take each as a row of its own."""
    program = "import sys; sys.stdin.read(); print('shipped')"
    ops = {"name": "ops", "role": "engineer", "reports_to": "ceo", "adapter": "process",
           "cli": {"command": [sys.executable, "-c", program]}}  # fmt: skip
    company = (await create_company(api, agents=[*company_body()["agents"], ops]))["id"]
    created = await api.post(f"/api/companies/{company}/tasks", json={"title": "Ship it", "assignee": "ops"})
    assert created.status_code == 201, created.text
    assert (await wait_for_task(api, company, "ACME-1"))["result"] == "shipped"
    # Later turns of the task, as the Codex, Claude Code and HTTP activities keep them (no such
    # tool or service here).
    tools = [
        ("cto", "codex", "gpt-5-codex", Usage(input_tokens=1200, output_tokens=300, cached_input_tokens=200), None),
        ("cto", "claude-code", "claude-sonnet-4-5", Usage(input_tokens=900, output_tokens=100), 0.0042),
        ("cmo", "http", "default", Usage(input_tokens=50, output_tokens=5), None),
    ]
    for seq, (agent, provider, model, usage, cost) in enumerate(tools, start=2):
        event = cost_event(seq, company_id=company, task="ACME-1", agent=agent, provider=provider, model=model,
                           usage=usage, cost_usd=cost, simulated=False, at=datetime.now(UTC))  # fmt: skip
        session = SessionRef(company_id=company, task="ACME-1", agent=agent)
        store.save_turn(session, seq=seq, new_messages=[], reply=Message(role="assistant", content="ok"), cost=event)

    response = await api.get(f"/api/companies/{company}/costs", params={"group_by": "model"})

    assert response.status_code == 200, response.text
    report = response.json()
    lines = {line["key"]: line for line in report["data"]}
    assert set(lines) == {"process:default", "codex:gpt-5-codex", "claude-code:claude-sonnet-4-5", "http:default"}
    assert (lines["process:default"]["calls"], lines["process:default"]["unpriced_calls"]) == (1, 1)
    assert lines["codex:gpt-5-codex"]["usage"] == tools[0][3].model_dump()
    assert lines["claude-code:claude-sonnet-4-5"]["cost_usd"] == 0.0042
    total = report["total"]
    assert (total["calls"], total["cost_usd"], total["unpriced_calls"]) == (4, 0.0042, 3)
    assert total["usage"] == (tools[0][3] + tools[1][3] + tools[2][3]).model_dump()
    assert report["warnings"] == [
        "codex:gpt-5-codex has no price: token-only accounting",
        "http:default has no price: token-only accounting",
        "process:default has no price: token-only accounting",
    ]
    by_agent = (await api.get(f"/api/companies/{company}/costs")).json()
    assert {line["key"]: line["calls"] for line in by_agent["data"]} == {"ops": 1, "cto": 2, "cmo": 1}

    exported = await api.get(f"/api/companies/{company}/export")
    assert exported.status_code == 200, exported.text
    document = exported.json()
    assert sorted(c["provider"] for c in document["costs"]) == ["claude-code", "codex", "http", "process"]
    assert document["cost_summary"]["total"] == by_agent["total"]
    assert document["cost_summary"]["unpriced_models"] == [
        ["codex", "gpt-5-codex"], ["http", "default"], ["process", "default"]
    ]  # fmt: skip
    markdown = await api.get(f"/api/companies/{company}/export", params={"format": "md"})
    assert markdown.status_code == 200 and "| cto | 2 |" in markdown.text
    imported = await api.post("/api/companies/import", json=document, params={"id": f"{company}-copy"})
    assert imported.status_code == 201, imported.text
    copied = (await api.get(f"/api/companies/{company}-copy/costs", params={"group_by": "model"})).json()
    assert copied["data"] == report["data"] and copied["warnings"] == report["warnings"]
