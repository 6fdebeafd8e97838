"""One connection to an MCP server (official `mcp` SDK): open it, list its tools, call one.

Every way a server can fail — it will not start, it does not answer within the config's timeout,
it dies mid-call, it answers an error — ends as a `ToolFailed` whose message the model (or the
person testing the server) can read; the server's process is stopped on the way out, whatever
happened.
"""

import asyncio
import json
import tempfile
from collections.abc import AsyncIterator, Callable
from contextlib import AsyncExitStack, asynccontextmanager
from pathlib import Path
from typing import IO, Any

import httpx2
from mcp import ClientSession, StdioServerParameters
from mcp.client.stdio import stdio_client
from mcp.client.streamable_http import streamable_http_client
from mcp.shared._httpx_utils import create_mcp_http_client

from activities.mcp.spawn import Spawner
from activities.tools import ToolFailed
from paperclip.keys import BoundKey
from paperclip.mcp import StdioEntry, description_hash, namespaced
from paperclip.models import McpServerConfig, McpToolSpec, McpTransport

STDERR_TAIL = 1_000
"""Characters of a failed server's stderr quoted in the error."""
HEARTBEAT_SECONDS = 5.0


class Connection:
    """How to reach one server: its config and, for stdio, its allow-list entry and spawner; for
    HTTP, the resolved key (already checked to be bound to the URL)."""

    def __init__(
        self,
        config: McpServerConfig,
        *,
        entry: StdioEntry | None = None,
        spawn: Spawner | None = None,
        key: BoundKey | None = None,
    ) -> None:
        self.config = config
        self.entry = entry
        self.spawn = spawn
        self.key = key

    @asynccontextmanager
    async def session(self, workdir: Path) -> AsyncIterator[ClientSession]:
        """An initialised session; the server's process (or HTTP session) ends with the block."""
        async with AsyncExitStack() as stack:
            if self.config.transport is McpTransport.STDIO:
                assert self.entry is not None and self.spawn is not None
                spawn = self.spawn(self.entry, workdir)
                params = StdioServerParameters(
                    command=spawn.argv[0], args=spawn.argv[1:], env=spawn.env, cwd=spawn.cwd or workdir
                )
                errlog = stack.enter_context(tempfile.TemporaryFile("w+", encoding="utf-8", errors="replace"))
                self._errlog: IO[str] | None = errlog
                read, write = await stack.enter_async_context(stdio_client(params, errlog=errlog))
            else:
                assert self.config.url is not None
                self._errlog = None
                headers = {"authorization": f"Bearer {self.key.secret}"} if self.key is not None else {}
                timeout = httpx2.Timeout(self.config.timeout_seconds)
                http = await stack.enter_async_context(create_mcp_http_client(headers=headers, timeout=timeout))
                read, write = await stack.enter_async_context(streamable_http_client(self.config.url, http_client=http))
            session = await stack.enter_async_context(ClientSession(read, write))
            await session.initialize()
            yield session

    def stderr_tail(self) -> str:
        """The last of what a stdio server wrote to stderr ('' for none, or for HTTP)."""
        errlog = getattr(self, "_errlog", None)
        if errlog is None or errlog.closed:
            return ""
        errlog.seek(0)
        return " ".join(errlog.read()[-STDERR_TAIL:].split())


async def run_bounded(
    connection: Connection,
    what: str,
    work: Callable[[ClientSession], Any],
    *,
    workdir: Path,
    heartbeat: Callable[..., None],
) -> Any:
    """Open a session, run `work` in it, and close it, all within the config's timeout, beating
    `heartbeat` while waiting.

    Raises:
        ToolFailed: the server would not start, did not answer in time, or failed mid-way.
    """
    config = connection.config
    stderr = ""

    async def attempt() -> Any:
        nonlocal stderr
        async with connection.session(workdir) as session:
            try:
                return await work(session)
            finally:
                stderr = connection.stderr_tail()

    beats = asyncio.ensure_future(_beat(heartbeat, what))
    try:
        return await asyncio.wait_for(attempt(), config.timeout_seconds)
    except ToolFailed:
        raise
    except TimeoutError:
        raise ToolFailed(_failure(config, f"no answer to {what} within {config.timeout_seconds:g} s", stderr)) from None
    except OSError as err:
        raise ToolFailed(_failure(config, f"could not start: {err.strerror or err}", stderr)) from None
    except Exception as err:  # the SDK's errors (and groups of them) for a server gone mid-way
        raise ToolFailed(
            _failure(config, f"{what} failed: {_reason(err)}", stderr or connection.stderr_tail())
        ) from None
    finally:
        beats.cancel()


