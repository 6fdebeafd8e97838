"""Outgoing webhooks over real HTTP, real Temporal and the real workers, on SQLite and PostgreSQL:
a company's subscriptions made (the secret shown once), listed and removed; a budget incident,
the approval it opens and a failed task reach a small receiving server here, which checks each
delivery's signature and timestamp; a 503 is retried by Temporal and the retry is the same
delivery; a 400 is not retried; the Slack format is `{"text": …}`."""

import asyncio
import hashlib
import hmac
import json
import time
from collections.abc import AsyncIterator, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest
from fastapi import FastAPI, Request
from fastapi.responses import JSONResponse
from temporalio.testing import WorkflowEnvironment

from paperclip.settings import Settings
from tests.api.conftest import assert_error, serve
from tests.api.helpers import bind_fake_key, create_company
from tests.fakes import FakeModelServer


@dataclass
class Delivery:
    name: str
    headers: dict[str, str]
    body: bytes
    status: int

    def json(self) -> Any:
        return json.loads(self.body)


@dataclass
class Receiver:
    """Takes deliveries at `POST /in/{name}`: 401 unless signed with `secrets[name]` within five
    minutes, else the next of `statuses[name]` (200 once none are left)."""

    secrets: dict[str, str] = field(default_factory=dict)
    statuses: dict[str, list[int]] = field(default_factory=dict)
    seen: list[Delivery] = field(default_factory=list)

    def app(self) -> FastAPI:
        app = FastAPI()

        @app.post("/in/{name}")
        async def take(name: str, request: Request) -> JSONResponse:
            body = await request.body()
            ts = request.headers.get("x-paperclip-timestamp", "")
            expected = hmac.new(self.secrets.get(name, "").encode(), f"{ts}.".encode() + body, hashlib.sha256)
            signed = hmac.compare_digest(request.headers.get("x-paperclip-signature", ""), f"v1={expected.hexdigest()}")
            fresh = ts.isdigit() and abs(time.time() - int(ts)) <= 300
            queue = self.statuses.get(name) or []
            status = 401 if not (signed and fresh) else queue.pop(0) if queue else 200
            self.seen.append(Delivery(name, dict(request.headers), body, status))
            return JSONResponse({}, status_code=status)

        return app

    def taken(self, name: str) -> list[Delivery]:
        return [d for d in self.seen if d.name == name and d.status == 200]

    async def until(self, name: str, count: int, timeout: float = 30) -> list[Delivery]:
        deadline = time.monotonic() + timeout
        while len(self.taken(name)) < count:
            assert time.monotonic() < deadline, f"{name} took {len(self.taken(name))} deliveries, not {count}"
            await asyncio.sleep(0.05)
        return self.taken(name)


@pytest.fixture
async def receiver() -> AsyncIterator[tuple[Receiver, str]]:
    found = Receiver()
    async with serve(found.app()) as url:
        yield found, url


@pytest.fixture
def settings(tmp_path: Path, dev_env: WorkflowEnvironment, receiver: tuple[Receiver, str]) -> Settings:
    """The API's and the workers' settings: the receiver on this machine is allowed."""
    return Settings(
        home=tmp_path,
        temporal_address=dev_env.client.service_client.config.target_host,
        allow_private_hosts=[httpx.URL(receiver[1]).netloc.decode()],
    )


@pytest.fixture
def server() -> Iterator[FakeModelServer]:
    with FakeModelServer() as fake:
        yield fake


def webhooks(company: str) -> str:
    return f"/api/companies/{company}/webhooks"


async def subscribe(api: httpx.AsyncClient, company: str, receiver: tuple[Receiver, str], **fields: Any) -> str:
    body = {"name": "ops", "url": f"{receiver[1]}/in/{fields.get('name', 'ops')}"} | fields
    response = await api.post(webhooks(company), json=body)
    assert response.status_code == 201, response.text
    receiver[0].secrets[body["name"]] = response.json()["secret"]
    return body["name"]


