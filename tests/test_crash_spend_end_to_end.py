"""Spend is counted across crashes: worker processes SIGKILLed while model calls are in flight,
against the fake provider (real workers, real store, real SDKs). Every answered call is in the
ledger once, confirmed; every call lost with its worker is charged at its worst case, unconfirmed;
a capped company never passes its cap; and an answer stored before its worker died is not asked
for again."""

import asyncio
import os
import signal
import subprocess
import uuid
from pathlib import Path

import pytest
from temporalio.testing import WorkflowEnvironment

from activities.model_turn import ModelActivities
from paperclip.constants import company_workflow_id
from paperclip.models import (
    AgentSpec,
    AttemptRef,
    Budget,
    CompanyInput,
    CompanySnapshot,
    CompanySpec,
    CreateTaskInput,
    CreateTasksInput,
    LostAttempt,
    ModelConfig,
    ModelPrice,
    Provider,
    TaskStatus,
    WorstCase,
)
from paperclip.store import Store
from tests.activities.helpers import keys_for, run_turn, turn_input
from tests.fakes import FakeModelServer
from tests.test_end_to_end import TEST_KEY, bound_env, worker_process
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow

AGENTS = 6
PRICE = ModelPrice(input=10.0, output=40.0)
LATENCY = 2.0
"""Seconds each call takes: long enough that a kill finds every agent's call in flight."""

pytestmark = pytest.mark.long


@pytest.fixture
def model_server():  # type: ignore[no-untyped-def]
    with FakeModelServer(latency=LATENCY) as server:
        yield server


def agents(server: FakeModelServer) -> list[AgentSpec]:
    model = ModelConfig(
        provider=Provider.OPENAI,
        model="gpt-4o-mini",
        base_url=server.base_url_openai,
        credential=TEST_KEY,
        max_tokens=256,
        price=PRICE,
        heartbeat_timeout_seconds=3,
    )
    return [AgentSpec(name=f"a{i}", model=model, max_turns=1_000) for i in range(AGENTS)]


def in_flight(server: FakeModelServer) -> int:
    return server.calls - len(server.usages) - server.aborted


async def calls_in_flight(server: FakeModelServer, count: int, *, timeout: float = 60) -> None:
    for _ in range(int(timeout / 0.02)):
        if in_flight(server) >= count:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{in_flight(server)} calls in flight, never {count}")


async def seen_gone(server: FakeModelServer, aborted: int, *, timeout: float = 30) -> None:
    """Wait until the fake has seen `aborted` calls' clients go away (the killed worker's)."""
    for _ in range(int(timeout / 0.02)):
        if server.aborted >= aborted:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"{server.aborted} calls seen aborted, never {aborted}")


def kill(process: subprocess.Popen[bytes]) -> None:
    os.killpg(process.pid, signal.SIGKILL)
    process.wait()


def stop(*processes: subprocess.Popen[bytes] | None) -> None:
    for process in processes:
        if process is not None and process.poll() is None:
            process.send_signal(signal.SIGTERM)
            process.wait(timeout=30)


async def start(env: WorkflowEnvironment, queue: str, server: FakeModelServer, budget: Budget):  # type: ignore[no-untyped-def]
    company_id = f"crash-{uuid.uuid4().hex[:8]}"
    handle = await env.client.start_workflow(
        CompanyWorkflow.run,
        CompanyInput(spec=CompanySpec(id=company_id, name="Acme", prefix="ACME", budget=budget), agents=agents(server)),
        id=company_workflow_id(company_id),
        task_queue=queue,
    )
    tasks = [CreateTaskInput(title=f"Work {i}", assignee=f"a{i}") for i in range(AGENTS)]
    await handle.execute_update(CompanyWorkflow.create_tasks, CreateTasksInput(tasks=tasks))
    return company_id, handle


def answered_usd(server: FakeModelServer) -> float:
    return sum((u.input_tokens * PRICE.input + u.output_tokens * PRICE.output) / 1_000_000 for u in server.usages)


def check_ledger(store: Store, company_id: str, server: FakeModelServer, snap: CompanySnapshot) -> None:
    ledger = store.list_cost_events(company_id)
    confirmed = [e for e in ledger if e.confirmed]
    unconfirmed = [e for e in ledger if not e.confirmed]
    assert len(ledger) == server.calls  # every call sent has one row, and nothing else has one
    assert sum(e.usage.input_tokens for e in confirmed) == sum(u.input_tokens for u in server.usages)
    assert sum(e.usage.output_tokens for e in confirmed) == sum(u.output_tokens for u in server.usages)
    assert len(unconfirmed) == server.aborted  # the calls killed in flight, no more, no fewer
    assert snap.unconfirmed.attempts == server.aborted
    assert all(e.cost_usd and e.usage.output_tokens == 256 for e in unconfirmed)  # at their worst case
    worst = sum(e.cost_usd or 0.0 for e in unconfirmed)
    assert snap.unconfirmed.usd == pytest.approx(worst)
    assert snap.spend.usd == pytest.approx(answered_usd(server) + worst)


