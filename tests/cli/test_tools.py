"""`paperclip tool list` against the real API: a table of the registry's tools, or their JSON."""

import json

import httpx

from paperclip.cli_rules import company_folder
from paperclip.settings import Settings
from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.tool_stand_ins import stand_in_tools  # noqa: F401 — the fixture
from tests.cli.test_governance import failed, ok, run


async def test_tool_list_shows_policy_risk_and_arguments(
    api: httpx.AsyncClient,  # noqa: F811
    stand_in_tools: list[str],  # noqa: F811
) -> None:
    out = ok(await run(api, "tool", "list"))
    [row] = [line for line in out.splitlines() if "stand_in_run" in line]
    for cell in ("ask", "yes", "activity", "command*, timeout_seconds", "Run a command in the task's workspace."):
        assert cell in row
    [row] = [line for line in out.splitlines() if "stand_in_read" in line]
    assert "allow" in row and "path*" in row and " no " in row
    [row] = [line for line in out.splitlines() if "│ comment " in line]
    assert "allow" in row and "workflow" in row and "body*, task" in row and " no " in row
    assert "server__tool" in out


async def test_tool_list_json_is_the_full_schema(
    api: httpx.AsyncClient,  # noqa: F811
    stand_in_tools: list[str],  # noqa: F811
) -> None:
    tools = {tool["name"]: tool for tool in json.loads(ok(await run(api, "tool", "list", "--json")))}
    assert tools["stand_in_run"]["parameters"]["properties"]["command"]["type"] == "string"
    assert tools["stand_in_read"]["policy"] == "allow"


async def test_a_company_gets_a_repository_and_an_agent_its_tools_and_hosts_from_the_cli(
    api: httpx.AsyncClient,  # noqa: F811
    settings: Settings,  # noqa: F811
) -> None:
    project = company_folder(settings.home_dir, "acme") / "app"
    project.mkdir(parents=True)
    created = await run(
        api, "company", "create", "Acme", "--id", "acme", "-g", "Ship", "--repository", str(project),
        "--push-url", str(project.parent / "origin.git"),
    )  # fmt: skip
    ok(created)
    hired = await run(
        api, "agent", "hire", "dev", "--company", "acme", "--role", "engineer",
        "--tool", "read_file", "--tool", "git", "--allow-host", "pypi.org",
    )  # fmt: skip
    ok(hired)
    company = (await api.get("/api/companies/acme")).json()
    assert company["spec"]["repository"]["source"] == str(project)
    agent = next(a["spec"] for a in company["agents"] if a["spec"]["name"] == "dev")
    assert (agent["tools"], agent["allow_hosts"]) == (["read_file", "git"], ["pypi.org"])

    unknown = failed(await run(api, "agent", "hire", "ops", "--company", "acme", "--role", "engineer", "--tool", "ssh"))
    assert "unknown tool 'ssh'" in unknown
    bad_host = failed(await run(api, "agent", "hire", "ops", "-c", "acme", "--role", "engineer", "--allow-host", "a/b"))
    assert "is not a host" in bad_host
    assert "--push-url needs --repository" in failed(await run(api, "company", "create", "B", "--push-url", "x"))
