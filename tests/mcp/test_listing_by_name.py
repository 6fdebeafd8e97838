"""The `mcp_tools` activity as a task asks it: by the server's name (its config read from the
company's servers by the worker, never carried by the workflow), saying which listing it holds
(an identical listing comes back `unchanged`, without its tools), and with each tool's read-only
mark from the server's annotations."""

import pytest
from temporalio.exceptions import ApplicationError
from temporalio.testing import ActivityEnvironment

from activities.mcp import MCP_SERVER_FAILED
from paperclip.models import McpToolsInput
from tests.mcp.conftest import stdio
from tests.mcp.test_servers import COMPANY, servers


async def test_a_task_lists_a_server_by_name_and_an_identical_listing_comes_back_without_its_tools() -> None:
    mcp = servers(stdio("time"), stdio("crashy"))
    env = ActivityEnvironment()
    first = await env.run(mcp.mcp_tools, McpToolsInput(company_id=COMPANY, server_name="time"))
    assert [t.name for t in first.tools] == ["time__get_current_time", "time__convert_time"]
    assert all(t.read_only for t in first.tools)  # the server marks both readOnlyHint
    assert len(first.digest) == 64 and not first.unchanged and first.timeout_seconds == 60
    again = await env.run(mcp.mcp_tools, McpToolsInput(company_id=COMPANY, server_name="time", known=first.digest))
    assert again.unchanged and again.tools == [] and again.digest == first.digest
    stale = await env.run(mcp.mcp_tools, McpToolsInput(company_id=COMPANY, server_name="time", known="0" * 64))
    assert not stale.unchanged and stale.tools == first.tools
    crashy = await env.run(mcp.mcp_tools, McpToolsInput(company_id=COMPANY, server_name="crashy"))
    assert {t.name: t.read_only for t in crashy.tools}["crashy__echo"] is False  # unmarked: it may write


async def test_a_server_the_company_does_not_have_is_a_failure_the_task_tells_its_model() -> None:
    env = ActivityEnvironment()
    with pytest.raises(ApplicationError, match="this company has no MCP server 'ghost'") as caught:
        await env.run(servers(stdio("time")).mcp_tools, McpToolsInput(company_id=COMPANY, server_name="ghost"))
    assert caught.value.type == MCP_SERVER_FAILED and caught.value.non_retryable


def test_a_listing_is_asked_by_config_or_by_name_not_both_nor_neither() -> None:
    with pytest.raises(ValueError, match="name the server to list"):
        McpToolsInput(company_id=COMPANY)
    with pytest.raises(ValueError, match="name the server to list"):
        McpToolsInput(company_id=COMPANY, server=stdio("time"), server_name="time")
    with pytest.raises(ValueError):
        McpToolsInput(company_id=COMPANY, server_name="Not A Name")
