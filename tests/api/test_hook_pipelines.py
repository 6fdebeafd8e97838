"""Hooks that start pipeline runs, over real HTTP and real Temporal, on SQLite and PostgreSQL:
GitHub's signed `pull_request` delivery starts one run of the company's pipeline with the hook's
mapped inputs (a number input as text for a text input), settled as `run <id>`; the same delivery
again is a duplicate and starts nothing; a bad signature starts nothing; a hook for a pipeline
the company does not have, or with inputs the pipeline does not take or lacking one it requires,
is refused with a readable 400."""

import json
from typing import Any

import httpx

from paperclip.store import Store
from tests.api.conftest import assert_error
from tests.api.helpers import create_company
from tests.api.test_hooks import PR_INPUTS, PR_WHEN, github_headers, hooks, pull_request_payload
from tests.api.test_pipeline_runs import wait_run

YAML = {"Content-Type": "application/yaml"}
REVIEW = """\
workflow:
  name: pr-review
  inputs:
    - name: repo
    - name: number
    - name: url
    - name: strict
      type: boolean
      required: false
      default: false
  steps:
    - agent: cto
      task: Review ${inputs.repo}#${inputs.number} at ${inputs.url}
"""
MAPPED = {k: PR_INPUTS[k] for k in ("repo", "number", "url")}


async def add_pipeline_hook(api: httpx.AsyncClient, company: str, **fields: Any) -> httpx.Response:
    body = {"name": "prs", "when": PR_WHEN, "inputs": MAPPED, "target": {"kind": "pipeline", "pipeline": "pr-review"}}
    return await api.post(hooks(company), json=body | fields)


async def runs(api: httpx.AsyncClient, company: str) -> list[dict[str, Any]]:
    listed = await api.get(f"/api/companies/{company}/pipelines/pr-review/runs")
    assert listed.status_code == 200, listed.text
    return listed.json()["data"]


async def test_a_github_delivery_starts_one_run_with_the_mapped_inputs(
    api: httpx.AsyncClient, anonymous: httpx.AsyncClient
) -> None:
    company = (await create_company(api))["id"]
    assert (await api.post(f"/api/companies/{company}/pipelines", content=REVIEW, headers=YAML)).status_code == 201
    made = await add_pipeline_hook(api, company)
    assert made.status_code == 201, made.text
    hook = made.json()
    assert hook["target"] == {"kind": "pipeline", "pipeline": "pr-review"}

    body = json.dumps(pull_request_payload(number=7)).encode()
    forged = await anonymous.post(hook["path"], content=body, headers=github_headers("wrong", body))
    assert_error(forged, 401, "bad_signature")
    assert await runs(api, company) == []

    headers = github_headers(hook["secret"], body)
    delivered = await anonymous.post(hook["path"], content=body, headers=headers)
    assert delivered.status_code == 200, delivered.text
    answer = delivered.json()
    assert answer["task"] is None and answer["duplicate"] is False and answer["run"]
    done = await wait_run(api, company, answer["run"], "done")
    assert done["pipeline"] == "pr-review" and done["version"] == 1
    again = await anonymous.post(hook["path"], content=body, headers=headers)  # GitHub's "Redeliver"
    assert again.status_code == 200 and again.json()["duplicate"] is True and again.json()["run"] is None

    [run] = await runs(api, company)
    assert run["run_id"] == answer["run"]
    record = await api.get(f"/api/companies/{company}/tasks/{done['steps'][0]['task']}")
    assert "Review myorg/myapp#7 at https://github.com/myorg/myapp/pull/7" in record.json()["brief"]
    deliveries = (await api.get(f"{hooks(company)}/prs/deliveries")).json()
    assert [d["outcome"] for d in deliveries] == [f"run {answer['run']}"]
    listed = (await api.get(hooks(company))).json()["data"]
    assert listed[0]["target"] == {"kind": "pipeline", "pipeline": "pr-review"}


async def test_a_redelivery_after_an_unknown_outcome_joins_the_same_run(
    api: httpx.AsyncClient, anonymous: httpx.AsyncClient, store: Store
) -> None:
    """A delivery the hook forgot (as when starting the run raised after Temporal had started it)
    is taken again, and answers the run its first attempt started: one run per delivery."""
    company = (await create_company(api))["id"]
    await api.post(f"/api/companies/{company}/pipelines", content=REVIEW, headers=YAML)
    hook = (await add_pipeline_hook(api, company)).json()
    body = json.dumps(pull_request_payload()).encode()
    headers = github_headers(hook["secret"], body)
    first = (await anonymous.post(hook["path"], content=body, headers=headers)).json()["run"]
    store.release_delivery(company, "prs", headers["X-GitHub-Delivery"])
    second = await anonymous.post(hook["path"], content=body, headers=headers)
    assert second.status_code == 200 and second.json()["duplicate"] is False
    assert second.json()["run"] == first
    await wait_run(api, company, first, "done")
    assert [r["run_id"] for r in await runs(api, company)] == [first]


async def test_a_hook_for_a_pipeline_is_checked_against_it(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    unknown = assert_error(await add_pipeline_hook(api, company), 400, "invalid_input")
    assert unknown["message"] == f"hook prs: company '{company}' has no pipeline 'pr-review'"
    await api.post(f"/api/companies/{company}/pipelines", content=REVIEW, headers=YAML)
    extra = assert_error(await add_pipeline_hook(api, company, inputs=MAPPED | {"title": "x"}), 400)
    assert extra["message"] == (
        "hook prs: pipeline pr-review takes no input(s) title (it takes: repo, number, url, strict)"
    )
    lacking = assert_error(await add_pipeline_hook(api, company, inputs={"repo": "body.repository.full_name"}), 400)
    assert lacking["message"] == "hook prs: pipeline pr-review requires input(s) number, url: map them"
    bad = {"kind": "pipeline", "pipeline": "Not A Name"}
    assert_error(await add_pipeline_hook(api, company, target=bad), 422)
    assert (await api.get(hooks(company))).json()["count"] == 0
