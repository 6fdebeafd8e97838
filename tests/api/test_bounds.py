"""The API never hangs on a missing worker: past its bound a 503 with Retry-After (a change's
outcome unknown), and a retry with the same Idempotency-Key once a worker is back is applied
once, also after the company continued-as-new. Temporal's limit of updates in flight is a 429.

These apps run on a queue whose workers come and go within the test (`workers_on`).
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
from starlette.requests import Request
from temporalio.client import Client
from temporalio.contrib.pydantic import pydantic_data_converter
from temporalio.service import RPCError, RPCStatusCode
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.errors import temporal_error_to_api
from api.temporal_bounds import NoAnswer
from paperclip.binaries import temporal_cli
from paperclip.constants import SEARCH_ATTRIBUTES, company_workflow_id
from paperclip.devserver import dynamic_config_args
from paperclip.models import AgentSpec, CompanyInput, CompanySpec, GoalInput
from paperclip.settings import Settings
from paperclip.store import Store
from tests.api.conftest import assert_error, board_headers, serve
from tests.api.helpers import create_company
from workers.main import build_workers
from workflows.company import CompanyWorkflow

BOUND = 2.0
"""The API's wait for Temporal in these tests (the default is 10 s)."""
SLACK = 1.5
"""What an answer past the bound may take on a loaded 2-core machine."""


@asynccontextmanager
async def workers_on(client: Any, store: Store, queue: str) -> AsyncIterator[None]:
    async with AsyncExitStack() as stack:
        for worker in build_workers(client, store, task_queue=queue):
            await stack.enter_async_context(worker)
        yield


@asynccontextmanager
async def api_on(
    settings: Settings, store: Store, queue: str, *, client: Any = None
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, client=client, store=store, task_queue=queue)
    headers = board_headers(settings)
    async with serve(app) as base_url, httpx.AsyncClient(base_url=base_url, timeout=60, headers=headers) as http:
        yield http


@pytest.fixture
def bounded_settings(tmp_path: Path, dev_env: WorkflowEnvironment) -> Settings:
    return Settings(
        home=tmp_path,
        temporal_address=dev_env.client.service_client.config.target_host,
        api_temporal_timeout_seconds=BOUND,
    )


async def timed(call: Any) -> tuple[httpx.Response, float]:
    started = time.monotonic()
    response = await call
    return response, time.monotonic() - started


async def retried(send: Any, *args: Any, attempts: int = 10, **kwargs: Any) -> httpx.Response:
    """Send until the answer is not a 503, as a client honouring Retry-After does (the tests wait
    less): a worker that just came back takes a few seconds to be given the company's work again."""
    for _ in range(attempts - 1):
        response: httpx.Response = await send(*args, **kwargs)
        if response.status_code != 503:
            return response
        await asyncio.sleep(0.5)
    last: httpx.Response = await send(*args, **kwargs)
    return last


async def test_without_a_worker_a_change_is_a_503_within_the_bound_and_its_retry_is_applied_once(
    dev_env: WorkflowEnvironment, store: Store, bounded_settings: Settings
) -> None:
    queue = f"api-test-{uuid.uuid4()}"
    async with api_on(bounded_settings, store, queue, client=dev_env.client) as api:
        async with workers_on(dev_env.client, store, queue):
            company = (await create_company(api))["id"]
        # No worker polls the company's queue now.
        tasks = f"/api/companies/{company}/tasks"
        key = {"Idempotency-Key": str(uuid.uuid4())}
        task = {"title": "Build the engine", "assignee": "cto"}
        response, took = await timed(api.post(tasks, json=task, headers=key))
        error = assert_error(response, 503, "no_answer")
        assert response.headers["Retry-After"] == "5"
        assert error["message"].startswith(f"no worker answered within {BOUND:g} s: the outcome is unknown")
        assert "retry with the same Idempotency-Key" in error["message"]
        assert error["details"]["outcome"] == "unknown"
        assert BOUND <= took < BOUND + SLACK, took

        response, took = await timed(api.get(f"/api/companies/{company}"))
        error = assert_error(response, 503, "no_answer")
        assert error["message"] == (
            f"no worker answered within {BOUND:g} s: is a worker running for this deployment's task queue?"
        )
        assert response.headers["Retry-After"] == "5" and took < BOUND + SLACK

        async with workers_on(dev_env.client, store, queue):
            again = await retried(api.post, tasks, json=task, headers=key)
            assert again.status_code == 201, again.text
            assert again.json()["identifier"] == "ACME-1"
            listed = (await api.get(tasks)).json()["data"]
            assert [t["identifier"] for t in listed] == ["ACME-1"]  # one task, not two
            third = await api.post(tasks, json=task, headers=key)
            assert third.status_code == 201 and third.headers["Idempotent-Replayed"] == "true"
            assert third.json() == again.json()


