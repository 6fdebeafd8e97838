"""A running stack as `paperclip up` runs it, in a test's own home: the Temporal dev server keeping
its state in `$PAPERCLIP_HOME/temporal.db`, the store in `paperclip.db`, in-process workers and the
API over real HTTP; and the `paperclip backup` command run as a process against a home."""

import os
import subprocess
import sys
import uuid
from collections.abc import AsyncIterator, Iterator
from contextlib import AsyncExitStack, asynccontextmanager, contextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
import pytest
from temporalio.client import Client
from typer.testing import CliRunner

from api.app import create_app
from cli import app
from paperclip.devserver import dev_server_command, wait_until_ready
from paperclip.settings import Settings, get_settings
from paperclip.store import Store
from paperclip.temporal import connect
from tests.api.conftest import board_headers, serve
from tests.cli.fake_api import free_port
from workers.main import build_workers

REPO = Path(__file__).resolve().parents[2]


@dataclass
class Stack:
    settings: Settings
    client: Client
    store: Store
    api: httpx.AsyncClient


def stack_settings(home: Path, **fields: object) -> Settings:
    """An embedded stack's settings in `home`, on free ports and a queue of its own."""
    return Settings.model_validate(
        {
            "home": home,
            "temporal_port": free_port(),
            "temporal_ui_port": free_port(),
            "task_queue": f"backup-test-{uuid.uuid4()}",
            **fields,
        }
    )


@contextmanager
def dev_server(settings: Settings) -> Iterator[None]:
    """The embedded dev server of `settings` (its file in the home folder), stopped at the end."""
    settings.home_dir.mkdir(parents=True, exist_ok=True)
    log = (settings.home_dir / "temporal.log").open("w")
    process = subprocess.Popen(dev_server_command(settings), stdout=log, stderr=subprocess.STDOUT)
    try:
        yield
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
        log.close()


@asynccontextmanager
async def running_stack(settings: Settings) -> AsyncIterator[Stack]:
    with dev_server(settings):
        await wait_until_ready(settings, timeout=60)
        client = await connect(settings)
        store = Store.from_settings(settings)
        store.migrate()
        async with AsyncExitStack() as stack:
            for worker in build_workers(client, store, task_queue=settings.task_queue, settings=settings):
                await stack.enter_async_context(worker)
            app = create_app(settings, client=client, store=store, task_queue=settings.task_queue)
            base_url = await stack.enter_async_context(serve(app))
            http = await stack.enter_async_context(
                httpx.AsyncClient(base_url=base_url, timeout=30, headers=board_headers(settings))
            )
            yield Stack(settings=settings, client=client, store=store, api=http)
        store.dispose()


@pytest.fixture
async def stack(tmp_path: Path) -> AsyncIterator[Stack]:
    async with running_stack(stack_settings(tmp_path / "home")) as running:
        yield running


def paperclip(home: Path, *args: str, **env: str) -> subprocess.CompletedProcess[str]:
    """`paperclip ARGS` as a process with `PAPERCLIP_HOME=home` (and `env`)."""
    environ = {k: v for k, v in os.environ.items() if k not in ("TEMPORAL_ADDRESS",)}
    environ |= {"PAPERCLIP_HOME": str(home), "COLUMNS": "200", **env}
    return subprocess.run(
        [sys.executable, "-m", "cli", *args], cwd=REPO, env=environ, capture_output=True, text=True, timeout=120
    )


@dataclass
class Ran:
    returncode: int
    stdout: str
    stderr: str


_runner = CliRunner()


def cli(home: Path, *args: str) -> Ran:
    """`paperclip ARGS` in this process (faster than `paperclip`, the same command), settings read afresh."""
    get_settings.cache_clear()
    try:
        result = _runner.invoke(app, list(args), env={"PAPERCLIP_HOME": str(home), "COLUMNS": "200"})
    finally:
        get_settings.cache_clear()
    if result.exception is not None and not isinstance(result.exception, SystemExit):
        raise result.exception
    return Ran(returncode=result.exit_code, stdout=result.stdout, stderr=result.stderr)
