"""MCP servers as tools, the pure parts: the deployment's allow-list of stdio commands, tool names
namespaced by server, and the hashes listings are cached and descriptions pinned by.

The allow-list (`PAPERCLIP_MCP_STDIO_ALLOW`, a JSON object) maps an entry's name to a command
line, one of:

- `<package>==<version> [args…]`: the console script of a Python distribution installed with
  the worker, at exactly that version (`"time": "mcp-server-time==2026.10.19 --local-timezone UTC"`);
  a worker with another version refuses to run it rather than run something unreviewed;
- `/absolute/path [args…]`: a program the deployment installed itself.

Nothing else: no `npx -y` or `uvx` of whatever is latest, no program looked up on `PATH`. A
company's owner attaches an entry by its name; its command and arguments are the deployment's.
"""

import fnmatch
import hashlib
import json
import re
import shlex
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from typing import Any

from paperclip.errors import InvalidInput
from paperclip.models import McpListing, McpServerConfig, McpToolSpec, ToolSpec
from paperclip.tools.known import is_mcp_name
from paperclip.tools.registry import REGISTRY, TOOL_NAME

MCP_SERVER_FAILED = "McpServerFailed"
"""The `mcp_tools` failure type: the server would not start, answer or list (not retried)."""
SEPARATOR = "__"
"""Between a server's name and its tool's in the name the model sees."""
MAX_NAME = 64
_PINNED = re.compile(r"^(?P<package>[A-Za-z0-9][A-Za-z0-9._-]*)==(?P<version>[A-Za-z0-9][A-Za-z0-9.+!_-]*)$")
_UNSAFE = re.compile(r"[^A-Za-z0-9_-]")


class AllowListError(InvalidInput):
    """An allow-list entry that is not a pinned package or an absolute path."""


@dataclass(frozen=True)
class StdioEntry:
    """One entry of the allow-list, parsed."""

    name: str
    line: str
    """The command line as the deployment wrote it (part of the config hash)."""
    args: tuple[str, ...]
    package: str | None = None
    """A Python distribution whose console script runs, at `version` exactly."""
    version: str | None = None
    path: str | None = None
    """Or an absolute path to a program."""


def parse_entry(name: str, line: str) -> StdioEntry:
    """The allow-list entry `name` = `line`.

    Raises:
        AllowListError: the line is empty, unparseable, unpinned or a bare program name.
    """
    try:
        argv = shlex.split(line)
    except ValueError as err:
        raise AllowListError(f"MCP allow-list entry {name!r}: {err}") from None
    if not argv:
        raise AllowListError(f"MCP allow-list entry {name!r} is empty")
    first, args = argv[0], tuple(argv[1:])
    if first.startswith("/"):
        return StdioEntry(name=name, line=line, args=args, path=first)
    pinned = _PINNED.fullmatch(first)
    if pinned is None:
        raise AllowListError(
            f"MCP allow-list entry {name!r}: {first!r} is neither <package>==<version> (a pinned Python"
            " distribution installed with the worker) nor an absolute path"
        )
    return StdioEntry(name=name, line=line, args=args, package=pinned["package"], version=pinned["version"])


def parse_allow_list(entries: dict[str, str]) -> dict[str, StdioEntry]:
    """Every entry of the allow-list, parsed (see `parse_entry`)."""
    return {name: parse_entry(name, line) for name, line in entries.items()}


def config_hash(config: McpServerConfig, entry: StdioEntry | None = None) -> str:
    """sha256 of what a listing of `config` depends on: the config and, for a stdio server, the
    command line its allow-list entry runs (so a new pinned version lists again)."""
    document = {"config": config.model_dump(mode="json"), "command": entry.line if entry else None}
    return _sha256(document)


def description_hash(description: str, input_schema: dict[str, Any]) -> str:
    """sha256 of a tool's description and argument schema: what an approval of the tool holds."""
    return _sha256({"description": description, "input_schema": input_schema})


def namespaced(server: str, tool: str, taken: set[str] | None = None) -> str:
    """The name the model sees for `tool` of `server`: `server__tool`, its characters those every
    provider accepts and at most 64 of them. A tool whose sanitised name is too long, or is
    already `taken` by another tool of the server, ends in 8 hex digits of its own name's hash."""
    name = f"{server}{SEPARATOR}{_UNSAFE.sub('_', tool)}"
    if len(name) <= MAX_NAME and (taken is None or name not in taken):
        return name
    suffix = "_" + hashlib.sha256(tool.encode()).hexdigest()[:8]
    return name[: MAX_NAME - len(suffix)] + suffix


def server_of(name: str) -> str | None:
    """The server a tool name the model used belongs to (`time__now` → `time`); None for a
    name that is not an MCP tool's (no `__`, or not a valid name)."""
    if not TOOL_NAME.fullmatch(name):
        return None
    server, sep, tool = name.partition(SEPARATOR)
    return server if sep and server and tool else None


def listing_digest(config_hash: str, tools: Iterable[McpToolSpec]) -> str:
    """sha256 of a listing as a task holds it: the config's hash and every tool as listed (its
    schema and annotations too), so any change of what the model would be offered shows."""
    return _sha256({"config": config_hash, "tools": [t.model_dump(mode="json") for t in tools]})


def agent_mcp_names(names: Iterable[str] | None) -> list[str]:
    """The MCP tools among an agent's `tools`: `server__tool` and `server__*`, in order."""
    return [n for n in dict.fromkeys(names or []) if n not in REGISTRY and is_mcp_name(n, wildcard=True)]


def agent_servers(names: Iterable[str] | None) -> list[str]:
    """The MCP servers an agent's `tools` name, in order, each once."""
    return list(dict.fromkeys(n.partition(SEPARATOR)[0] for n in agent_mcp_names(names)))


def offered_mcp_tools(names: Iterable[str] | None, listings: Mapping[str, McpListing]) -> list[McpToolSpec]:
    """The MCP tools an agent is offered: those of its servers' listings that its `tools` name
    (exactly, or by `server__*`), server by server in the order it names them."""
    wanted = agent_mcp_names(names)
    offered: list[McpToolSpec] = []
    for server in agent_servers(wanted):
        listing = listings.get(server)
        for tool in listing.tools if listing is not None else []:
            if TOOL_NAME.fullmatch(tool.name) and any(fnmatch.fnmatchcase(tool.name, w) for w in wanted):
                offered.append(tool)
    return offered


def mcp_tool_spec(tool: McpToolSpec) -> ToolSpec:
    """An MCP tool as the model is offered it: its name, description and input schema (an
    object schema, as every provider requires one)."""
    schema = dict(tool.input_schema) if tool.input_schema.get("type", "object") == "object" else {}
    schema.setdefault("type", "object")
    schema.setdefault("properties", {})
    return ToolSpec.model_construct(name=tool.name, description=tool.description[:4_000], parameters=schema)


def _sha256(document: Any) -> str:
    text = json.dumps(document, sort_keys=True, separators=(",", ":"), ensure_ascii=False)
    return hashlib.sha256(text.encode()).hexdigest()
