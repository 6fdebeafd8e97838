"""schemathesis against the API's own OpenAPI schema, over real HTTP (the API and workers on the
dev server): whatever it is sent, the API answers no 5xx, with a status the schema documents, in
the content type and shape the schema says; and oversized or malformed bodies get a 4xx."""

import asyncio
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path

import httpx
import pytest
import schemathesis
import uvicorn
from hypothesis import HealthCheck, given
from hypothesis import settings as hypothesis_settings
from schemathesis import GenerationMode
from schemathesis.checks import not_a_server_error
from schemathesis.specs.openapi.checks import (
    content_type_conformance,
    response_schema_conformance,
    status_code_conformance,
)
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.errors import MAX_BODY_BYTES
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.temporal import connect
from tests.api.conftest import _Server, board_headers
from workers.main import build_workers

CHECKS = [not_a_server_error, status_code_conformance, content_type_conformance, response_schema_conformance]
EXAMPLES = 3
"""Per operation and mode: some 50 operations, so about 300 requests a run."""


@pytest.fixture(scope="module")
def live_api(
    dev_env: WorkflowEnvironment, tmp_path_factory: pytest.TempPathFactory
) -> Iterator[tuple[str, dict[str, str]]]:
    """The API and its workers in a thread of their own (schemathesis calls it synchronously); its
    URL, and the board's headers."""
    home: Path = tmp_path_factory.mktemp("fuzz")
    settings = Settings(home=home, temporal_address=dev_env.client.service_client.config.target_host)
    started, stopping = threading.Event(), threading.Event()
    where: dict[str, object] = {}

    async def run() -> None:
        client = await connect(settings)
        store = Store(f"sqlite:///{home / 'paperclip.db'}")
        store.migrate()
        queue = f"fuzz-{uuid.uuid4().hex}"
        workers = build_workers(client, store, task_queue=queue, settings=settings)
        running = [asyncio.ensure_future(w.run()) for w in workers]
        app = create_app(settings, client=client, store=store, task_queue=queue)
        server = _Server(uvicorn.Config(app, host="127.0.0.1", port=0, log_level="warning", lifespan="on"))
        serving = asyncio.ensure_future(server.serve())
        while not server.started:
            await asyncio.sleep(0.01)
        where["url"] = f"http://127.0.0.1:{server.servers[0].sockets[0].getsockname()[1]}"
        started.set()
        while not stopping.is_set():
            await asyncio.sleep(0.1)
        server.should_exit = True
        await serving
        await asyncio.gather(*(w.shutdown() for w in workers))
        await asyncio.gather(*running, return_exceptions=True)
        store.dispose()

    thread = threading.Thread(target=lambda: asyncio.run(run()), daemon=True)
    thread.start()
    assert started.wait(60), "the API did not start"
    yield str(where["url"]), board_headers(settings)
    stopping.set()
    thread.join(30)


def test_any_request_gets_a_documented_answer_and_never_a_5xx(live_api: tuple[str, dict[str, str]]) -> None:
    """Each operation, with valid input (as the schema allows) and invalid (as it does not), as the board."""
    url, board = live_api
    schema = schemathesis.openapi.from_url(f"{url}/api/openapi.json")
    failures: list[str] = []
    operations = 0
    for result in schema.get_all_operations():
        operation = result.ok()
        operations += 1
        for mode in (GenerationMode.POSITIVE, GenerationMode.NEGATIVE):

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis_settings(
                max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
            )
            def call(case: schemathesis.Case) -> None:
                case.call_and_validate(base_url=url, headers=board, checks=CHECKS, timeout=30)

            try:
                call()
            except Exception as err:  # noqa: BLE001 — every operation is tried; all failures are reported
                failures.append(f"{operation.label} ({mode.value}): {str(err)[:1500]}")
    assert operations >= 40
    assert not failures, "\n\n".join(failures)


def test_oversized_and_malformed_bodies_get_a_4xx(live_api: tuple[str, dict[str, str]]) -> None:
    url, board = live_api
    with httpx.Client(base_url=url, timeout=30, headers=board) as http:
        big = http.post("/api/companies", content=b"{" + b" " * (MAX_BODY_BYTES + 1) + b"}",
                        headers={"content-type": "application/json"})  # fmt: skip
        assert big.status_code == 413 and big.json()["error"]["code"] == "payload_too_large"
        broken = http.post("/api/companies", content=b'{"name": ', headers={"content-type": "application/json"})
        assert broken.status_code == 400 and "not valid JSON" in broken.json()["error"]["message"]
