"""A company runs end to end on the real workers: real store, real model activity, real SDKs
against the fake provider server, and a worker process that is SIGKILLed mid-turn."""

import asyncio
import json
import os
import signal
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import asynccontextmanager
from pathlib import Path

import pytest
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from activities.cli.activity import CliActivities
from paperclip.constants import company_workflow_id, task_workflow_id
from paperclip.models import (
    AgentSpec,
    CompanyInput,
    CompanySpec,
    CreateTaskInput,
    ModelConfig,
    Provider,
    RateLimit,
    TaskStatus,
)
from paperclip.settings import Settings
from paperclip.store import Store
from tests.fakes import FakeModelServer
from tests.workflows.helpers import wait_for
from workers.main import build_workers
from workflows.company import CompanyWorkflow

MODELS = {Provider.OPENAI: "gpt-4o-mini", Provider.ANTHROPIC: "claude-haiku-4-5"}
TEST_KEY = "TEST_PROVIDER_KEY"
"""The credential the tests' agents name: an environment variable the workers' settings allow and
bind to the fake provider (`bound_settings`), as a deployment binds its own model server."""


def bound_settings(server: FakeModelServer, **fields: object) -> Settings:
    """Worker settings that allow `TEST_PROVIDER_KEY` as a credential, bound to the fake server."""
    allowed = {"env_credentials": [TEST_KEY], "credential_urls": {TEST_KEY: [server.base_url]}}
    return Settings.model_validate(allowed | fields)


def bound_env(server: FakeModelServer) -> dict[str, str]:
    """The same, as the environment of a worker process."""
    return {
        "PAPERCLIP_ENV_CREDENTIALS": json.dumps([TEST_KEY]),
        "PAPERCLIP_CREDENTIAL_URLS": json.dumps({TEST_KEY: [server.base_url]}),
    }


@pytest.fixture
def model_server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as server:
        yield server


