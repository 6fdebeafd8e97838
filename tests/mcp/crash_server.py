"""A stdio MCP server that dies in the middle of a call: `echo` answers, `environment` names the
variables it was started with, `read` reads a file, `crash` exits the process before answering (as a server that
segfaults or runs out of memory does)."""

import os
import sys

from mcp.server.mcpserver import MCPServer

server = MCPServer("crashy")


@server.tool()
def echo(text: str) -> str:
    """Say `text` back."""
    return text


@server.tool()
def environment() -> str:
    """The names of the variables in this process's environment."""
    return " ".join(sorted(os.environ))


@server.tool()
def read(path: str) -> str:
    """The text of the file at `path`, or why it cannot be read."""
    try:
        with open(path) as file:
            return file.read()
    except OSError as err:
        return f"unreadable: {err.strerror}"


@server.tool()
def crash() -> str:
    """Exit the process without answering."""
    print("crashing on purpose", file=sys.stderr, flush=True)
    os._exit(3)


if __name__ == "__main__":
    server.run("stdio")
