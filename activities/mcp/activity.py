"""The MCP activities: `mcp_tools` (a server's tools, cached by config hash) and the runner the
`run_tool` activity calls for an MCP tool (`server__tool`).

A listing is kept in the worker, keyed by the company and the config's hash (`paperclip.mcp.
config_hash`), for `LISTING_TTL_SECONDS`: a task's turns ask for it again without reconnecting,
and a changed config (or a new pinned version in the allow-list) lists afresh. When a listing is
made again for the same config, the tools whose description hash changed are named in
`changed`, so the workflow can ask a person before one of them is called. A task names the server
(`server_name`: its config is read from the store here, so none travels in a workflow's input)
and the listing it holds (`known`): an identical one is answered `unchanged`, without its tools.
"""

import asyncio
import tempfile
import time
from collections.abc import Callable, Mapping
from pathlib import Path
from typing import Any

from pydantic import BaseModel
from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.mcp.client import Connection, call_tool, list_tools
from activities.mcp.spawn import Spawner, plain_spawn
from activities.tools import Runner, ToolContext, ToolFailed, ToolOutput
from paperclip.constants import Activity
from paperclip.keys import KeyResolver, not_bound_message
from paperclip.mcp import MCP_SERVER_FAILED, StdioEntry, config_hash, listing_digest, parse_allow_list, server_of
from paperclip.models import McpServerConfig, McpToolsInput, McpToolSpec, McpToolsResult, McpTransport

LISTING_TTL_SECONDS = 600.0
"""How long a listing is answered from the cache before the server is asked again."""


