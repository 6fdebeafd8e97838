"""schemathesis against the API's own OpenAPI schema, over real HTTP (the API and workers on the
dev server): whatever it is sent, the API answers no 5xx, with a status the schema documents, in
the content type and shape the schema says — also when every request names a company that exists,
so what the schema allows reaches the company's workflow and the store; and oversized or
malformed bodies get a 4xx."""

import asyncio
import os
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
from hypothesis.errors import Unsatisfiable
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
EXAMPLES = int(os.environ.get("PAPERCLIP_FUZZ_EXAMPLES", "3"))
"""Per operation and mode: some 50 operations, so about 300 requests a run of each test;
`PAPERCLIP_FUZZ_EXAMPLES=10` digs deeper (about four minutes)."""


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


def fuzz(
    live_api: tuple[str, dict[str, str]], modes: tuple[GenerationMode, ...], *, company: str | None = None
) -> tuple[int, list[str]]:
    """Send each operation `EXAMPLES` cases of each mode, as the board (its token wins over the
    made-up ones the schema's security scheme calls for). With `company`, every company route names
    that company, archiving it last. Returns how many operations there were and what failed."""
    url, board = live_api
    schema = schemathesis.openapi.from_url(f"{url}/api/openapi.json")
    failures: list[str] = []
    found = [result.ok() for result in schema.get_all_operations()]
    for operation in sorted(found, key=lambda op: op.path.endswith("/archive")):
        for mode in modes:

            @given(case=operation.as_strategy(generation_mode=mode))
            @hypothesis_settings(
                max_examples=EXAMPLES, deadline=None, database=None, suppress_health_check=list(HealthCheck)
            )
            def call(case: schemathesis.Case) -> None:
                if company is not None and "{company}" in case.operation.path:
                    case.path_parameters = {**(case.path_parameters or {}), "company": company}
                if case.operation.path.endswith("/events"):
                    case.query = {**(case.query or {}), "follow": False}  # a followed stream never ends
                if company is not None and case.operation.path.endswith("/agents") and isinstance(case.body, dict):
                    # An agent hired here may be given a task: it runs on the simulated model, so a
                    # made-up spec never picks a command, a folder or a server on this machine.
                    case.body = {**case.body, "adapter": "model", "model": {"provider": "simulated"}}
                    case.body.update(wake_model=None, compaction_model=None, fallback_models=[])
                case.call_and_validate(base_url=url, headers=board, checks=CHECKS, timeout=30)

            try:
                call()
            except Unsatisfiable:
                continue  # nothing of it can be made invalid (no token asked for, no constrained input)
            except Exception as err:  # noqa: BLE001 — every operation is tried; all failures are reported
                failures.append(f"{operation.label} ({mode.value}): {str(err)[:1500]}")
    return len(found), failures


def test_any_request_gets_a_documented_answer_and_never_a_5xx(live_api: tuple[str, dict[str, str]]) -> None:
    """Each operation, with valid input (as the schema allows) and invalid (as it does not), as the board."""
    operations, failures = fuzz(live_api, (GenerationMode.POSITIVE, GenerationMode.NEGATIVE))
    assert operations >= 40
    assert not failures, "\n\n".join(failures)


def test_the_board_gets_a_documented_answer_and_never_a_5xx_for_a_company_that_exists(
    live_api: tuple[str, dict[str, str]],
) -> None:
    """The same as the board, which passes the door, on a company with agents and a task: what
    the schema allows reaches the company's workflow and the store, and still no route answers
    500 (the schema states the checks the server makes)."""
    company = f"fuzz-{uuid.uuid4().hex[:8]}"
    agents = [{"name": "ceo", "role": "ceo"}, {"name": "cto", "role": "cto", "reports_to": "ceo"}]
    body = {"id": company, "name": "Fuzz", "prefix": "FUZZ", "goals": ["Survive"], "agents": agents}
    url, board = live_api
    with httpx.Client(base_url=url, timeout=30, headers=board) as http:
        assert http.post("/api/companies", json=body).status_code == 201
        assert http.post(f"/api/companies/{company}/tasks", json={"title": "Go", "assignee": "cto"}).status_code == 201
    operations, failures = fuzz(live_api, (GenerationMode.POSITIVE, GenerationMode.NEGATIVE), company=company)
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
