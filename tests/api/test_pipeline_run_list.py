"""A pipeline's runs listed from the store's records, over real HTTP and real Temporal: newest
first with their steps, outputs' excerpts and cost, paged with a total; a running run as its
workflow reports it now; and a run Temporal no longer keeps is still listed and read."""

import asyncio
from datetime import UTC, datetime, timedelta

import httpx

from paperclip.models.pipelines import PipelineRunState, RunStatus, StepState, StepStatus
from paperclip.store import Store
from tests.api.helpers import create_company
from tests.api.test_pipeline_notify import GATED, REVIEW, add_pipeline
from tests.api.test_pipeline_runs import wait_run


def kept_run(store: Store, company: str, run_id: str, started_at: datetime) -> PipelineRunState:
    """A finished run the store keeps and Temporal no longer does (its retention passed)."""
    step = StepState(id="review", status=StepStatus.DONE, task="ACME-9", excerpt="LGTM", size=4, cost_usd=0.25)
    state = PipelineRunState(
        company_id=company,
        run_id=run_id,
        pipeline="review",
        version=1,
        status=RunStatus.DONE,
        steps=[step],
        tokens=900,
        cost_usd=0.25,
        started_at=started_at,
        finished_at=started_at + timedelta(minutes=3),
    )
    store.record_pipeline_run(state, digest="0" * 64, inputs={"change": "+old"}, started_at=started_at)
    return state


async def test_runs_are_listed_from_the_store_with_those_temporal_forgot(api: httpx.AsyncClient, store: Store) -> None:
    company = (await create_company(api))["id"]
    await add_pipeline(api, company, REVIEW)
    runs_url = f"/api/companies/{company}/pipelines/review/runs"
    old = kept_run(store, company, "old", datetime.now(UTC) - timedelta(days=90))
    first = (await api.post(runs_url, json={"inputs": {"change": "+a"}})).json()["run_id"]
    done = await wait_run(api, company, first, "done")
    second = (await api.post(runs_url, json={"inputs": {"change": "+b"}})).json()["run_id"]
    await wait_run(api, company, second, "done")

    listed = (await api.get(runs_url)).json()
    assert listed["count"] == 3 and [r["run_id"] for r in listed["data"]] == [second, first, "old"]
    assert listed["data"][1] == done and listed["data"][1]["steps"][0]["excerpt"]
    assert PipelineRunState.model_validate(listed["data"][2]) == old
    assert PipelineRunState.model_validate((await api.get(f"/api/companies/{company}/pipeline-runs/old")).json()) == old
    page = (await api.get(runs_url, params={"limit": 1, "offset": 1})).json()
    assert page["count"] == 3 and [r["run_id"] for r in page["data"]] == [first]
    assert (await api.get(runs_url, params={"limit": 0})).status_code == 422
    assert (await api.get(f"/api/companies/{company}/pipelines/other/runs")).json() == {"data": [], "count": 0}


async def test_a_running_run_is_listed_as_its_workflow_reports_it(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    await add_pipeline(api, company, GATED)
    run = (await api.post(f"/api/companies/{company}/pipelines/gated/runs", json={})).json()["run_id"]
    for _ in range(100):  # the store's record says pending; the workflow knows the gate waits
        [listed] = (await api.get(f"/api/companies/{company}/pipelines/gated/runs")).json()["data"]
        if listed["steps"][0]["approval"]:
            break
        await asyncio.sleep(0.1)
    assert listed["run_id"] == run and listed["status"] == "running"
    assert listed["steps"][0]["status"] == "waiting_approval" and listed["steps"][0]["approval"]
    await api.post(f"/api/companies/{company}/pipeline-runs/{run}/cancel", json={})
    await wait_run(api, company, run, "cancelled")