@pytest.fixture
def store(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    return store


def company_of(server: FakeModelServer, provider: Provider, *, heartbeat: float = 30) -> list[AgentSpec]:
    base_url = server.base_url_openai if provider is Provider.OPENAI else server.base_url_anthropic
    model = ModelConfig(
        provider=provider,
        model=MODELS[provider],
        base_url=base_url,
        credential=TEST_KEY,
        heartbeat_timeout_seconds=heartbeat,
    )
    return [
        AgentSpec(name="ceo", role="ceo", title="Chief Executive", model=model),
        AgentSpec(
            name="cto",
            role="cto",
            title="Chief Technology Officer",
            reports_to="ceo",
            model=model,
            capabilities="software, infrastructure",
        ),
        AgentSpec(
            name="cmo",
            role="cmo",
            title="Chief Marketing Officer",
            reports_to="ceo",
            model=model,
            capabilities="launches, copy",
        ),
    ]


async def start_company(client: Client, queue: str, agents: list[AgentSpec]):
    company_id = f"e2e-{uuid.uuid4().hex[:8]}"
    return company_id, await client.start_workflow(
        CompanyWorkflow.run,
        CompanyInput(
            spec=CompanySpec(id=company_id, name="Acme Robotics", prefix="ACME", mission="Build helpful robots"),
            agents=agents,
        ),
        id=company_workflow_id(company_id),
        task_queue=queue,
    )


SHUTDOWN_SECONDS = 120
"""The longest the test workers may take to stop (they cancel their running activities at once)."""


@asynccontextmanager
async def in_process_workers(
    client: Client,
    store: Store,
    *,
    rate_limits: dict[str, RateLimit] | None = None,
    processes: int = 1,
    cli: CliActivities | None = None,
    settings: Settings | None = None,
    tools: bool = True,
) -> AsyncIterator[str]:
    """The workers of `processes` worker processes (in this one, each with its own connection),
    on a fresh queue, with `settings` (the process's by default); without the tools workers when
    not `tools` (a test's stand-ins take their queues)."""
    queue = f"e2e-{uuid.uuid4().hex}"
    clients = [client] + [
        await Client.connect(
            client.service_client.config.target_host,
            namespace=client.namespace,
            data_converter=client.data_converter,
        )
        for _ in range(processes - 1)
    ]
    workers = [
        w
        for c in clients
        for w in build_workers(
            c, store, task_queue=queue, rate_limits=rate_limits, cli=cli, settings=settings, tools=tools
        )
    ]
    runs = [asyncio.ensure_future(w.run()) for w in workers]
    try:
        yield queue
    finally:
        # Bounded, so a worker that cannot stop fails its test with a stack instead of holding the
        # test process until the per-test timeout ends it.
        await asyncio.wait_for(asyncio.gather(*(w.shutdown() for w in workers)), SHUTDOWN_SECONDS)
        await asyncio.gather(*runs, return_exceptions=True)


def all_done(count: int):
    return lambda s: len(s.tasks) == count and all(t.status.is_terminal for t in s.tasks)


@pytest.mark.parametrize("provider", [Provider.OPENAI, Provider.ANTHROPIC])
async def test_company_delegates_down_the_chart_and_finishes(
    dev_env: WorkflowEnvironment,
    model_server: FakeModelServer,
    store: Store,
    provider: Provider,
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    secret = f"sk-secret-{uuid.uuid4().hex}"
    model_server.openai_key = model_server.anthropic_key = secret
    monkeypatch.setenv(TEST_KEY, secret)
    async with in_process_workers(dev_env.client, store, settings=bound_settings(model_server)) as queue:
        company_id, company = await start_company(dev_env.client, queue, company_of(model_server, provider))
        await company.execute_update(
            CompanyWorkflow.create_task, CreateTaskInput(title="Launch the robot arm", assignee="ceo")
        )
        snap = await wait_for(company, all_done(3))
        await asyncio.sleep(0.3)  # the last store batch

    # The credential was used (the server accepts only it) and is nowhere in Temporal history.
    for workflow_id in [company.id] + [task_workflow_id(company_id, t.identifier) for t in snap.tasks]:
        history = await dev_env.client.get_workflow_handle(workflow_id).fetch_history()
        raw = b"".join(event.SerializeToString() for event in history.events)  # payloads undecoded
        assert b"ACME-1" in raw and secret.encode() not in raw
    tasks = {t.identifier: t for t in snap.tasks}
    assert {t.status for t in tasks.values()} == {TaskStatus.DONE}
    assert {tasks["ACME-1.1"].assignee, tasks["ACME-1.2"].assignee} == {"cto", "cmo"}
    assert "ACME-1.1" in (tasks["ACME-1"].result or "") and "ACME-1.2" in (tasks["ACME-1"].result or "")
    assert model_server.calls == 4  # CEO twice (delegate, then complete), each report once
    # The ledger holds exactly what the provider reported, one event per call.
    events = store.list_cost_events(company_id)
    assert len(events) == 4
    assert sum(e.usage.input_tokens for e in events) == sum(u.input_tokens for u in model_server.usages)
    assert sum(e.usage.output_tokens for e in events) == sum(u.output_tokens for u in model_server.usages)
    assert all(e.cost_usd is not None and e.cost_usd > 0 for e in events)
    assert snap.cost_usd == pytest.approx(sum(e.cost_usd or 0 for e in events))
    # The CEO's conversation is in the store in order: brief, delegations, tool results, child results, reply.
    ceo = store.list_messages(company_id, "ACME-1")
    assert [m.role for m in ceo][:2] == ["user", "assistant"]
    assert [c.name for c in ceo[1].tool_calls] == ["delegate_task", "delegate_task"]
    assert ceo[-1].tool_calls[0].name == "complete_task"
    # The second CEO request carried the whole conversation, rebuilt from the store.
    second = [r for r in model_server.requests if "finished: done" in str(r.get("messages"))][-1]
    assert "Launch the robot arm" in str(second["messages"])
    # The store keeps the tasks and the activity log.
    assert {t.identifier: t.status for t in store.list_tasks(company_id)} == {k: TaskStatus.DONE for k in tasks}
    kinds = [e.kind for _, e in store.list_activity(company_id)]
    assert kinds.count("task.finished") == 3


def worker_process(
    dev_env: WorkflowEnvironment, db: Path, queue: str, log: Path, extra: dict[str, str] | None = None
) -> subprocess.Popen[bytes]:
    """`paperclip worker` as its own process, as `paperclip up` and a deployment run it (its
    credential `TEST_PROVIDER_KEY` is `test-key`; `bound_env` binds it to a fake server)."""
    env = {
        **os.environ,
        "TEMPORAL_ADDRESS": dev_env.client.service_client.config.target_host,
        "PAPERCLIP_DATABASE_URL": f"sqlite:///{db}",
        "PAPERCLIP_TASK_QUEUE": queue,
        TEST_KEY: "test-key",
        **(extra or {}),
    }
    return subprocess.Popen(
        [sys.executable, "-m", "cli", "worker"],
        env=env,
        stdout=log.open("ab"),
        stderr=subprocess.STDOUT,
        start_new_session=True,
    )


async def test_a_worker_killed_mid_turn_is_replaced_and_only_the_call_in_flight_repeats(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, tmp_path: Path
) -> None:
    db = tmp_path / "paperclip.db"
    Store(f"sqlite:///{db}").migrate()
    queue = f"kill-{uuid.uuid4().hex}"
    model_server.latency = 1.0
    first = worker_process(dev_env, db, queue, tmp_path / "worker.log", bound_env(model_server))
    second = None
    try:
        company_id, company = await start_company(
            dev_env.client, queue, company_of(model_server, Provider.OPENAI, heartbeat=2)
        )
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Build it", assignee="ceo"))
        # The CEO's first call has been answered and both reports' calls are in flight: kill.
        for _ in range(400):
            if model_server.calls >= 3:
                break
            await asyncio.sleep(0.025)
        assert model_server.calls == 3
        os.killpg(first.pid, signal.SIGKILL)
        first.wait()
        second = worker_process(dev_env, db, queue, tmp_path / "worker.log", bound_env(model_server))
        snap = await wait_for(company, all_done(3), timeout=60)
    finally:
        for proc in (first, second):
            if proc is not None and proc.poll() is None:
                proc.send_signal(signal.SIGTERM)
                proc.wait(timeout=30)

    assert {t.status for t in snap.tasks} == {TaskStatus.DONE}
    # 4 calls make the company's work; of those only the two in flight at the kill ran twice.
    assert model_server.calls == 6
    assert model_server.calls_for("Task ACME-1:") == 2
    assert model_server.calls_for("Task ACME-1.1:") == 2 and model_server.calls_for("Task ACME-1.2:") == 2
    ledger = Store(f"sqlite:///{db}").list_cost_events(company_id)
    # Every call sent has its row: the 4 answered are confirmed (nothing paid for twice), the 2
    # lost with the worker stay unconfirmed at their worst case.
    assert len(ledger) == model_server.calls
    assert sum(e.confirmed for e in ledger) == 4
    assert sum(not e.confirmed for e in ledger) == model_server.aborted == 2
