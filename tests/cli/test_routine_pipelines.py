"""`paperclip routine add --pipeline` against the real API (dev server): a routine that starts a
pipeline run with its inputs on a schedule, listed as such; a routine of both forms, inputs
without a pipeline, or a pipeline the company does not have are one line and exit 1."""

import httpx

from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.api.test_routine_pipelines import NIGHTLY, YAML
from tests.cli.test_routines_activity_org import cli, eventually, ok


async def test_a_pipeline_routine_is_added_and_listed(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    assert (await api.post(f"/api/companies/{company}/pipelines", content=NIGHTLY, headers=YAML)).status_code == 201
    out = ok(
        await cli(api, company, "routine", "add", "--pipeline", "nightly", "--input", "scope=billing", "--every", "1h")
    )
    assert "Added routine nightly: every 1h → pipeline nightly (scope=billing); next run 20" in out
    routine = (await api.get(f"/api/companies/{company}/routines/nightly")).json()
    assert (routine["pipeline"], routine["inputs"], routine["agent"]) == ("nightly", {"scope": "billing"}, None)
    listed = await eventually(
        lambda: cli(api, company, "routine", "list"), lambda r: "pipeline nightly (scope=billing)" in r.output
    )
    assert listed.exit_code == 0


async def test_pipeline_routine_errors_are_one_line(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    both = await cli(api, company, "routine", "add", "--pipeline", "p", "--agent", "cto", "--every", "1h")
    assert both.exit_code == 1
    assert both.output.strip() == "error: give --pipeline (a run), or --agent and --title (a task), not both"
    stray = await cli(api, company, "routine", "add", "--agent", "cto", "--title", "t", "-i", "a=b", "--every", "1h")
    assert stray.exit_code == 1 and stray.output.strip() == "error: --input is a pipeline's: give --pipeline too"
    ghost = await cli(api, company, "routine", "add", "--pipeline", "ghost", "--every", "1h")
    assert ghost.exit_code == 1
    assert ghost.output.strip() == f"error: company '{company}' has no pipeline 'ghost' (400 invalid_input)"