async def list_tools(connection: Connection, *, workdir: Path, heartbeat: Callable[..., None]) -> list[McpToolSpec]:
    """The tools the server lists that the config enables, namespaced and hashed."""
    config = connection.config

    async def work(session: ClientSession) -> list[Any]:
        tools: list[Any] = []
        cursor: str | None = None
        while True:  # a server may page its listing
            page = await session.list_tools(params={"cursor": cursor} if cursor else None)  # type: ignore[arg-type]
            tools += page.tools
            cursor = page.next_cursor
            if not cursor or len(tools) > 1_000:
                return tools

    listed = await run_bounded(connection, "listing tools", work, workdir=workdir, heartbeat=heartbeat)
    enabled = None if config.tools is None else set(config.tools)
    specs: list[McpToolSpec] = []
    taken: set[str] = set()
    for tool in listed:
        if enabled is not None and tool.name not in enabled:
            continue
        schema = dict(tool.input_schema or {})
        description = tool.description or ""
        name = namespaced(config.name, tool.name, taken)
        taken.add(name)
        specs.append(
            McpToolSpec(
                name=name,
                server=config.name,
                tool=tool.name,
                description=description,
                input_schema=schema,
                description_hash=description_hash(description, schema),
                read_only=bool(getattr(tool.annotations, "read_only_hint", None)),
            )
        )
    return specs


async def call_tool(
    connection: Connection,
    tool: str,
    arguments: dict[str, Any],
    *,
    workdir: Path,
    heartbeat: Callable[..., None],
) -> str:
    """Call `tool` (its name on the server) and answer its content as text.

    Raises:
        ToolFailed: the server failed (see `run_bounded`) or answered that the call failed.
    """

    async def work(session: ClientSession) -> Any:
        return await session.call_tool(tool, arguments)

    result = await run_bounded(connection, f"calling {tool}", work, workdir=workdir, heartbeat=heartbeat)
    text = content_text(result)
    if getattr(result, "is_error", False):
        raise ToolFailed(f"{connection.config.name}__{tool}: {text or 'the server says the call failed'}")
    return text


def content_text(result: Any) -> str:
    """A call's result as the model reads it: its text parts, what its other parts are, and its
    structured content when it has no text."""
    parts: list[str] = []
    for block in getattr(result, "content", None) or []:
        kind = getattr(block, "type", "")
        if kind == "text":
            parts.append(block.text)
        elif kind in ("image", "audio"):
            parts.append(
                f"[{kind} {getattr(block, 'mime_type', '')}, {len(getattr(block, 'data', '') or '')} base64 chars]"
            )
        elif kind == "resource":
            resource = block.resource
            parts.append(getattr(resource, "text", None) or f"[resource {getattr(resource, 'uri', '')}]")
        elif kind == "resource_link":
            parts.append(f"[resource link {getattr(block, 'uri', '')}]")
        else:
            parts.append(f"[{kind or 'unknown'} content]")
    structured = getattr(result, "structured_content", None)
    if not parts and structured is not None:
        parts.append(json.dumps(structured, ensure_ascii=False))
    return "\n".join(parts)


async def _beat(heartbeat: Callable[..., None], what: str) -> None:
    while True:
        heartbeat(what)
        await asyncio.sleep(HEARTBEAT_SECONDS)


def _failure(config: McpServerConfig, reason: str, stderr: str) -> str:
    where = f"MCP server {config.name!r}"
    return f"{where}: {reason}" + (f" (its stderr: {stderr})" if stderr else "")


def _reason(err: BaseException) -> str:
    """The innermost readable message of an error or an exception group."""
    while isinstance(err, BaseExceptionGroup) and err.exceptions:
        err = err.exceptions[0]
    message = str(err).strip()
    return f"{type(err).__name__}: {message}" if message else type(err).__name__
