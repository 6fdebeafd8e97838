"""The store's records of a company's pipeline runs over real HTTP: who started each, newest
first, filtered by pipeline and status; another team's company is not found."""

from datetime import UTC, datetime, timedelta

import httpx

from paperclip.models.pipelines import PipelineRunState, RunStatus
from paperclip.store import Store
from tests.api.conftest import assert_error
from tests.api.helpers import create_company

T0 = datetime(2026, 1, 1, tzinfo=UTC)


def record(store: Store, company: str, run_id: str, pipeline: str, minutes: int, status: RunStatus) -> None:
    state = PipelineRunState(company_id=company, run_id=run_id, pipeline=pipeline, version=1, status=status)
    store.record_pipeline_run(
        state,
        digest="d",
        inputs={"git_diff": "+x"},
        started_at=T0 + timedelta(minutes=minutes),
        started_by=f"user:{run_id}",
    )


async def test_runs_are_listed_newest_first_with_who_started_them(api: httpx.AsyncClient, store: Store) -> None:
    company = (await create_company(api))["id"]
    record(store, company, "a", "review", 1, RunStatus.DONE)
    record(store, company, "b", "review", 2, RunStatus.RUNNING)
    record(store, company, "c", "other", 3, RunStatus.DONE)
    path = f"/api/companies/{company}/pipeline-runs"
    listed = (await api.get(path, params={"pipeline": "review"})).json()
    assert [(r["run_id"], r["started_by"]) for r in listed["data"]] == [("b", "user:b"), ("a", "user:a")]
    assert listed["data"][0]["inputs"] == {"git_diff": "+x"} and (listed["count"], listed["total"]) == (2, 2)
    done = (await api.get(path, params={"status": "done", "limit": 1})).json()
    assert [r["run_id"] for r in done["data"]] == ["c"] and done["total"] == 2
    assert_error(await api.get(path, params={"pipeline": "Not A Slug"}), 422)
    assert_error(await api.get("/api/companies/nope/pipeline-runs"), 404)


async def test_another_teams_company_is_not_found(api: httpx.AsyncClient, store: Store) -> None:
    company = (await create_company(api))["id"]
    record(store, company, "a", "review", 1, RunStatus.DONE)
    assert (await api.post("/api/teams", json={"name": "red"})).status_code == 201
    assert (await api.put("/api/teams/red/members", json={"user": "alice", "role": "operator"})).status_code == 200
    token = (await api.post("/api/tokens", json={"user": "alice", "label": "t"})).json()["token"]
    response = await api.get(f"/api/companies/{company}/pipeline-runs", headers={"Authorization": f"Bearer {token}"})
    assert assert_error(response, 404)["message"] == f"company '{company}' not found"