class McpServers:
    """Reaches a company's MCP servers: lists their tools and calls them.

    Args:
        servers: (company id, server name) → its config, None when the company has no such
            server (the store's `get_mcp_server`).
        keys: a company's credential name → its key and where it may go; an HTTP server's key is
            sent only if it is bound to the server's URL.
        allow: the deployment's stdio allow-list (`Settings.mcp_stdio_allow`).
        spawn: how a stdio server's process is started (the sandbox's seam, `activities.mcp.spawn`).
        ttl_seconds: how long a listing is answered from the cache.
    """

    def __init__(
        self,
        servers: Callable[[str, str], McpServerConfig | None],
        *,
        keys: KeyResolver,
        allow: Mapping[str, str],
        spawn: Spawner = plain_spawn,
        ttl_seconds: float = LISTING_TTL_SECONDS,
    ) -> None:
        self.servers = servers
        self.keys = keys
        self.allow = parse_allow_list(dict(allow))
        self.spawn = spawn
        self.ttl_seconds = ttl_seconds
        self._listings: dict[tuple[str, str], tuple[float, list[McpToolSpec]]] = {}
        self.connections = 0
        """Sessions opened so far (a cached listing opens none)."""

    # ------------------------------------------------------------------ listing

    @activity.defn(name=Activity.MCP_TOOLS)
    async def mcp_tools(self, input: McpToolsInput) -> McpToolsResult:
        """The server's tools, from the cache when a listing of this config is fresh.

        Raises:
            ApplicationError: `McpServerFailed` (not retried), saying why the server could not list.
        """
        try:
            config = input.server
            if config is None:  # a task names the server: its config is the company's now
                assert input.server_name is not None
                config = await asyncio.to_thread(self.servers, input.company_id, input.server_name)
                if config is None:
                    attach = "an owner attaches one with paperclip mcp add"
                    raise ToolFailed(f"this company has no MCP server {input.server_name!r} ({attach})")
            listed = await self.listing(input.company_id, config, refresh=input.refresh, heartbeat=_heartbeat)
        except ToolFailed as err:
            raise ApplicationError(str(err), type=MCP_SERVER_FAILED, non_retryable=True) from None
        if input.known is not None and listed.digest == input.known:
            return listed.model_copy(update={"tools": [], "unchanged": True})
        return listed

    async def listing(
        self,
        company_id: str,
        config: McpServerConfig,
        *,
        refresh: bool = False,
        heartbeat: Callable[..., None] = lambda *details: None,
    ) -> McpToolsResult:
        """`mcp_tools`'s answer (see the module)."""
        connection = await self._connection(company_id, config)
        digest = config_hash(config, connection.entry)
        key = (company_id, digest)
        cached = self._listings.get(key)
        if cached is not None and not refresh and time.monotonic() - cached[0] < self.ttl_seconds:
            return self._result(config, digest, cached[1], cached=True)
        with tempfile.TemporaryDirectory(prefix="paperclip-mcp-") as workdir:
            self.connections += 1
            tools = await list_tools(connection, workdir=Path(workdir), heartbeat=heartbeat)
        before = {t.name: t.description_hash for t in cached[1]} if cached is not None else {}
        changed = [t.name for t in tools if t.name in before and before[t.name] != t.description_hash]
        self._listings[key] = (time.monotonic(), tools)
        return self._result(config, digest, tools, changed=changed)

    @staticmethod
    def _result(config: McpServerConfig, digest: str, tools: list[McpToolSpec], **fields: Any) -> McpToolsResult:
        return McpToolsResult(
            server=config.name,
            config_hash=digest,
            tools=tools,
            digest=listing_digest(digest, tools),
            timeout_seconds=config.timeout_seconds,
            **fields,
        )

    # ------------------------------------------------------------------ calling

    async def run(self, ctx: ToolContext, name: str, arguments: Any) -> ToolOutput:
        """Call the MCP tool `name` (`server__tool`) of the context's company in its workspace.

        Raises:
            ToolFailed: no such server or tool, or the server failed (see `activities.mcp.client`).
        """
        server = server_of(name)
        company_id = ctx.session.company_id
        config = await asyncio.to_thread(self.servers, company_id, server) if server else None
        if config is None:
            raise ToolFailed(f"{name}: this company has no MCP server {server!r}")
        listed = await self.listing(company_id, config, heartbeat=ctx.heartbeat)
        spec = next((t for t in listed.tools if t.name == name), None)
        if spec is None:
            raise ToolFailed(f"{name}: MCP server {server!r} has no such tool enabled")
        if isinstance(arguments, BaseModel):
            arguments = arguments.model_dump(mode="json", exclude_none=True)
        if not isinstance(arguments, dict):
            raise ToolFailed(f"{name}: the arguments are a JSON object")
        connection = await self._connection(company_id, config)
        self.connections += 1
        text = await call_tool(connection, spec.tool, arguments, workdir=ctx.workspace, heartbeat=ctx.heartbeat)
        return ToolOutput(content=text, untrusted=True)

    def runner_for(self, name: str) -> Runner | None:
        """The runner of the MCP tool `name` for `run_tool` (None: not an MCP tool's name)."""
        if server_of(name) is None:
            return None

        async def run_mcp_tool(ctx: ToolContext, arguments: Any) -> ToolOutput:
            return await self.run(ctx, name, arguments)

        return run_mcp_tool

    # ------------------------------------------------------------------ reaching a server

    async def _connection(self, company_id: str, config: McpServerConfig) -> Connection:
        if config.transport is McpTransport.STDIO:
            entry = self._entry(config)
            return Connection(config, entry=entry, spawn=self.spawn)
        if not config.credential:
            return Connection(config)
        assert config.url is not None
        key = await asyncio.to_thread(self.keys, company_id, config.credential)
        if key is None:
            raise ToolFailed(f"MCP server {config.name!r}: there is no credential {config.credential!r} here")
        if not key.allows(config.url):
            refused = not_bound_message(config.credential, key.urls, config.url, "the server")
            raise ToolFailed(f"MCP server {config.name!r}: {refused}")
        return Connection(config, key=key)

    def _entry(self, config: McpServerConfig) -> StdioEntry:
        entry = self.allow.get(config.command or "")
        if entry is None:
            raise ToolFailed(
                f"MCP server {config.name!r}: {config.command!r} is not in this worker's allow-list"
                " (PAPERCLIP_MCP_STDIO_ALLOW)"
            )
        return entry


def _heartbeat(*details: Any) -> None:
    activity.heartbeat(*details)


__all__ = ["LISTING_TTL_SECONDS", "MCP_SERVER_FAILED", "McpServers"]
