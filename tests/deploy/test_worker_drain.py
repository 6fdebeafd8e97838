"""A worker told to stop (SIGTERM, as Kubernetes and Docker stop a container) stops polling,
lets the activities it is running finish for at most `PAPERCLIP_WORKER_SHUTDOWN_SECONDS`, then
cancels the rest, which another worker runs again: real worker processes, a real Temporal dev
server and store, the fake provider."""

import asyncio
import signal
import subprocess
import time
import uuid
from collections.abc import Callable
from pathlib import Path

from temporalio.testing import WorkflowEnvironment

from paperclip.models import CreateTaskInput, Provider, TaskStatus
from paperclip.store import Store
from tests.fakes import FakeModelServer
from tests.test_end_to_end import all_done, bound_env, company_of, model_server, start_company, worker_process
from tests.workflows.helpers import wait_for
from workflows.company import CompanyWorkflow

__all__ = ["model_server"]  # the fixture, shared with the end-to-end tests


async def first_call_in_flight(server: FakeModelServer) -> None:
    for _ in range(800):
        if server.calls >= 1:
            return
        await asyncio.sleep(0.025)
    raise AssertionError("the CEO's first model call never came")


async def stop(process: subprocess.Popen[bytes], then: Callable[[], object] = lambda: None) -> tuple[int, float]:
    """SIGTERM `process`, call `then` (another worker joins, as in a rolling restart), wait for
    `process` to exit: its exit code and how long it took."""
    started = time.monotonic()
    process.send_signal(signal.SIGTERM)
    then()
    code = await asyncio.to_thread(process.wait, 60)
    return code, time.monotonic() - started


async def test_a_stopping_worker_finishes_its_call_in_flight_before_it_exits(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, tmp_path: Path
) -> None:
    db = tmp_path / "paperclip.db"
    Store(f"sqlite:///{db}").migrate()
    queue = f"drain-{uuid.uuid4().hex}"
    model_server.latency = 2.0
    env = bound_env(model_server) | {"PAPERCLIP_WORKER_SHUTDOWN_SECONDS": "30"}
    first = worker_process(dev_env, db, queue, tmp_path / "first.log", env)
    second = None
    try:
        _, company = await start_company(dev_env.client, queue, company_of(model_server, Provider.OPENAI))
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Build it", assignee="ceo"))
        await first_call_in_flight(model_server)
        joined: list[subprocess.Popen[bytes]] = []
        code, seconds = await stop(
            first, lambda: joined.append(worker_process(dev_env, db, queue, tmp_path / "second.log", env))
        )
        second = joined[0]
        assert code == 0
        assert seconds < 30  # it left once its one call was answered, not at the end of the drain
        assert model_server.aborted == 0  # the call in flight was answered
        snap = await wait_for(company, all_done(3), timeout=60)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                await stop(process)
    assert {t.status for t in snap.tasks} == {TaskStatus.DONE}
    assert model_server.calls == 4  # the answered call was not asked for again
    assert model_server.calls_for("Task ACME-1:") == 2  # the CEO's: delegate (answered in the drain), complete
    log = (tmp_path / "first.log").read_text()
    assert "Traceback" not in log


async def test_a_call_longer_than_the_drain_is_cancelled_and_runs_again_elsewhere(
    dev_env: WorkflowEnvironment, model_server: FakeModelServer, tmp_path: Path
) -> None:
    db = tmp_path / "paperclip.db"
    Store(f"sqlite:///{db}").migrate()
    queue = f"drain-{uuid.uuid4().hex}"
    model_server.latency = 120.0
    env = bound_env(model_server) | {"PAPERCLIP_WORKER_SHUTDOWN_SECONDS": "1"}
    first = worker_process(dev_env, db, queue, tmp_path / "first.log", env)
    second = None
    try:
        _, company = await start_company(dev_env.client, queue, company_of(model_server, Provider.OPENAI))
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Build it", assignee="ceo"))
        await first_call_in_flight(model_server)
        model_server.latency = 0.0  # for the calls to come; the one in flight keeps its 120 s
        joined: list[subprocess.Popen[bytes]] = []
        code, seconds = await stop(
            first, lambda: joined.append(worker_process(dev_env, db, queue, tmp_path / "second.log", env))
        )
        second = joined[0]
        assert code == 0
        assert 1 <= seconds < 15  # the drain, then the cancelled call's cleanup: bounded
        snap = await wait_for(company, all_done(3), timeout=60)
    finally:
        for process in (first, second):
            if process is not None and process.poll() is None:
                await stop(process)
    assert {t.status for t in snap.tasks} == {TaskStatus.DONE}
    assert model_server.aborted == 1  # the stopped worker's call, given up when the drain ended
    assert model_server.calls == 5  # ... and asked again by the other worker
