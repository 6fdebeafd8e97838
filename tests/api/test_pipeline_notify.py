"""`pipeline.finished` over real HTTP, real Temporal and the real workers: a run that ends tells
the company's subscriptions, at a small receiving server here that checks each delivery's
signature. A run that finishes is sent once, signed, with its pipeline, run, status, cost and
link, after a 503 retried as the same delivery; a cancelled run reaches a Slack subscription as
text; a subscription to other events hears nothing of runs."""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from paperclip.settings import Settings
from tests.api.conftest import serve
from tests.api.helpers import create_company
from tests.api.test_pipeline_runs import wait_run
from tests.api.test_webhooks import Receiver, subscribe

YAML = {"Content-Type": "application/yaml"}
REVIEW = """\
workflow:
  name: review
  inputs:
    - name: change
  steps:
    - agent: cto
      task: Review ${inputs.change}
"""
GATED = """\
workflow:
  name: gated
  steps:
    - id: ship
      agent: cto
      task: Ship it
      approval: {}
"""


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


async def add_pipeline(api: httpx.AsyncClient, company: str, text: str) -> None:
    added = await api.post(f"/api/companies/{company}/pipelines", content=text, headers=YAML)
    assert added.status_code == 201, added.text


async def test_a_finished_run_is_sent_once_signed_and_retried_after_a_503(
    api: httpx.AsyncClient, receiver: tuple[Receiver, str]
) -> None:
    company = (await create_company(api))["id"]
    name = await subscribe(api, company, receiver, events=["pipeline.finished"])
    other = await subscribe(api, company, receiver, name="other", events=["task.failed", "approval.pending"])
    found = receiver[0]
    found.statuses[name] = [503]
    await add_pipeline(api, company, REVIEW)

    started = await api.post(f"/api/companies/{company}/pipelines/review/runs", json={"inputs": {"change": "+x"}})
    assert started.status_code == 201, started.text
    run = started.json()["run_id"]
    done = await wait_run(api, company, run, "done")
    [delivery] = await found.until(name, 1)
    body = delivery.json()
    assert body["event"] == "pipeline.finished" and body["company_id"] == company
    assert body["id"] == delivery.headers["x-paperclip-delivery"] == f"pipeline:{company}:{run}:finished"
    assert delivery.headers["x-paperclip-event"] == "pipeline.finished"
    assert body["pipeline"] == {
        "pipeline": "review",
        "run_id": run,
        "status": "done",
        "error": None,
        "tokens": done["tokens"],
        "cost_usd": pytest.approx(done["cost_usd"]),
        "link": f"/api/companies/{company}/pipeline-runs/{run}",
    }
    assert body["summary"].startswith(f"review run {run} done ($")
    await asyncio.sleep(2)  # nothing more comes: one event per run, the 503's retry was it
    assert [d.status for d in found.seen if d.name == name] == [503, 200]
    assert len({d.headers["x-paperclip-delivery"] for d in found.seen if d.name == name}) == 1
    assert found.taken(other) == []


async def test_a_cancelled_run_reaches_slack_as_text(api: httpx.AsyncClient, receiver: tuple[Receiver, str]) -> None:
    company = (await create_company(api))["id"]
    slack = await subscribe(api, company, receiver, name="slack", events=["pipeline.finished"], format="slack")
    await add_pipeline(api, company, GATED)
    run = (await api.post(f"/api/companies/{company}/pipelines/gated/runs", json={})).json()["run_id"]
    cancelled = await api.post(f"/api/companies/{company}/pipeline-runs/{run}/cancel", json={"reason": "not now"})
    assert cancelled.status_code == 200, cancelled.text
    await wait_run(api, company, run, "cancelled")
    [delivery] = await receiver[0].until(slack, 1)
    assert delivery.json() == {
        "text": f"[{company}] pipeline finished: gated run {run} cancelled ($0.0000): cancelled by board: not now"
    }
