"""MCP servers as tools (official `mcp` SDK): `McpServers` lists a company's servers' tools (the
`mcp_tools` activity, cached by config hash) and calls them (`runner_for(name)`, the runner the
`run_tool` activity uses for a `server__tool` name). A stdio server's process is started through
one seam, a `Spawner` (`activities.mcp.spawn`): plain argv with a scrubbed environment by default,
the sandbox's command line once it is given one.
"""

from activities.mcp.activity import LISTING_TTL_SECONDS, MCP_SERVER_FAILED, McpServers
from activities.mcp.client import Connection, call_tool, content_text, list_tools
from activities.mcp.spawn import Spawner, StdioSpawn, entry_argv, plain_spawn, sandboxed_spawn, scrubbed_env

__all__ = [
    "LISTING_TTL_SECONDS",
    "MCP_SERVER_FAILED",
    "Connection",
    "McpServers",
    "Spawner",
    "StdioSpawn",
    "call_tool",
    "content_text",
    "entry_argv",
    "list_tools",
    "plain_spawn",
    "sandboxed_spawn",
    "scrubbed_env",
]
