"""Shared rate limits on the real workers and SDKs: many agents on one key, served by two worker
processes, stay within what the provider allows it, so the provider refuses nothing."""

import uuid
from collections.abc import Iterator
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.constants import company_workflow_id
from paperclip.models import (
    AgentSpec,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    CreateTasksInput,
    ModelConfig,
    Provider,
    RateLimit,
    TaskStatus,
)
from paperclip.store import Store
from tests.fakes import FakeModelServer
from tests.test_end_to_end import TEST_KEY as KEY
from tests.test_end_to_end import bound_settings, in_process_workers
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow

AGENTS = 50
TURNS = 1
PROVIDER_RPS = 5
"""What the key may send a second (a 300 requests/min key, enforced second by second)."""
PROVIDER_TPM = 12_000
LIMITS = {KEY: RateLimit(requests_per_minute=180, tokens_per_minute=PROVIDER_TPM)}
"""The key's limits as configured: requests under the provider's (calls leave the queue at the
rate, and reach the provider with the jitter of the workers' own work), tokens at it."""


@pytest.fixture
def model_server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        server.work_turns = TURNS
        server.limit(requests_per_second=PROVIDER_RPS, tokens_per_minute=PROVIDER_TPM)
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    return store


async def run_company(client, queue: str, server: FakeModelServer):
    model = ModelConfig(
        provider=Provider.OPENAI, model="gpt-4o-mini", base_url=server.base_url_openai, credential=KEY, max_tokens=64
    )
    agents = [AgentSpec(name=f"a{i:02}", model=model) for i in range(AGENTS)]
    company_id = f"limits-{uuid.uuid4().hex[:8]}"
    company = await client.start_workflow(
        CompanyWorkflow.run,
        CompanyInput(spec=CompanySpec(id=company_id, name="Acme", prefix="ACME"), agents=agents),
        id=company_workflow_id(company_id),
        task_queue=queue,
    )
    await company.execute_update(
        CompanyWorkflow.create_tasks,
        CreateTasksInput(tasks=[CreateTaskInput(title="Write it up", assignee=a.name) for a in agents]),
    )
    return await wait_for(company, lambda s: all(t.status.is_terminal for t in s.tasks), timeout=300)


async def test_fifty_agents_on_one_key_and_two_workers_are_never_refused(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv(KEY, model_server.openai_key)
    async with in_process_workers(
        dev_env.client, store, rate_limits=LIMITS, processes=2, settings=bound_settings(model_server)
    ) as queue:
        snap = await run_company(dev_env.client, queue, model_server)
    assert {t.status for t in snap.tasks} == {TaskStatus.DONE}, [(t.identifier, t.result) for t in snap.tasks]
    assert not model_server.refused
    assert len(model_server.usages) == model_server.calls == AGENTS * TURNS
    # The calls needed more tokens than a minute's bucket holds: the token limit was met, not idle.
    tokens = sum(u.input_tokens + u.output_tokens for u in model_server.usages)
    assert tokens > PROVIDER_TPM


async def test_without_the_limits_the_same_company_is_refused(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, store: Store, monkeypatch: pytest.MonkeyPatch
) -> None:
    """The control: what the limits spare the key. Refused calls are retried (after the provider's
    retry-after), so the work still finishes."""
    monkeypatch.setenv(KEY, model_server.openai_key)
    async with in_process_workers(dev_env.client, store, processes=2, settings=bound_settings(model_server)) as queue:
        snap = await run_company(dev_env.client, queue, model_server)
    # Most finish once retried; on a loaded machine a task may run out of retries, refused each time.
    failed = [t for t in snap.tasks if t.status != TaskStatus.DONE]
    assert all(t.status == TaskStatus.FAILED and "(429)" in (t.result or "") for t in failed), failed
    assert len(failed) < AGENTS // 2, failed
    # The calls need more tokens than a minute's bucket holds, so some are refused however slowly
    # the machine runs them (how many depends on its speed: 6 to 40 out of 50 seen).
    assert model_server.refused.total() > 0
