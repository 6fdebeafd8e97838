"""Payload encryption (`PAPERCLIP_PAYLOAD_KEY`): the codec, and a company whose histories hold
only ciphertext while the API (traces) and the Web UI's codec endpoint still read them."""

import base64
import os
import uuid
from collections.abc import AsyncIterator
from contextlib import AsyncExitStack
from pathlib import Path

import httpx
import pytest
from google.protobuf.json_format import MessageToDict
from pydantic import ValidationError
from temporalio.api.common.v1 import Payload, Payloads
from temporalio.client import Client
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from paperclip.codec import ENCODING, EncryptionCodec, PayloadKeyError, parse_keys
from paperclip.settings import Settings
from paperclip.store import Store
from paperclip.temporal import connect
from tests.api.conftest import assert_error, board_headers, serve
from tests.api.helpers import company_body, wait_for_task
from tests.workflows.helpers import histories_of
from workers.main import build_workers

OLD, NEW = os.urandom(32), os.urandom(32)


def b64(key: bytes) -> str:
    return base64.b64encode(key).decode()


async def test_payloads_are_sealed_and_opened_by_any_key_in_the_list() -> None:
    plain = [Payload(metadata={"encoding": b"json/plain"}, data=b'{"title": "Fix the login bug"}')]
    sealed = await EncryptionCodec([OLD]).encode(plain)
    assert sealed[0].metadata["encoding"] == ENCODING and b"login" not in sealed[0].data
    rotated = EncryptionCodec(parse_keys(f"{b64(NEW)}, {b64(OLD)}"))  # a new key in front
    assert await rotated.decode(sealed) == plain
    assert (await rotated.encode(plain))[0].metadata["encryption-key-id"] != sealed[0].metadata["encryption-key-id"]
    assert await rotated.decode(plain) == plain  # never sealed: as it is
    with pytest.raises(PayloadKeyError, match="not in PAPERCLIP_PAYLOAD_KEY"):
        await EncryptionCodec([NEW]).decode(sealed)
    tampered = Payload(metadata=sealed[0].metadata, data=sealed[0].data[:-1] + bytes([sealed[0].data[-1] ^ 1]))
    with pytest.raises(PayloadKeyError, match="does not open"):
        await EncryptionCodec([OLD]).decode([tampered])


@pytest.mark.parametrize("value", ["", "not base64!", b64(b"short")])
def test_a_bad_payload_key_is_refused_with_a_reason(value: str) -> None:
    with pytest.raises(PayloadKeyError):
        parse_keys(value)
    if value:
        with pytest.raises(ValidationError, match="PAPERCLIP_PAYLOAD_KEY"):
            Settings(payload_key=value)


@pytest.fixture
async def sealed_api(dev_env: WorkflowEnvironment, tmp_path: Path) -> AsyncIterator[tuple[httpx.AsyncClient, Client]]:
    """The API and workers with a payload key; and a client without it, as the server sees."""
    settings = Settings(
        home=tmp_path, temporal_address=dev_env.client.service_client.config.target_host, payload_key=b64(NEW)
    )
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    queue = f"sealed-{uuid.uuid4().hex}"
    client = await connect(settings)
    async with AsyncExitStack() as stack:
        for worker in build_workers(client, store, task_queue=queue, settings=settings):
            await stack.enter_async_context(worker)
        base_url = await stack.enter_async_context(
            serve(create_app(settings, client=client, store=store, task_queue=queue))
        )
        api = await stack.enter_async_context(
            httpx.AsyncClient(base_url=base_url, timeout=30, headers=board_headers(settings))
        )
        raw = await Client.connect(settings.resolved_temporal_address)  # no codec
        yield api, raw
    store.dispose()


async def test_a_sealed_company_works_while_temporal_holds_only_ciphertext(
    sealed_api: tuple[httpx.AsyncClient, Client],
) -> None:
    api, raw = sealed_api
    body = company_body()
    assert (await api.post("/api/companies", json=body)).status_code == 201
    company = body["id"]
    task = {"title": "Launch the Zephyr rocket", "assignee": "ceo", "brief": "orbit by Friday"}
    assert (await api.post(f"/api/companies/{company}/tasks", json=task)).status_code == 201
    await wait_for_task(api, company, "ACME-1")

    # The API reads the conversation (it has the key) ...
    trace = (await api.get(f"/api/companies/{company}/tasks/ACME-1/trace", params={"format": "md"})).text
    assert "Launch the Zephyr rocket" in trace
    # ... Temporal does not: every payload in every history is sealed.
    histories = await histories_of(raw, company)
    assert "Zephyr" not in histories and "orbit by Friday" not in histories
    history = await raw.get_workflow_handle(f"task:{company}:ACME-1").fetch_history()
    started = history.events[0].workflow_execution_started_event_attributes.input
    assert started.payloads[0].metadata["encoding"] == ENCODING

    # The Web UI's codec endpoint opens it, from the UI's origin, with no credentials (the UI has none).
    wire = MessageToDict(Payloads(payloads=list(started.payloads)))
    headers = {"Origin": "http://localhost:8233", "X-Namespace": "default"}
    async with httpx.AsyncClient(base_url=api.base_url, timeout=30) as web_ui:
        opened = await web_ui.post("/api/codec/decode", json=wire, headers=headers)
    assert opened.status_code == 200, opened.text
    assert opened.headers["access-control-allow-origin"] == "http://localhost:8233"
    payload = base64.b64decode(opened.json()["payloads"][0]["data"])
    assert b"Launch the Zephyr rocket" in payload
    preflight = await api.options(
        "/api/codec/decode",
        headers=headers | {"Access-Control-Request-Method": "POST", "Access-Control-Request-Headers": "x-namespace"},
    )
    assert preflight.status_code == 200

    resealed = await api.post("/api/codec/encode", json=opened.json())
    assert (await api.post("/api/codec/decode", json=resealed.json())).json() == opened.json()
    foreign = MessageToDict(Payloads(payloads=await EncryptionCodec([OLD]).encode([Payload(data=b"x")])))
    assert (
        "not in PAPERCLIP_PAYLOAD_KEY"
        in assert_error(await api.post("/api/codec/decode", json=foreign), 400)["message"]
    )
    assert_error(await api.post("/api/codec/decode", json={"payloads": [{"data": "%%%"}]}), 422)