async def test_a_budget_incident_is_sent_signed_and_retried_after_a_503(
    api: httpx.AsyncClient, receiver: tuple[Receiver, str]
) -> None:
    company = (await create_company(api, budget_tokens=100))["id"]
    name = await subscribe(api, company, receiver, events=["budget.incident", "approval.pending"])
    listed = (await api.get(webhooks(company))).json()
    assert listed["count"] == 1 and "secret" not in listed["data"][0]
    assert listed["data"][0]["events"] == ["approval.pending", "budget.incident"]
    found = receiver[0]
    found.statuses[name] = [503]

    created = await api.post(f"/api/companies/{company}/tasks", json={"title": "Launch", "assignee": "ceo"})
    assert created.status_code == 201, created.text
    taken = await found.until(name, 2)
    events = {d.json()["event"]: d for d in taken}
    assert set(events) == {"budget.incident", "approval.pending"}
    incident = events["budget.incident"].json()
    assert incident["company_id"] == company and "company paused" in incident["summary"]
    for delivery in taken:
        assert delivery.headers["content-type"] == "application/json"
        assert delivery.headers["x-paperclip-event"] == delivery.json()["event"]
        assert delivery.headers["x-paperclip-delivery"] == delivery.json()["id"]
    refused = [d for d in found.seen if d.status == 503]
    assert len(refused) == 1
    # Temporal's retry sent the refused delivery again (the same event, signed anew), and only it.
    assert refused[0].headers["x-paperclip-delivery"] in {d.headers["x-paperclip-delivery"] for d in taken}
    assert len(found.seen) == 3

    assert (await api.delete(f"{webhooks(company)}/{name}")).status_code == 204
    assert (await api.get(webhooks(company))).json()["count"] == 0
    assert_error(await api.delete(f"{webhooks(company)}/{name}"), 404)


async def test_a_failed_task_in_slack_format_is_text_and_a_400_is_not_retried(
    api: httpx.AsyncClient, receiver: tuple[Receiver, str], server: FakeModelServer
) -> None:
    await bind_fake_key(api, server.base_url)
    model = {"provider": "openai", "model": "gpt-4o-mini", "base_url": server.base_url_openai, "credential": "fake-key"}
    agents = [{"name": "ceo", "role": "ceo", "model": model}]
    company = (await create_company(api, agents=agents))["id"]
    slack = await subscribe(api, company, receiver, name="slack", events=["task.failed"], format="slack")
    picky = await subscribe(api, company, receiver, name="picky", events=["task.failed"])
    found = receiver[0]
    found.statuses[picky] = [400]
    server.fail_next(1, status=401, message="Incorrect API key provided")

    created = await api.post(f"/api/companies/{company}/tasks", json={"title": "Launch", "assignee": "ceo"})
    assert created.status_code == 201, created.text
    [delivery] = await found.until(slack, 1)
    body = delivery.json()
    assert set(body) == {"text"} and isinstance(body["text"], str)
    identifier = created.json()["identifier"]
    assert body["text"].startswith(f"[{company}] task failed: {identifier} failed")

    await asyncio.sleep(3)  # a retry would have come after 1 s, then 2 s more
    assert [d.status for d in found.seen if d.name == picky] == [400]


async def test_bad_subscriptions_are_refused(api: httpx.AsyncClient, anonymous: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    metadata = {"name": "m", "url": "http://169.254.169.254/latest", "events": ["task.failed"]}
    assert "metadata" in assert_error(await api.post(webhooks(company), json=metadata), 422)["message"]
    no_events = {"name": "n", "url": "https://hooks.slack.com/services/T/B/X", "events": []}
    assert_error(await api.post(webhooks(company), json=no_events), 422)
    unknown = {"name": "u", "url": "https://example.com/in", "events": ["task.exploded"]}
    assert_error(await api.post(webhooks(company), json=unknown), 422)
    ok = {"name": "ok", "url": "https://example.com/in", "events": ["pipeline.finished"]}
    assert (await api.post(webhooks(company), json=ok)).status_code == 201
    assert_error(await api.post(webhooks(company), json=ok), 409)
    assert_error(await anonymous.get(webhooks(company)), 401)
    assert_error(await api.get(webhooks("no-such-company")), 404)
