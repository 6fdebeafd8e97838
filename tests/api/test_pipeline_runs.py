"""Pipeline runs through the API, with the real workers and the simulated model: a run starts
from a company's pipeline with its inputs, the same Idempotency-Key twice starts one run, runs
are listed and read with their steps, and a run is cancelled; bad input is a readable 4xx."""

import asyncio
import uuid
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment

from api.app import create_app
from api.pipeline_runs import StoredPipeline, pipeline_source
from paperclip.models.pipelines import PipelineInputSpec, PipelineSpec, PipelineStep, StepApproval
from paperclip.settings import Settings
from paperclip.store import Store
from tests.api.conftest import assert_error, board_headers, serve
from tests.api.helpers import create_company

REVIEW = PipelineSpec(
    name="code-review",
    inputs=[PipelineInputSpec(name="git_diff"), PipelineInputSpec(name="strict", type="boolean", required=False)],
    steps=[
        PipelineStep(agent="cto", task="Lint ${inputs.git_diff}", input=["git_diff"], output="lint_results"),
        PipelineStep(agent="cmo", task="Summarise ${lint_results}", input=["lint_results"], output="summary"),
    ],
)
GATED = PipelineSpec(name="gated", steps=[PipelineStep(id="wait", agent="cto", task="go", approval=StepApproval())])


class Pipelines:
    """The company's pipelines, as the store would give them."""

    def __init__(self) -> None:
        self.specs = {s.name: s for s in (REVIEW, GATED)}

    def get_pipeline(self, company_id: str, name: str) -> StoredPipeline | None:
        spec = self.specs.get(name)
        return None if spec is None else StoredPipeline(spec=spec, version=3, digest="ab" * 32)


@pytest.fixture
async def api(
    dev_env: WorkflowEnvironment, store: Store, task_queue: str, workers: None, settings: Settings
) -> AsyncIterator[httpx.AsyncClient]:
    app = create_app(settings, client=dev_env.client, store=store, task_queue=task_queue)
    app.dependency_overrides[pipeline_source] = Pipelines
    async with (
        serve(app) as base_url,
        httpx.AsyncClient(base_url=base_url, timeout=30, headers=board_headers(settings)) as http,
    ):
        yield http


async def wait_run(api: httpx.AsyncClient, company: str, run: str, status: str, timeout: float = 60) -> dict[str, Any]:
    deadline = asyncio.get_running_loop().time() + timeout
    while True:
        body = (await api.get(f"/api/companies/{company}/pipeline-runs/{run}")).json()
        if body["status"] == status:
            return body
        assert asyncio.get_running_loop().time() < deadline, body
        await asyncio.sleep(0.1)


