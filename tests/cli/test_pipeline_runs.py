"""`paperclip run pipeline` and `paperclip pipeline runs` against the real API (dev server,
real workers, the simulated model), the company's pipelines given as the store would."""

import asyncio

import httpx

from cli import app
from tests.api.conftest import settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.api.test_pipeline_runs import api  # noqa: F401 — the API with the test pipelines
from tests.cli.test_governance import failed, ok, run, runner


async def test_run_pipeline_follows_a_run_to_its_end_and_lists_it(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    out = ok(
        await run(api, "run", "pipeline", "code-review", "--company", company, "--input", "git_diff=+x = 1", "--follow")
    )
    assert "started run" in out and "lint_results (ACME-1): done" in out and "summary (ACME-2): done" in out
    assert "of code-review v3: done" in out
    listed = ok(await run(api, "pipeline", "runs", "code-review", "-c", company))
    assert "done" in listed and "2/2" in listed
    again = ok(await run(api, "run", "pipeline", "code-review", "-c", company, "-i", "git_diff=+y = 2", "--follow"))
    newest = again.split()[2]  # "started run <id> of code-review"
    argv = ["pipeline", "runs", "code-review", "-c", company, "--limit", "1", "--api-url", str(api.base_url)]
    listed = ok(await asyncio.to_thread(runner.invoke, app, argv, env={"COLUMNS": "80"}))
    assert newest in listed and "the newest 1 of 2 runs" in listed  # the id whole on a narrow terminal


async def test_run_pipeline_refuses_bad_inputs_in_one_line(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    line = failed(await run(api, "run", "pipeline", "code-review", "-c", company, "--input", "nonsense"))
    assert line == "error: --input takes NAME=VALUE, not 'nonsense'"
    line = failed(await run(api, "run", "pipeline", "code-review", "-c", company))
    assert line == "error: input 'git_diff' is required by pipeline code-review (400 invalid_input)"
    line = failed(await run(api, "run", "pipeline", "ghost", "-c", company, "-i", "a=b"))
    assert "pipeline 'ghost' not found" in line
