"""Real MCP servers for the tests: the reference servers from PyPI (`mcp-server-time`,
`mcp-server-git`, pinned in the test extra) and a crashing one over stdio, and a streamable-HTTP
server served on a free loopback port."""

import sys
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from paperclip.keys import BoundKey, normalise_url
from paperclip.models import McpServerConfig
from tests.api.conftest import serve
from tests.mcp.http_server import HttpMcpServer

HERE = Path(__file__).parent
ALLOW = {
    "time": "mcp-server-time==2026.10.19 --local-timezone UTC",
    "git": "mcp-server-git==2026.10.19",
    "crashy": f"{sys.executable} {HERE / 'crash_server.py'}",
    "missing": "/nonexistent/bin/mcp-server",
    "silent": "/bin/sleep 600",
    "old-time": "mcp-server-time==2025.1.1",
}
"""The allow-list of the tests' deployment."""
TOKEN = "mcp-secret-token-1"


def stdio(name: str, command: str | None = None, **fields: object) -> McpServerConfig:
    return McpServerConfig.model_validate({"name": name, "transport": "stdio", "command": command or name} | fields)


@pytest.fixture
async def http_server() -> AsyncIterator[tuple[HttpMcpServer, str]]:
    """The HTTP server and its MCP endpoint's URL."""
    server = HttpMcpServer(token=TOKEN)
    async with serve(server) as base_url:  # type: ignore[arg-type]
        yield server, f"{base_url}/mcp"


def bound_key(url: str, secret: str = TOKEN, name: str = "mcp-key") -> BoundKey:
    return BoundKey(name=name, secret=secret, urls=(normalise_url(url),), bucket=name)