async def test_a_run_started_through_the_api_runs_and_is_listed(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    started = await api.post(
        f"/api/companies/{company}/pipelines/code-review/runs",
        json={"inputs": {"git_diff": "+x = 1", "strict": "true"}},
    )
    assert started.status_code == 201, started.text
    run = started.json()
    assert run["pipeline"] == "code-review" and run["version"] == 3 and run["status"] == "running"
    done = await wait_run(api, company, run["run_id"], "done")
    steps = {s["id"]: s for s in done["steps"]}
    assert [s["status"] for s in done["steps"]] == ["done", "done"]
    assert steps["lint_results"]["task"] == "ACME-1" and steps["summary"]["task"] == "ACME-2"
    assert steps["summary"]["output_ref"] == "task:ACME-2" and steps["summary"]["excerpt"]
    assert done["cost_usd"] == pytest.approx(sum(s["cost_usd"] for s in done["steps"]))
    # The second step's task was given the first's output, by excerpt and reference.
    brief = (await api.get(f"/api/companies/{company}/tasks/ACME-2")).json()["brief"]
    assert steps["lint_results"]["excerpt"][:100] in brief and "read_task ACME-1" in brief
    listed = (await api.get(f"/api/companies/{company}/pipelines/code-review/runs")).json()
    assert listed["count"] == 1 and listed["data"][0]["run_id"] == run["run_id"]
    assert (await api.get(f"/api/companies/{company}/pipelines/gated/runs")).json()["count"] == 0


async def test_the_same_idempotency_key_twice_starts_one_run(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    url = f"/api/companies/{company}/pipelines/gated/runs"
    key = {"Idempotency-Key": str(uuid.uuid4())}
    first = await api.post(url, json={"inputs": {}}, headers=key)
    second = await api.post(url, json={"inputs": {}}, headers=key)
    assert first.status_code == second.status_code == 201
    assert first.json()["run_id"] == second.json()["run_id"]
    other = await api.post(url, json={"inputs": {}}, headers={"Idempotency-Key": str(uuid.uuid4())})
    assert other.json()["run_id"] != first.json()["run_id"]
    listed = (await api.get(f"/api/companies/{company}/pipelines/gated/runs")).json()
    assert sorted(r["run_id"] for r in listed["data"]) == sorted({first.json()["run_id"], other.json()["run_id"]})
    # One gate per run in the company's approvals: the repeat asked for nothing.
    await wait_run_gates(api, company, 2)
    reused = await api.post(url, json={"inputs": {"x": 1}}, headers=key)
    assert_error(reused, 422)


async def wait_run_gates(api: httpx.AsyncClient, company: str, count: int) -> None:
    for _ in range(100):
        approvals = (await api.get(f"/api/companies/{company}/approvals")).json()
        items = approvals["data"] if isinstance(approvals, dict) else approvals
        if len(items) >= count:
            assert len(items) == count
            return
        await asyncio.sleep(0.1)
    raise AssertionError(f"{count} gates never opened")


async def test_cancel_stops_a_run_and_a_second_cancel_is_a_conflict(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    run = (await api.post(f"/api/companies/{company}/pipelines/gated/runs", json={})).json()["run_id"]
    cancelled = await api.post(f"/api/companies/{company}/pipeline-runs/{run}/cancel", json={"reason": "not now"})
    assert cancelled.status_code == 200, cancelled.text
    done = await wait_run(api, company, run, "cancelled")
    assert done["error"] == "cancelled by board: not now" and done["steps"][0]["status"] == "cancelled"
    assert_error(await api.post(f"/api/companies/{company}/pipeline-runs/{run}/cancel", json={}), 409, "conflict")


async def test_bad_runs_are_refused_readably(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    runs = f"/api/companies/{company}/pipelines/code-review/runs"
    missing = assert_error(await api.post(runs, json={"inputs": {}}), 400, "invalid_input")
    assert missing["message"] == "input 'git_diff' is required by pipeline code-review"
    unknown = assert_error(await api.post(runs, json={"inputs": {"git_diff": "d", "rm": "-rf"}}), 400)
    assert "unknown input(s) rm" in unknown["message"]
    typed = assert_error(await api.post(runs, json={"inputs": {"git_diff": "d", "strict": "maybe"}}), 400)
    assert typed["message"] == "input 'strict' must be boolean, not 'maybe'"
    assert_error(await api.post(f"/api/companies/{company}/pipelines/nope/runs", json={}), 404, "not_found")
    assert_error(await api.post("/api/companies/no-such/pipelines/code-review/runs", json={}), 404, "not_found")
    assert_error(await api.get(f"/api/companies/{company}/pipeline-runs/nope"), 404, "not_found")


async def test_a_run_in_a_project_gives_its_steps_tasks_the_project(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    runs = f"/api/companies/{company}/pipelines/code-review/runs"
    error = assert_error(await api.post(runs, json={"inputs": {"git_diff": "+x"}, "project": "WEB"}), 400)
    assert "project 'WEB' not found" in error["message"]
    assert_error(await api.post(runs, json={"inputs": {"git_diff": "+x"}, "project": "web"}), 422)
    assert (await api.post(f"/api/companies/{company}/projects", json={"key": "WEB", "name": "Web"})).status_code == 201
    started = await api.post(runs, json={"inputs": {"git_diff": "+x = 1"}, "project": "WEB"})
    assert started.status_code == 201, started.text
    await wait_run(api, company, started.json()["run_id"], "done")
    tasks = (await api.get(f"/api/companies/{company}/tasks", params={"project": "WEB"})).json()["data"]
    assert [t["identifier"] for t in tasks] == ["ACME-1", "ACME-2"]
