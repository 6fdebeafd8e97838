"""Pipelines with `template` steps over real HTTP and the real workers: an unknown template is a
422 at its line when added; a stored pipeline hiring from a custom template runs, its temporary
agent shown retired afterwards; a pipeline whose template is gone no longer starts (409)."""

import asyncio
from pathlib import Path

import httpx
import pytest

from tests.api.conftest import assert_error
from tests.api.helpers import create_company
from tests.api.test_pipeline_runs import wait_run

SCRIBE = (
    "kind: agent\nname: scribe\ndescription: Takes notes.\nrole: general\ntitle: Scribe\n"
    "capabilities: Minutes.\nsystem_prompt: Take minutes, then complete_task.\nreports_to: ceo\n"
)
MINUTES = """\
name: minutes
steps:
  - id: notes
    template: scribe
    task: Take the minutes of the meeting.
"""


@pytest.fixture(autouse=True)
def no_provider_keys(monkeypatch: pytest.MonkeyPatch) -> None:
    """The API and workers (in this process) see no provider key: hired agents run simulated."""
    for name in ("OPENAI_API_KEY", "ANTHROPIC_API_KEY", "PAPERCLIP_TEMPLATES"):
        monkeypatch.delenv(name, raising=False)


async def test_adding_a_pipeline_with_an_unknown_template_is_a_422_at_its_line(api: httpx.AsyncClient) -> None:
    company = (await create_company(api))["id"]
    response = await api.post(f"/api/companies/{company}/pipelines", json={"yaml": MINUTES})
    error = assert_error(response, 422, "invalid_input")
    [problem] = error["details"]
    assert (problem["line"], problem["field"]) == (4, "steps[0].template")
    assert problem["message"].startswith("unknown agent template 'scribe' (known: ceo,")


async def test_a_stored_pipeline_hires_from_a_custom_template_and_retires_the_agent(
    api: httpx.AsyncClient, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    (tmp_path / "scribe.yaml").write_text(SCRIBE)
    monkeypatch.setenv("PAPERCLIP_TEMPLATES", str(tmp_path))
    company = (await create_company(api))["id"]
    added = await api.post(f"/api/companies/{company}/pipelines", json={"yaml": MINUTES})
    assert added.status_code == 201, added.text
    started = await api.post(f"/api/companies/{company}/pipelines/minutes/runs", json={})
    assert started.status_code == 201, started.text
    run = await wait_run(api, company, started.json()["run_id"], "done")
    [notes] = run["steps"]
    name = notes["agent"]
    assert name == f"notes-{run['run_id'][:8]}" and notes["status"] == "done"
    task = (await api.get(f"/api/companies/{company}/tasks/{notes['task']}")).json()
    assert task["assignee"] == name and task["status"] == "done"
    for _ in range(100):  # the company retires it as the run ends
        agent = (await api.get(f"/api/companies/{company}/agents/{name}")).json()
        if agent["status"] == "terminated":
            break
        await asyncio.sleep(0.1)
    assert agent["status"] == "terminated"
    assert agent["spec"]["template"] == "scribe" and agent["spec"]["reports_to"] == "ceo"
    # Once the template is gone, the stored pipeline no longer starts, and says why.
    monkeypatch.delenv("PAPERCLIP_TEMPLATES")
    again = await api.post(f"/api/companies/{company}/pipelines/minutes/runs", json={})
    error = assert_error(again, 409, "conflict")
    assert error["message"].startswith(
        "pipeline 'minutes' no longer validates: invalid pipeline (1 problem): line 4, column 15:"
        " steps[0].template: unknown agent template 'scribe'"
    )
    assert [p["field"] for p in error["details"]] == ["steps[0].template"]
