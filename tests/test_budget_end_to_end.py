"""Budgets on the real workers and SDKs against the fake provider: many looping agents never
spend past a cap, and the ledger matches what the provider reported, to the cent."""

import asyncio
import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.constants import company_workflow_id
from paperclip.models import (
    AgentSpec,
    AgentStatus,
    ApprovalKind,
    Budget,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    CreateTasksInput,
    ModelConfig,
    ModelPrice,
    Provider,
    TaskStatus,
)
from paperclip.store import Store
from tests.fakes import FakeModelServer
from tests.test_end_to_end import TEST_KEY, bound_settings, in_process_workers
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow

PRICE = ModelPrice(input=10.0, output=40.0, cached_input=10.0)
"""USD per million tokens: dear enough that a few dozen calls reach the cap."""
AGENTS = 50


@pytest.fixture
def model_server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        server.work_turns = 10_000  # every agent keeps working until its budget stops it
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    return store


def loopers(server: FakeModelServer, **fields: object) -> list[AgentSpec]:
    model = ModelConfig(
        provider=Provider.OPENAI,
        model="gpt-4o-mini",
        base_url=server.base_url_openai,
        credential=TEST_KEY,
        max_tokens=64,
        price=PRICE,
    )
    return [AgentSpec(name=f"a{i:02}", model=model, max_turns=10_000, **fields) for i in range(AGENTS)]


def provider_usd(server: FakeModelServer) -> float:
    return sum(
        ((u.input_tokens - u.cached_input_tokens) * PRICE.input + u.cached_input_tokens * PRICE.input) / 1_000_000
        + u.output_tokens * PRICE.output / 1_000_000
        for u in server.usages
    )


async def start(client, queue: str, agents: list[AgentSpec], budget: Budget):
    company_id = f"budget-{uuid.uuid4().hex[:8]}"
    spec = CompanySpec(id=company_id, name="Acme", prefix="ACME", budget=budget)
    handle = await client.start_workflow(
        CompanyWorkflow.run,
        CompanyInput(spec=spec, agents=agents),
        id=company_workflow_id(company_id),
        task_queue=queue,
    )
    await handle.execute_update(
        CompanyWorkflow.create_tasks,
        CreateTasksInput(tasks=[CreateTaskInput(title="Keep going", assignee=a.name) for a in agents]),
    )
    return company_id, handle


async def test_fifty_looping_agents_never_pass_the_company_cap(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    async with in_process_workers(dev_env.client, store, settings=bound_settings(model_server)) as queue:
        company_id, company = await start(dev_env.client, queue, loopers(model_server), Budget(monthly_usd=0.50))
        snap = await wait_for(company, lambda s: s.paused and not s.spend.reserved_usd, timeout=120)
        calls = model_server.calls
        await asyncio.sleep(1)
        assert model_server.calls == calls  # nothing more is spent once stopped
        await asyncio.sleep(0.5)  # the last ledger writes
        ledger = store.list_cost_events(company_id)
    assert snap.spend.usd <= 0.50
    assert snap.spend.usd > 0.25  # it ran, then stopped at the cap
    assert round(snap.spend.usd, 2) == round(provider_usd(model_server), 2)
    assert round(sum(e.cost_usd or 0.0 for e in ledger), 6) == round(provider_usd(model_server), 6)
    assert len(ledger) == model_server.calls
    assert sum(e.usage.input_tokens for e in ledger) == sum(u.input_tokens for u in model_server.usages)
    assert [a.kind for a in snap.approvals] == [ApprovalKind.BUDGET_OVERRIDE]
    assert not any(t.status.is_terminal for t in snap.tasks)  # held, not failed


async def test_each_agents_own_cap_pauses_it_for_budget(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    agents = loopers(model_server, budget=Budget(monthly_usd=0.05))[:10]
    async with in_process_workers(dev_env.client, store, settings=bound_settings(model_server)) as queue:
        _, company = await start(dev_env.client, queue, agents, Budget())
        snap = await wait_for(
            company,
            lambda s: all(a.pause_reason == "budget" for a in s.agents) and not s.spend.reserved_usd,
            timeout=120,
        )
    assert all(a.status is AgentStatus.PAUSED and a.spend.usd <= 0.05 for a in snap.agents)
    assert all(a.spend.usd > 0 for a in snap.agents)
    assert round(sum(a.spend.usd for a in snap.agents), 6) == round(provider_usd(model_server), 6)
    assert sum(a.kind is ApprovalKind.BUDGET_OVERRIDE for a in snap.approvals) == len(agents)


async def test_every_task_finishes_when_a_third_of_requests_are_rate_limited(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(TEST_KEY, model_server.openai_key)
    model_server.work_turns = 3
    model_server.fail_every = 3  # 429 with retry-after: 1 s
    agents = loopers(model_server)[:20]
    async with in_process_workers(dev_env.client, store, settings=bound_settings(model_server)) as queue:
        _, company = await start(dev_env.client, queue, agents, Budget(monthly_usd=100.0))
        snap = await wait_for(company, lambda s: all(t.status.is_terminal for t in s.tasks), timeout=120)
    assert {t.status for t in snap.tasks} == {TaskStatus.DONE}
    answered = len(model_server.usages)
    assert answered == len(agents) * 3  # three turns each, every one answered in the end
    assert model_server.calls - answered == model_server.calls // 3  # every third request got a 429
