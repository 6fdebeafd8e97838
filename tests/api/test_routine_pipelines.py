"""Pipeline routines through the real API on the dev server (real Temporal Schedules, the real
workers and store): a fire starts a run of the pipeline's latest version with the routine's
inputs, its id derived from the fire; while that run is running the next fire starts none
(`skip_if_open`), and once it ended the next starts one on the version of the day; a routine for
a pipeline the company does not have, or with inputs that do not fit, or of both forms, is
refused readably."""

from typing import Any

import httpx
from temporalio.testing import WorkflowEnvironment

from paperclip.models.routines import RoutineRunResult
from paperclip.routine_runs import run_id_of
from tests.api.conftest import assert_error
from tests.api.helpers import create_company
from tests.api.test_pipeline_runs import wait_run
from tests.api.test_routines import poll

YAML = {"Content-Type": "application/yaml"}
NIGHTLY = """\
workflow:
  name: nightly
  inputs:
    - name: scope
    - name: depth
      type: integer
      required: false
      default: 1
  steps:
    - id: check
      agent: cto
      task: Check ${inputs.scope} to depth ${inputs.depth}
      approval: {title: "Run the nightly check?"}
"""


async def fire(api: httpx.AsyncClient, env: WorkflowEnvironment, company: str, fired: int) -> RoutineRunResult:
    """Trigger the routine and wait for that fire's run to end: what it did. The fire is told by
    its run, not its workflow id, which a fire in the same second as another shares; the pipeline
    run it started is named after both."""
    url = f"/api/companies/{company}/routines/nightly"
    seen = {a["run_id"] for a in (await api.get(url)).json()["recent_actions"]}
    triggered = await api.post(f"{url}/trigger")
    assert triggered.status_code == 202, triggered.text
    routine = await poll(lambda: api.get(url), lambda r: len(r.json()["recent_actions"]) == fired)
    [action] = [a for a in routine.json()["recent_actions"] if a["run_id"] not in seen]
    handle = env.client.get_workflow_handle(
        action["workflow_id"], run_id=action["run_id"], result_type=RoutineRunResult
    )
    result: RoutineRunResult = await handle.result()
    assert result.fire_id == action["workflow_id"]
    assert result.run_id in (None, run_id_of(action["workflow_id"], action["run_id"]))
    return result


async def runs(api: httpx.AsyncClient, company: str) -> list[dict[str, Any]]:
    return (await api.get(f"/api/companies/{company}/pipelines/nightly/runs")).json()["data"]


async def test_a_fire_starts_one_run_and_none_while_it_is_running(
    api: httpx.AsyncClient, dev_env: WorkflowEnvironment
) -> None:
    company = (await create_company(api))["id"]
    assert (await api.post(f"/api/companies/{company}/pipelines", content=NIGHTLY, headers=YAML)).status_code == 201
    body = {"pipeline": "nightly", "inputs": {"scope": "billing", "depth": "3"}, "every": "1h"}
    created = await api.post(f"/api/companies/{company}/routines", json=body)
    assert created.status_code == 201, created.text
    routine = created.json()
    assert routine["name"] == "nightly" and routine["agent"] is None and routine["skip_if_open"] is True
    assert (routine["pipeline"], routine["inputs"]) == ("nightly", {"scope": "billing", "depth": "3"})

    first = await fire(api, dev_env, company, 1)
    assert first.run_id is not None and first.skipped is None
    run = await poll(lambda: api.get(f"/api/companies/{company}/pipeline-runs/{first.run_id}"), lambda r: r.is_success)
    assert run.json()["version"] == 1 and run.json()["status"] == "running"
    [listed] = await poll(lambda: runs(api, company), lambda found: len(found) == 1)
    assert listed["run_id"] == first.run_id

    second = await fire(api, dev_env, company, 2)
    assert second.run_id is None and second.skipped == f"its last run {first.run_id} of nightly is still running"
    assert len(await runs(api, company)) == 1

    cancel = await api.post(f"/api/companies/{company}/pipeline-runs/{first.run_id}/cancel", json={})
    assert cancel.status_code == 200, cancel.text
    await wait_run(api, company, first.run_id, "cancelled")
    changed = NIGHTLY.replace("Check ${inputs.scope}", "Check ${inputs.scope} again")
    assert (await api.post(f"/api/companies/{company}/pipelines", content=changed, headers=YAML)).status_code == 201
    third = await fire(api, dev_env, company, 3)
    assert third.run_id is not None and third.run_id != first.run_id
    run = await poll(lambda: api.get(f"/api/companies/{company}/pipeline-runs/{third.run_id}"), lambda r: r.is_success)
    assert run.json()["version"] == 2
    kept = (await runs(api, company))[0]
    assert kept["run_id"] == third.run_id
    await api.post(f"/api/companies/{company}/pipeline-runs/{third.run_id}/cancel", json={})
    await wait_run(api, company, third.run_id, "cancelled")


async def test_bad_pipeline_routines_are_refused_readably(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    url = f"/api/companies/{company}/routines"
    ghost = assert_error(await api.post(url, json={"pipeline": "nightly", "every": "1h"}), 400, "invalid_input")
    assert ghost["message"] == f"company '{company}' has no pipeline 'nightly'"
    await api.post(f"/api/companies/{company}/pipelines", content=NIGHTLY, headers=YAML)
    missing = assert_error(await api.post(url, json={"pipeline": "nightly", "every": "1h"}), 400)
    assert missing["message"] == "routine nightly: input 'scope' is required by pipeline nightly"
    typed = {"pipeline": "nightly", "every": "1h", "inputs": {"scope": "x", "depth": "deep"}}
    assert assert_error(await api.post(url, json=typed), 400)["message"] == (
        "routine nightly: input 'depth' must be integer, not 'deep'"
    )
    both = {"pipeline": "nightly", "agent": "cto", "title": "t", "every": "1h"}
    assert "not both" in assert_error(await api.post(url, json=both), 422)["message"]
    neither = {"name": "r", "every": "1h"}
    assert "give agent and title" in assert_error(await api.post(url, json=neither), 422)["message"]
    stray = {"agent": "cto", "title": "t", "every": "1h", "inputs": {"scope": "x"}}
    assert "inputs are a pipeline's" in assert_error(await api.post(url, json=stray), 422)["message"]
    assert (await api.get(url)).json()["count"] == 0


async def test_a_pipeline_routine_is_exported_and_left_out_of_an_import_with_a_note(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    await api.post(f"/api/companies/{company}/pipelines", content=NIGHTLY, headers=YAML)
    body = {"pipeline": "nightly", "inputs": {"scope": "billing"}, "cron": "0 2 * * *"}
    assert (await api.post(f"/api/companies/{company}/routines", json=body)).status_code == 201
    await poll(lambda: api.get(f"/api/companies/{company}/routines"), lambda r: r.json()["count"] == 1)
    doc = (await api.get(f"/api/companies/{company}/export")).json()
    [routine] = doc["routines"]
    assert (routine["pipeline"], routine["inputs"], routine["agent"]) == ("nightly", {"scope": "billing"}, None)
    markdown = (await api.get(f"/api/companies/{company}/export", params={"format": "md"})).text
    assert "- **nightly** (cron `0 2 * * *`): a run of pipeline nightly" in markdown
    imported = await api.post("/api/companies/import", json=doc, params={"id": f"{company}-copy"})
    assert imported.status_code == 201, imported.text
    assert imported.json()["routines"] == []
    assert imported.json()["notes"] == [
        "routine nightly not imported: it runs pipeline nightly, which an export does not carry "
        "(add the pipeline, then the routine)"
    ]