async def test_a_retry_after_the_company_continued_as_new_is_answered_not_applied_again(
    dev_env: WorkflowEnvironment, store: Store, bounded_settings: Settings
) -> None:
    queue = f"api-test-{uuid.uuid4()}"
    company = f"co-{uuid.uuid4().hex[:10]}"
    spec = CompanySpec(id=company, name="Acme", prefix="ACME")
    agents = [AgentSpec(name="ceo", role="ceo"), AgentSpec(name="cto", role="cto", reports_to="ceo")]
    async with api_on(bounded_settings, store, queue, client=dev_env.client) as api:
        async with workers_on(dev_env.client, store, queue):
            # As `POST /api/companies` does, with the test's knob: continue-as-new after 3 messages.
            handle = await dev_env.client.start_workflow(
                CompanyWorkflow.run,
                CompanyInput(
                    spec=spec, agents=agents, goals=[GoalInput(title="Orbit")], continue_as_new_after_events=3
                ),
                id=company_workflow_id(company),
                task_queue=queue,
            )
            store.upsert_company(spec)
            assert (await api.get(f"/api/companies/{company}")).json()["generation"] == 0
        tasks = f"/api/companies/{company}/tasks"
        key = {"Idempotency-Key": str(uuid.uuid4())}
        task = {"title": "Build the engine", "assignee": "cto"}
        assert_error(await api.post(tasks, json=task, headers=key), 503, "no_answer")

        async with workers_on(dev_env.client, store, queue):
            # The worker takes the change that got no answer; the company's work and more changes
            # make it continue-as-new before the retry comes.
            for title in ("Write the plan", "Hire a team"):
                # Keyed and retried: the returning worker may take longer than the bound to be given the work.
                once = {"Idempotency-Key": str(uuid.uuid4())}
                made = await retried(api.post, tasks, json={"title": title, "assignee": "cto"}, headers=once)
                assert made.status_code == 201, made.text
            snapshot = await _until(api, company, lambda s: s["generation"] >= 1 and len(s["tasks"]) == 3)
            first = next(t for t in snapshot["tasks"] if t["title"] == "Build the engine")

            again = await retried(api.post, tasks, json=task, headers=key)
            assert again.status_code == 201, again.text
            assert again.json()["identifier"] == first["identifier"]
            assert again.json()["status"] == "queued"  # the first answer, as it was given
            snapshot = (await api.get(f"/api/companies/{company}")).json()
            assert snapshot["generation"] >= 1
            titles = [t["title"] for t in (await api.get(tasks)).json()["data"]]
            assert sorted(titles) == ["Build the engine", "Hire a team", "Write the plan"]  # one, not two
            other = await api.post(tasks, json={"title": "Something else", "assignee": "cto"}, headers=key)
            assert_error(other, 422, "idempotency_key_reused")
            await handle.terminate("the test is over")


async def _until(api: httpx.AsyncClient, company: str, done: Any, timeout: float = 30) -> dict[str, Any]:
    deadline = time.monotonic() + timeout
    while True:
        response = await api.get(f"/api/companies/{company}")
        if response.status_code == 200 and done(response.json()):
            result: dict[str, Any] = response.json()
            return result
        assert time.monotonic() < deadline, response.text
        await asyncio.sleep(0.1)


async def test_too_many_updates_in_flight_is_a_429_with_retry_after(tmp_path: Path, store: Store) -> None:
    """A dev server of its own that admits 2 updates in flight per workflow; with no worker, a
    third concurrent change is refused by Temporal and the API says so at once."""
    env = await WorkflowEnvironment.start_local(
        dev_server_existing_path=temporal_cli(),
        search_attributes=SEARCH_ATTRIBUTES,
        dev_server_extra_args=[*dynamic_config_args(), "--dynamic-config-value", "history.maxInFlightUpdates=2"],
    )
    try:
        settings = Settings(
            home=tmp_path,
            temporal_address=env.client.service_client.config.target_host,
            api_temporal_timeout_seconds=8.0,
        )
        queue = f"api-test-{uuid.uuid4()}"
        # No client given: the API connects as in production, with its own retry policy.
        async with api_on(settings, store, queue) as api:
            workers_client = await Client.connect(
                env.client.service_client.config.target_host, data_converter=pydantic_data_converter
            )
            async with workers_on(workers_client, store, queue):
                company = (await create_company(api))["id"]
            tasks = f"/api/companies/{company}/tasks"
            calls = [timed(api.post(tasks, json={"title": f"Task {i}", "assignee": "cto"})) for i in range(3)]
            answers = await asyncio.gather(*calls)
        statuses = sorted(r.status_code for r, _ in answers)
        assert statuses == [429, 503, 503], [r.text for r, _ in answers]
        refused, took = next((r, t) for r, t in answers if r.status_code == 429)
        error = assert_error(refused, 429, "rate_limited")
        assert refused.headers["Retry-After"] == "1"
        assert error["message"].startswith("the company has too many changes in flight")
        assert "limit on number of concurrent in-flight updates has been reached (2)" in error["message"]
        assert took < 8.0, took  # refused before the bound ran out
    finally:
        await env.shutdown()


def _request(method: str) -> Request:
    return Request(
        {"type": "http", "method": method, "path": "/api/companies/acme/tasks", "headers": [], "path_params": {}}
    )


def test_the_one_mapping_of_temporal_errors_to_busy_and_no_answer() -> None:
    busy = temporal_error_to_api(
        _request("POST"),
        RPCError(
            "limit on number of concurrent in-flight updates has been reached (10)",
            RPCStatusCode.RESOURCE_EXHAUSTED,
            b"",
        ),
    )
    assert (busy.status_code, busy.code, busy.headers) == (429, "rate_limited", {"Retry-After": "1"})
    change = temporal_error_to_api(_request("POST"), NoAnswer("update create_task of company:acme", 10))
    assert (change.status_code, change.headers) == (503, {"Retry-After": "5"})
    assert "the outcome is unknown" in change.message
    read = temporal_error_to_api(_request("GET"), RPCError("Timeout expired", RPCStatusCode.CANCELLED, b""))
    assert read.status_code == 503 and read.message.startswith("no worker answered in time")
    server = temporal_error_to_api(_request("GET"), NoAnswer("describing company:acme", 10))
    assert server.message == "Temporal did not answer within 10 s"
