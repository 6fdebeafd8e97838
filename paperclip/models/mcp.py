"""MCP servers a company attaches as tools: a server's config, the tools it answers, and the
`mcp_tools` activity's input and result.

A server's name is the namespace of its tools: the model sees `time__get_current_time` for the
tool `get_current_time` of the server `time`, and a policy rule `time__*` covers all of them.
"""

import re
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any

from pydantic import BaseModel, Field, model_validator

from paperclip.models.names import Checked

MCP_SERVER_NAME = re.compile(r"^[a-z0-9][a-z0-9-]{0,29}$")
"""A server's name: short (its tools' names are `server__tool`, at most 64 characters) and
without `_`, so the first `__` of a tool's name always ends the server's."""


def check_server_name(value: str) -> str:
    """`value` if it may name an MCP server, else ValueError saying what a name is."""
    if not MCP_SERVER_NAME.fullmatch(value):
        raise ValueError(
            "an MCP server name must be 1-30 lowercase letters, digits or '-', starting with a letter or digit"
        )
    return value


McpServerName = Annotated[str, Checked(MCP_SERVER_NAME, check_server_name)]


class McpTransport(StrEnum):
    STDIO = "stdio"
    """A command of the deployment's allow-list (`PAPERCLIP_MCP_STDIO_ALLOW`), run in the sandbox."""
    HTTP = "http"
    """A streamable-HTTP server at a URL."""


class McpServerConfig(BaseModel):
    """One MCP server of a company. No secret is ever in it: an HTTP server's key is a credential
    named here and added to each request by the worker, only if it is bound to the URL."""

    name: McpServerName
    transport: McpTransport
    command: str | None = Field(default=None, max_length=63)
    """stdio: the name of an entry of the deployment's allow-list (its command and pinned version
    come from there, never from the company)."""
    url: str | None = Field(default=None, max_length=2_000)
    """http: the server's streamable-HTTP endpoint (`https://host/mcp`)."""
    credential: str | None = Field(default=None, max_length=200)
    """http: a credential bound to the URL, sent as `Authorization: Bearer <key>`."""
    tools: list[Annotated[str, Field(min_length=1, max_length=200)]] | None = Field(default=None, max_length=128)
    """The server's tools the company enables (their MCP names); None: all it lists."""
    timeout_seconds: float = Field(default=60.0, gt=0, le=3_600)
    """A call's limit (the server's start included)."""

    @model_validator(mode="after")
    def _transport_fields(self) -> "McpServerConfig":
        if self.transport is McpTransport.STDIO:
            if not self.command:
                raise ValueError("a stdio server names an entry of the deployment's allow-list ('command')")
            if self.url is not None or self.credential is not None:
                raise ValueError("a stdio server has no 'url' or 'credential'")
        else:
            if not self.url:
                raise ValueError("an http server has a 'url'")
            if self.command is not None:
                raise ValueError("an http server has no 'command'")
        return self


class McpToolSpec(BaseModel):
    """A tool an MCP server lists, as the model is given it."""

    name: str
    """`server__tool`, sanitised to what providers accept (`paperclip.mcp.namespaced`)."""
    server: str
    tool: str
    """The tool's own name on the server (what a call sends)."""
    description: str = ""
    input_schema: dict[str, Any] = Field(default_factory=dict)
    description_hash: str
    """sha256 of the description and the input schema: a call approved for one hash is not
    approved for a tool that has since changed what it says it does."""
    read_only: bool = False
    """The server marks it read-only (its `readOnlyHint` annotation): not risky, so not escalated
    to `ask` once the task has read untrusted content. Unmarked tools count as writing."""


class McpToolsInput(BaseModel):
    """List a server's tools (`mcp_tools`). Answered from the worker's cache when a listing of
    the same config (`config_hash`) for the company is fresh, so no turn reconnects."""

    company_id: str
    server: McpServerConfig | None = None
    """The config to list (`paperclip mcp test`); None: the company's server `server_name`, read
    from the store by the worker (a task names its servers, never carries their configs)."""
    server_name: McpServerName | None = None
    refresh: bool = False
    """List again even when a cached listing is fresh."""
    known: str | None = None
    """The `digest` of the listing the caller holds: an identical listing is answered `unchanged`,
    without its tools (a task's refresh puts nothing new in its history)."""

    @model_validator(mode="after")
    def _one_server(self) -> "McpToolsInput":
        if (self.server is None) == (self.server_name is None):
            raise ValueError("name the server to list: its config ('server') or its name ('server_name')")
        return self


class McpToolsResult(BaseModel):
    server: str
    config_hash: str
    """sha256 of the config and the command it runs: what the listing is cached by."""
    tools: list[McpToolSpec] = Field(default_factory=list)
    cached: bool = False
    """Answered from the cache, without connecting."""
    changed: list[str] = Field(default_factory=list)
    """Tools (namespaced) whose description hash differs from the previous listing of this
    config: a call of one needs approving again."""
    digest: str = ""
    """sha256 of the config hash and the tools as listed (`paperclip.mcp.listing_digest`)."""
    unchanged: bool = False
    """The listing's digest is the caller's `known` one: `tools` is left empty."""
    timeout_seconds: float = 60.0
    """The config's limit of one call (the server's start included)."""


class McpListing(BaseModel):
    """What a task carries of one of its agent's MCP servers: the tools last listed, by digest,
    so a turn offers them without listing again (`workflows.task_mcp`)."""

    server: str
    listed_at: datetime
    """When the task last asked (listed, or found the listing unchanged, or failed)."""
    config_hash: str = ""
    digest: str = ""
    tools: list[McpToolSpec] = Field(default_factory=list)
    timeout_seconds: float = 60.0
    error: str = ""
    """Why the server could not be listed (none of its tools are offered meanwhile)."""
    pinned: dict[str, str] = Field(default_factory=dict)
    """Tool → the description hash the task first saw (or a person since approved a call under):
    a tool whose description changed since is asked about before it runs."""
