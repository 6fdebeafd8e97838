"""The API served by uvicorn on a free loopback port, over real HTTP, against the dev server.

Each test gets its own store (a SQLite file), its own task queue with workers on it, and an
`httpx.AsyncClient` pointed at the running app that sends the board token of the test's home, as
the CLI and the dashboard do (a request with other headers, e.g. an API key, replaces it; a test
that wants no credentials at all uses `anonymous`).
"""

import asyncio
import socket
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from pathlib import Path
from typing import Any

import httpx
import pytest
import uvicorn
from fastapi import FastAPI
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from paperclip import board
from paperclip.settings import Settings
from paperclip.store import Store
from workers.main import build_workers


class _Server(uvicorn.Server):
    """uvicorn without its signal handlers: the test runner owns Ctrl-C."""

    @contextmanager
    def capture_signals(self) -> Iterator[None]:
        yield


@asynccontextmanager
async def serve(app: FastAPI, host: str = "127.0.0.1") -> AsyncIterator[str]:
    """Serve `app` on `host` (IPv4) on a free port for the block; yields its base URL."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    sock.bind((host, 0))
    port = sock.getsockname()[1]
    server = _Server(uvicorn.Config(app, log_level="warning", lifespan="on"))
    task = asyncio.ensure_future(server.serve(sockets=[sock]))
    try:
        while not server.started:
            if task.done():
                task.result()  # startup failed: raise its error here
            await asyncio.sleep(0.01)
        yield f"http://{host}:{port}"
    finally:
        server.should_exit = True
        await asyncio.wait_for(task, 10)
        sock.close()


STORE_ROUTES = {
    "test_access",
    "test_activity",
    "test_agent_revisions",
    "test_attachments",
    "test_companies",
    "test_company_deletion",
    "test_costs",
    "test_credentials",
    "test_documents",
    "test_endpoints",
    "test_events",
    "test_export",
    "test_export_projects",
    "test_hook_pipelines",
    "test_hooks",
    "test_idempotency",
    "test_mcp_servers",
    "test_pipeline_run_list",
    "test_pipelines",
    "test_projects",
    "test_review",
    "test_search",
    "test_task_dependencies",
    "test_tasks",
    "test_tool_outputs",
    "test_tools",
    "test_webhooks",
    "test_work_products",
}
"""Tests of the routes that read or write the store themselves (teams and keys, the activity log
and events, companies, the ledger, credentials and endpoints, export and import, idempotency keys, search,
task lists): they run
on SQLite and on PostgreSQL. The others answer from the company workflow and run on SQLite,
as do the CLI's tests that borrow these fixtures (the suite has ten minutes)."""


def pytest_generate_tests(metafunc: pytest.Metafunc) -> None:
    if "database" in metafunc.fixturenames and metafunc.module.__name__.rsplit(".", 1)[-1] in STORE_ROUTES:
        metafunc.parametrize("database", ["sqlite", "postgresql"], indirect=True)


@pytest.fixture
def store(database: str) -> Iterator[Store]:
    s = Store(database)
    s.migrate()
    yield s
    s.dispose()


@pytest.fixture
def task_queue() -> str:
    return f"api-test-{uuid.uuid4()}"


@pytest.fixture
def settings(tmp_path: Path, dev_env: WorkflowEnvironment) -> Settings:
    return Settings(home=tmp_path, temporal_address=dev_env.client.service_client.config.target_host)


@pytest.fixture
async def workers(
    dev_env: WorkflowEnvironment, store: Store, task_queue: str, settings: Settings
) -> AsyncIterator[None]:
    """Workers with the API's settings: the same secret key opens the keys the API stored."""
    async with AsyncExitStack() as stack:
        for worker in build_workers(dev_env.client, store, task_queue=task_queue, settings=settings):
            await stack.enter_async_context(worker)
        yield


def board_headers(settings: Settings) -> dict[str, str]:
    """The board's credential for an API with these settings: its home's board token (made if new)."""
    return {"Authorization": f"Bearer {board.ensure_token(settings.home_dir)}"}


@pytest.fixture
async def api(
    dev_env: WorkflowEnvironment, store: Store, task_queue: str, workers: None, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client of the running API, as the board, with workers polling its task queue."""
    app = create_app(settings, client=dev_env.client, store=store, task_queue=task_queue)
    async with (
        serve(app) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=30, headers=board_headers(settings)) as http,
    ):
        yield http


@pytest.fixture
async def anonymous(api: httpx.AsyncClient) -> AsyncIterator[httpx.AsyncClient]:
    """A client of the same API that sends no credentials (from this machine: loopback)."""
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as http:
        yield http


def assert_error(response: httpx.Response, status: int, code: str | None = None) -> dict[str, Any]:
    """The response is an error in the one shape; returns its `error` object."""
    assert response.status_code == status, response.text
    body = response.json()
    assert set(body) == {"error"}, body
    error = body["error"]
    assert set(error) == {"code", "message", "details"}, error
    assert isinstance(error["message"], str) and error["message"]
    if code is not None:
        assert error["code"] == code, error
    return error
