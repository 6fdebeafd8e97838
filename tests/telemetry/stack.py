"""An API and the workers of one deployment whose workers serve Prometheus metrics, on the
session's dev server, with the fake model server as the agents' provider."""

import socket
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack, asynccontextmanager
from dataclasses import dataclass
from pathlib import Path

import httpx
from prometheus_client.parser import text_string_to_metric_families
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from api.app import create_app
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.telemetry import worker_runtime
from paperclip.temporal import connect
from tests.api.conftest import board_headers, serve
from workers.main import build_workers


@dataclass
class Stack:
    api: httpx.AsyncClient
    client: Client
    queue: str
    metrics_url: str


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


@asynccontextmanager
async def metered_stack(
    dev_env: WorkflowEnvironment, tmp_path: Path, *, cached: bool = True, **settings: object
) -> AsyncIterator[Stack]:
    """The API (with `settings`) and workers connected as `paperclip worker` connects them, with
    a metrics port of their own; not `cached`, the workflows' worker keeps no workflow in its
    cache, so it replays each one's whole history for every workflow task."""
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    queue = f"telemetry-{uuid.uuid4().hex}"
    config = Settings(
        home=tmp_path / "home",
        temporal_address=dev_env.client.service_client.config.target_host,
        metrics_host="127.0.0.1",
        metrics_port=free_port(),
        **settings,  # type: ignore[arg-type]
    )
    runtime = worker_runtime(config)
    client = await connect(config, runtime=runtime)
    app = create_app(config, client=client, store=store, task_queue=queue)
    async with AsyncExitStack() as stack:
        api_url = await stack.enter_async_context(serve(app))
        workers_settings = config.model_copy(update={"api_url": api_url})
        workers = build_workers(client, store, task_queue=queue, settings=workers_settings)
        if not cached:
            # On a client of its own: the SDK allows one workflow worker per queue and client.
            other = await connect(config, runtime=runtime)
            workers[0] = Worker(**(workers[0].config() | {"client": other, "max_cached_workflows": 0}))  # type: ignore[misc]
        for worker in workers:
            await stack.enter_async_context(worker)
        api = await stack.enter_async_context(
            httpx.AsyncClient(base_url=api_url, timeout=30, headers=board_headers(config))
        )
        yield Stack(api, client, queue, f"http://127.0.0.1:{config.metrics_port}/metrics")
    store.dispose()


def samples(text: str, name: str, **labels: str) -> dict[tuple[tuple[str, str], ...], float]:
    """The samples called `name` whose labels include `labels`, by their other labels."""
    found: dict[tuple[tuple[str, str], ...], float] = {}
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name and all(sample.labels.get(k) == v for k, v in labels.items()):
                rest = tuple(sorted((k, v) for k, v in sample.labels.items() if k not in labels))
                found[rest] = found.get(rest, 0.0) + sample.value
    return found


def total(text: str, name: str, **labels: str) -> float:
    return sum(samples(text, name, **labels).values())
