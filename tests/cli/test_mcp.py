"""`paperclip mcp add|list|test|remove` against the real API and a worker of the tools queue,
with the reference time server from PyPI; a refused request is one line and exit 1."""

import asyncio
from pathlib import Path

import httpx
import pytest
from temporalio.testing import WorkflowEnvironment
from typer.testing import CliRunner, Result

from cli import app
from paperclip.settings import Settings
from tests.api.conftest import api, store, task_queue, workers  # noqa: F401 — the real-API fixtures
from tests.api.helpers import create_company
from tests.mcp.conftest import ALLOW

runner = CliRunner()


@pytest.fixture
def settings(tmp_path: Path, dev_env: WorkflowEnvironment) -> Settings:
    return Settings(
        home=tmp_path, temporal_address=dev_env.client.service_client.config.target_host, mcp_stdio_allow=ALLOW
    )


async def cli(http: httpx.AsyncClient, *args: str) -> Result:
    argv = [*args, "--api-url", str(http.base_url)]
    return await asyncio.to_thread(runner.invoke, app, argv, env={"COLUMNS": "200"})


async def test_add_list_test_and_remove_a_server(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    added = await cli(api, "mcp", "add", "time", "-c", company, "--command", "time", "--timeout", "30")
    assert added.exit_code == 0, added.output
    assert added.output.strip() == f"attached time (allow-list entry time) to {company}"
    listed = await cli(api, "mcp", "list", "-c", company)
    assert listed.exit_code == 0 and "allow-list entry time" in listed.output and "30s" in listed.output
    tested = await cli(api, "mcp", "test", "time", "-c", company)
    assert tested.exit_code == 0, tested.output
    assert "OK: 2 tools" in tested.output and "time__get_current_time" in tested.output
    removed = await cli(api, "mcp", "remove", "time", "-c", company)
    assert removed.exit_code == 0 and (await cli(api, "mcp", "list", "-c", company)).output.strip() == "No MCP servers."


async def test_refusals_are_one_line_and_exit_1(api: httpx.AsyncClient) -> None:  # noqa: F811
    company = (await create_company(api))["id"]
    unknown = await cli(api, "mcp", "add", "x", "-c", company, "--command", "npx-latest")
    assert unknown.exit_code == 1 and "not in the deployment's MCP allow-list" in unknown.output
    assert len(unknown.output.strip().splitlines()) == 1
    both = await cli(api, "mcp", "add", "x", "-c", company, "--command", "time", "--url", "https://h/mcp")
    assert both.exit_code == 1 and "not both" in both.output
    await cli(api, "mcp", "add", "broken", "-c", company, "--command", "missing", "--timeout", "10")
    failed = await cli(api, "mcp", "test", "broken", "-c", company)
    assert failed.exit_code == 1 and "could not start" in failed.output
