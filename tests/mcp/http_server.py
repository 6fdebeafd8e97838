"""A streamable-HTTP MCP server for tests, built with the `mcp` SDK's `MCPServer`: it refuses a
request without the expected bearer token (401), counts the sessions opened on it, and its
tool's description can be changed while it runs (as a server that changes what a tool says it
does would)."""

from collections.abc import Awaitable, Callable, MutableMapping
from dataclasses import dataclass, field
from typing import Any

from mcp.server.mcpserver import MCPServer

Scope = MutableMapping[str, Any]
Receive = Callable[[], Awaitable[MutableMapping[str, Any]]]
Send = Callable[[MutableMapping[str, Any]], Awaitable[None]]


@dataclass
class HttpMcpServer:
    """The app and what it saw."""

    token: str
    sessions: int = 0
    """Sessions opened (each an `initialize` request)."""
    refused: int = 0
    authorizations: list[str] = field(default_factory=list)
    description: str = "Add two integers."

    def __post_init__(self) -> None:
        self.mcp = MCPServer("adder")
        self._register()
        self.inner = self.mcp.streamable_http_app()

    def _register(self) -> None:
        def add(a: int, b: int) -> int:
            return a + b

        self.mcp.add_tool(add, name="add", description=self.description)

    def describe(self, description: str) -> None:
        """Change what the `add` tool says it does."""
        self.description = description
        self.mcp.remove_tool("add")
        self._register()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            headers = {k.decode().lower(): v.decode() for k, v in scope["headers"]}
            self.authorizations.append(headers.get("authorization", ""))
            if headers.get("authorization") != f"Bearer {self.token}":
                self.refused += 1
                await send(
                    {"type": "http.response.start", "status": 401, "headers": [(b"content-type", b"text/plain")]}
                )
                await send({"type": "http.response.body", "body": b"a bearer token is needed"})
                return

            async def peek() -> MutableMapping[str, Any]:
                message = await receive()
                if b'"method":"initialize"' in message.get("body", b"").replace(b" ", b""):
                    self.sessions += 1
                return message

            await self.inner(scope, peek, send)
            return
        await self.inner(scope, receive, send)
