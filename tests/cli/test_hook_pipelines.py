"""`paperclip hook add --pipeline` against the real API: a hook whose signed delivery starts a
run of the pipeline with its inputs, listed as such; a hook for a task and a pipeline at once, or
for a pipeline the company does not have, is refused in one line with exit 1."""

import hashlib
import hmac
import json
import re

import httpx

from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.api.test_hook_pipelines import REVIEW, YAML
from tests.api.test_pipeline_runs import wait_run
from tests.cli.test_hooks import cli


async def test_a_hook_made_from_the_cli_starts_a_pipeline_run(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    assert (await api.post(f"/api/companies/{company}/pipelines", content=REVIEW, headers=YAML)).status_code == 201
    added = await cli(
        api, "hook", "add", "prs", "-c", company, "--pipeline", "pr-review", "--input", "repo=body.repo",
        "--input", "number=body.number", "--input", "url=body.url",
    )  # fmt: skip
    assert added.exit_code == 0, added.output
    url = re.search(r"POST (\S+)", added.output)[1]  # type: ignore[index]
    secret = re.search(r"secret \(shown once\): ([0-9a-f]{64})", added.output)[1]  # type: ignore[index]

    body = json.dumps({"repo": "myorg/myapp", "number": 5, "url": "https://example.com/5"}).encode()
    signature = "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    headers = {"X-GitHub-Event": "pull_request", "X-GitHub-Delivery": "d-1", "X-Hub-Signature-256": signature}
    async with httpx.AsyncClient() as anyone:
        delivered = await anyone.post(url, content=body, headers=headers)
    assert delivered.status_code == 200, delivered.text
    run = await wait_run(api, company, delivered.json()["run"], "done")
    assert run["pipeline"] == "pr-review"

    listed = await cli(api, "hook", "list", "-c", company)
    assert listed.exit_code == 0 and "a run of pipeline pr-review" in listed.output

    both = await cli(api, "hook", "add", "x", "-c", company, "--pipeline", "pr-review", "--agent", "cto")
    assert both.exit_code == 1
    assert both.output.strip() == "error: give --pipeline, or --agent and --title (a task), not both"
    neither = await cli(api, "hook", "add", "x", "-c", company)
    assert neither.exit_code == 1 and len(neither.output.strip().splitlines()) == 1 and "--pipeline" in neither.output
    ghost = await cli(api, "hook", "add", "x", "-c", company, "--pipeline", "ghost")
    assert ghost.exit_code == 1 and len(ghost.output.strip().splitlines()) == 1
    assert f"company '{company}' has no pipeline 'ghost'" in ghost.output
