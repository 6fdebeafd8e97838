"""The worker's Prometheus endpoint: the SDK's own metrics and the product counters, counted once
per accepted result (a model call that fails and is tried again counts one turn that answered),
with bounded labels, read by scraping the endpoint as Prometheus does."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.telemetry.counters import BUDGET_REFUSALS, TOKENS, TOOL_CALLS, TURNS
from tests.api.helpers import bind_fake_key, wait_for_task
from tests.fakes import FakeModelServer
from tests.telemetry.stack import Stack, metered_stack, samples, total


@pytest.fixture(params=[True, False], ids=["cached", "replaying"])
async def stack(dev_env: WorkflowEnvironment, tmp_path: Path, request: pytest.FixtureRequest) -> AsyncIterator[Stack]:
    """Workers that keep their workflows cached, and workers that replay every workflow's whole
    history for each workflow task: the counts must be the same."""
    async with metered_stack(dev_env, tmp_path, cached=request.param) as stack:
        yield stack


@pytest.fixture
def server() -> AsyncIterator[FakeModelServer]:
    with FakeModelServer() as fake:
        yield fake


async def scrape(stack: Stack) -> str:
    async with httpx.AsyncClient() as http:
        response = await http.get(stack.metrics_url)
    assert response.status_code == 200
    return response.text


async def company(stack: Stack, server: FakeModelServer, **ceo: object) -> str:
    await bind_fake_key(stack.api, server.base_url, "local-llm")
    model = {
        "provider": "openai",
        "model": "gpt-4o-mini",
        "base_url": server.base_url_openai,
        "credential": "local-llm",
    }
    company_id = f"co-{uuid.uuid4().hex[:8]}"
    body = {
        "id": company_id,
        "name": "Acme",
        "prefix": "ACME",
        "goals": ["Ship"],
        "agents": [{"name": "ceo", "role": "ceo", "model": model, **ceo}],
    }
    response = await stack.api.post("/api/companies", json=body)
    assert response.status_code == 201, response.text
    response = await stack.api.post(f"/api/companies/{company_id}/tasks", json={"title": "Work", "assignee": "ceo"})
    assert response.status_code == 201, response.text
    return company_id


async def test_turns_tokens_usd_and_tool_calls_are_counted_once_each(stack: Stack, server: FakeModelServer) -> None:
    server.fail_next(1, status=500, message="upstream hiccup")  # the first call fails, and is tried again
    server.call_next("no_such_tool", "{}")  # a name no registry knows: labelled `other`
    server.call_next("read_task", '{"identifier": "ACME-1"}')
    company_id = await company(stack, server)
    await wait_for_task(stack.api, company_id, "ACME-1", timeout=60)
    costs = (await stack.api.get(f"/api/companies/{company_id}/costs")).json()

    text = await scrape(stack)
    assert "temporal_workflow_completed" in text or "temporal_request" in text  # the SDK's own metrics
    mine = {"task_queue": stack.queue}
    answered = len(server.usages)
    assert answered == 3 and server.calls == 4  # one failed request, three answered turns
    ok = samples(text, f"{TURNS}_total", outcome="ok", **mine)
    assert list(ok.values()) == [3.0] and ("model_family", "gpt-4o-mini") in next(iter(ok))
    assert ("provider", "openai") in next(iter(ok)) and ("kind", "model") in next(iter(ok))
    inputs = sum(u.input_tokens for u in server.usages)
    outputs = sum(u.output_tokens for u in server.usages)
    assert total(text, f"{TOKENS}_total", direction="input", **mine) == inputs
    assert total(text, f"{TOKENS}_total", direction="output", **mine) == outputs
    # What the provider reported for the answered calls: the ledger's spend less the failed
    # attempt, which it keeps charged at its worst case (the provider may have billed it).
    answered_usd = costs["total"]["cost_usd"] - costs["total"]["unconfirmed"]["usd"]
    assert costs["total"]["unconfirmed"]["attempts"] == 1 and answered_usd > 0
    assert total(text, "paperclip_turn_cost_usd_sum", **mine) == pytest.approx(answered_usd)
    assert total(text, "paperclip_turn_cost_usd_count", **mine) == 3
    calls = {dict(k)["tool"]: v for k, v in samples(text, f"{TOOL_CALLS}_total", **mine).items()}
    assert calls == {"other": 1.0, "read_task": 1.0, "complete_task": 1.0}
    assert total(text, f"{BUDGET_REFUSALS}_total", **mine) == 0


async def test_a_budget_refusal_is_counted_once_by_its_scope(stack: Stack, server: FakeModelServer) -> None:
    server.work_turns = 10_000  # the agent keeps working until its budget stops it
    company_id = await company(stack, server, budget={"monthly_usd": 0.0005})
    deadline = asyncio.get_running_loop().time() + 60
    while True:
        snapshot = (await stack.api.get(f"/api/companies/{company_id}")).json()
        (ceo,) = snapshot["agents"]
        if ceo["pause_reason"] == "budget":
            break
        assert asyncio.get_running_loop().time() < deadline, f"never paused: {ceo}"
        await asyncio.sleep(0.1)
    await asyncio.sleep(1)  # anything counted late would show by now

    text = await scrape(stack)
    refusals = {
        dict(k)["scope"]: v for k, v in samples(text, f"{BUDGET_REFUSALS}_total", task_queue=stack.queue).items()
    }
    assert refusals == {"agent": 1.0}
    assert total(text, f"{TURNS}_total", task_queue=stack.queue, outcome="ok") == len(server.usages)