class Crashes:
    """A store, a queue and worker processes on it, against the fake provider: killed with every
    agent's call in flight, and replaced."""

    def __init__(self, env: WorkflowEnvironment, server: FakeModelServer, folder: Path) -> None:
        self.env, self.server, self.folder = env, server, folder
        self.db = folder / "paperclip.db"
        self.store = Store(f"sqlite:///{self.db}")
        self.store.migrate()
        self.queue = f"crash-{uuid.uuid4().hex}"
        self.workers: list[subprocess.Popen[bytes]] = []
        self.kills = 0

    def start_worker(self) -> None:
        log = self.folder / "worker.log"
        self.workers.append(worker_process(self.env, self.db, self.queue, log, bound_env(self.server)))

    async def kill_in_flight(self) -> None:
        """Once every agent's call is in flight: SIGKILL the worker, wait until the provider has
        seen those calls' clients go, and start another worker."""
        await calls_in_flight(self.server, AGENTS)
        kill(self.workers[-1])
        self.kills += 1
        await seen_gone(self.server, self.kills * AGENTS)
        self.start_worker()

    def stop(self) -> None:
        stop(*self.workers)


async def test_killed_workers_lose_no_spend_and_every_task_finishes(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, tmp_path: Path
) -> None:
    model_server.work_turns = 3  # each task: two working turns, then it completes
    crashes = Crashes(dev_env, model_server, tmp_path)
    crashes.start_worker()
    try:
        company_id, company = await start(dev_env, crashes.queue, model_server, Budget(monthly_usd=100.0))
        await crashes.kill_in_flight()
        await crashes.kill_in_flight()
        snap = await wait_for(
            company, lambda s: len(s.tasks) == AGENTS and all(t.status.is_terminal for t in s.tasks), timeout=180
        )
        await asyncio.sleep(1)  # the company's last store write
    finally:
        crashes.stop()
    assert {t.status for t in snap.tasks} == {TaskStatus.DONE}
    assert model_server.aborted == 2 * AGENTS
    check_ledger(crashes.store, company_id, model_server, snap)
    assert sum(t.unconfirmed.attempts for t in snap.tasks) == 2 * AGENTS


async def test_a_capped_company_never_passes_its_cap_across_a_crash(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, tmp_path: Path
) -> None:
    model_server.work_turns = 1_000  # every agent works until the cap stops it
    cap = 0.30
    crashes = Crashes(dev_env, model_server, tmp_path)
    crashes.start_worker()
    try:
        company_id, company = await start(dev_env, crashes.queue, model_server, Budget(monthly_usd=cap))
        await crashes.kill_in_flight()
        snap = await wait_for(company, lambda s: s.paused and not s.spend.reserved_usd, timeout=180)
        calls = model_server.calls
        await asyncio.sleep(2 * LATENCY)
        assert model_server.calls == calls  # nothing more is sent once stopped
    finally:
        crashes.stop()
    assert model_server.aborted >= AGENTS
    assert snap.spend.usd <= cap + 1e-9
    assert answered_usd(model_server) <= cap
    check_ledger(crashes.store, company_id, model_server, snap)


async def test_an_answer_stored_before_its_worker_died_is_not_asked_for_again(
    model_server: FakeModelServer, tmp_path: Path
) -> None:
    """The lost attempt answered and stored its reply; its worker died before Temporal heard: the
    next attempt, given the same input, answers with the stored reply and sends nothing."""
    model_server.latency = 0.0
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    acts = ModelActivities(store, keys=keys_for(model_server))
    model = ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini", base_url=model_server.base_url_openai)
    worst = WorstCase(usd=0.01, input_tokens=500, output_tokens=1024)
    first = turn_input(model).model_copy(update={"worst": worst})
    answered = await run_turn(acts, first)  # attempt 1: sent, answered, stored (then "lost")
    assert model_server.calls == 1

    retry = first.model_copy(update={"attempt": 2, "lost": [LostAttempt(attempt=1, worst=worst)]})
    again = await run_turn(acts, retry)

    assert model_server.calls == 1  # not sent again
    assert again.reused == AttemptRef(attempt=1)
    assert again.reply == answered.reply
    assert [(s.attempt, s.outcome, s.usage) for s in again.settled] == [(1, "confirmed", answered.usage)]
    assert again.usage.input_tokens == 0  # this attempt spent nothing
    ledger = store.list_cost_events("acme")
    assert [(e.attempt, e.confirmed) for e in ledger] == [(1, True)]
