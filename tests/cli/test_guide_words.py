"""The guide's words where this product has the thing under another name, through the real API:
`workspace create|list` (a company), `export --workspace [--conversation]`, `history --session`,
and `team assign` (teams own companies here: it says what to run instead)."""

import asyncio
import json
import uuid
from pathlib import Path

import httpx
from typer.testing import CliRunner, Result

from cli import app
from paperclip.settings import get_settings
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company, wait_for_task

runner = CliRunner()


async def cli(http: httpx.AsyncClient | None, *args: str, key: str | None = None) -> Result:
    get_settings.cache_clear()
    env = {"COLUMNS": "200", "PAPERCLIP_API_KEY": key or ""}
    where = ["--api-url", str(http.base_url)] if http is not None else []
    return await asyncio.to_thread(runner.invoke, app, [*args, *where], env=env)


async def test_a_workspace_is_a_company(api: httpx.AsyncClient) -> None:  # noqa: F811
    name = f"rails-to-fastapi-{uuid.uuid4().hex[:6]}"
    made = await cli(api, "workspace", "create", name, "--template", "software-studio")
    assert made.exit_code == 0, made.output
    assert made.output.startswith(f"Created company {name} ") and "from template software-studio" in made.output
    assert (await api.get(f"/api/companies/{name}")).json()["spec"]["name"] == name
    listed = await cli(api, "workspace", "list", "--json")
    assert listed.exit_code == 0 and name in [c["id"] for c in json.loads(listed.output)["data"]]
    bare = await cli(api, "workspace", "create", f"x-{uuid.uuid4().hex[:6]}")  # no goal, no template
    assert bare.exit_code == 1 and "goal" in bare.output and len(bare.output.strip().splitlines()) == 1


async def test_export_a_workspace_or_one_conversation(api: httpx.AsyncClient, tmp_path: Path) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    task = await api.post(f"/api/companies/{company}/tasks", json={"title": "Plan the launch", "assignee": "cmo"})
    identifier = task.json()["identifier"]
    await wait_for_task(api, company, identifier)

    whole = await cli(api, "export", "--format", "json", "--workspace", company, "--output", str(tmp_path / "w.json"))
    assert whole.exit_code == 0 and whole.output.strip() == f"Exported {company} to {tmp_path / 'w.json'}"
    assert json.loads((tmp_path / "w.json").read_text())["company"]["id"] == company

    conversation = await cli(api, "export", "--format", "md", "--workspace", company, "--conversation", identifier)
    history = await cli(api, "history", identifier, "-c", company, "--format", "md")
    assert conversation.exit_code == 0 and history.exit_code == 0, conversation.output + history.output
    assert conversation.output == history.output and identifier in conversation.output

    saved = await cli(api, "export", "-w", company, "--conversation", identifier, "-o", str(tmp_path / "c.json"))
    assert (
        saved.exit_code == 0 and saved.output.strip() == f"Exported {identifier} of {company} to {tmp_path / 'c.json'}"
    )
    session = await cli(api, "history", "--session", identifier, "-c", company, "--format", "json")
    assert session.exit_code == 0, session.output
    assert json.loads(session.output) == json.loads((tmp_path / "c.json").read_text())

    missing = await cli(api, "export", "-w", company, "--conversation", "ACME-999")
    assert missing.exit_code == 1 and len(missing.output.strip().splitlines()) == 1 and "ACME-999" in missing.output


def test_history_takes_the_task_once() -> None:
    both = runner.invoke(app, ["history", "ACME-1", "--session", "ACME-2", "-c", "acme"])
    assert both.exit_code == 1
    assert both.stderr.strip() == "error: give the task once: ACME-1 as the argument or --session ACME-2, not both"
    neither = runner.invoke(app, ["history", "-c", "acme"])
    assert neither.exit_code == 1
    assert neither.stderr.strip() == "error: say which task: `paperclip history ACME-1 -c acme` (or --session ACME-1)"


async def test_team_assign_says_how_teams_work_and_its_way_works(api: httpx.AsyncClient) -> None:  # noqa: F811
    team = f"eng-{uuid.uuid4().hex[:6]}"
    assert (await cli(api, "team", "create", team)).exit_code == 0
    assert (await cli(api, "team", "member", team, "alice", "--role", "operator")).exit_code == 0
    key = (await cli(api, "token", "create", "--user", "alice")).output.strip().splitlines()[-1]
    company = (await create_company(api))["id"]

    for caller in (None, key):  # the board, and a member of the team: the same refusal, nothing changed
        # (it asks the API nothing: there is no move to authorise)
        refused = await cli(None, "team", "assign", team, "--agents", "ceo", "cto", key=caller)
        assert refused.exit_code == 1
        line = refused.stderr.strip()
        assert line.startswith("error: teams own whole companies here, not agents (ceo, cto): ")
        assert f"paperclip company create NAME --team {team}" in line and len(line.splitlines()) == 1
        assert f"paperclip company import C.json --team {team} --id NEW" in line
    named = await cli(None, "team", "assign", team, "--agents", "ceo", "--company", company)
    assert f"`paperclip company export {company} -o {company}.json`" in named.stderr
    assert f"--team {team} --id {company}-{team}`" in named.stderr
    mine = await cli(api, "company", "list", "--json", key=key)
    assert company not in [c["id"] for c in json.loads(mine.output)["data"]]

    # What it says to run instead: a company founded for the team is the team's, its agents with it.
    founded = f"eng-co-{uuid.uuid4().hex[:6]}"
    made = await cli(api, "company", "create", founded, "--team", team, "--template", "software-studio")
    assert made.exit_code == 0, made.output
    mine = await cli(api, "company", "list", "--json", key=key)
    assert [c["id"] for c in json.loads(mine.output)["data"]] == [founded]
