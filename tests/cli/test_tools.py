"""`paperclip tool list` against the real API: a table of the registry's tools, or their JSON."""

import json

import httpx

from tests.api.conftest import api, settings, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.tool_stand_ins import stand_in_tools  # noqa: F401 — the fixture
from tests.cli.test_governance import ok, run


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
