"""A company's MCP servers (`paperclip mcp add|list|remove|test`): their tools become the company's
agents' tools, named `server__tool`.

- a stdio server runs a command of the deployment's allow-list (`PAPERCLIP_MCP_STDIO_ALLOW`),
  named by its entry: an unknown entry is 422, and only the board or an owner of the company's
  team attaches one (403 otherwise), since it runs a program on the workers;
- an HTTP server is a streamable-HTTP URL (not link-local nor a metadata service), with an
  optional credential that must be bound to that URL (422 otherwise); the key is added by the
  worker to each request and never enters the config;
- a name is unique in the company (409).

`test` asks a worker to connect and list the server's tools (the `mcp_tools` activity on the
tools queue, with no cache), and answers them or why not.
"""

import asyncio
import uuid
from datetime import timedelta

from fastapi import APIRouter, Response
from pydantic import BaseModel
from temporalio.client import ActivityFailureError
from temporalio.common import RetryPolicy
from temporalio.exceptions import ApplicationError, TimeoutType
from temporalio.exceptions import TimeoutError as ActivityTimeout

from api.agent_checks import may_grant_powers
from api.auth import CallerDep
from api.deps import ClientDep, ContextDep, SettingsDep, StoreDep
from api.errors import ApiError
from api.owned import company_owner
from paperclip.constants import Activity, tools_queue
from paperclip.endpoints import EndpointRefused, check_url
from paperclip.keyring import Keyring
from paperclip.keys import display_url, url_allowed
from paperclip.models import McpServerConfig, McpToolsInput, McpToolSpec, McpToolsResult, McpTransport

router = APIRouter(prefix="/companies/{company}/mcp-servers", tags=["mcp"])

WORKER_WAIT_SECONDS = 10.0
"""How long a test waits for a worker of the tools queue to take it before answering 503."""
_NO_RETRY = RetryPolicy(maximum_attempts=1)
"""A test answers what one attempt found."""


class McpServerList(BaseModel):
    data: list[McpServerConfig]
    count: int


class McpTestAnswer(BaseModel):
    ok: bool
    tools: list[McpToolSpec]
    reason: str | None = None
    """Why the server could not be listed (`ok` false)."""
    config_hash: str | None = None


async def _check(
    config: McpServerConfig, *, team: str | None, caller: CallerDep, settings: SettingsDep, store: StoreDep
) -> None:
    if config.transport is McpTransport.STDIO:
        if not may_grant_powers(caller, team):
            raise ApiError(
                403,
                "forbidden",
                f"a stdio MCP server runs a program on the workers: only the board or an owner of the company's team"
                f" attaches one ({caller.actor} is not)",
            )
        if config.command not in settings.mcp_stdio_allow:
            allowed = ", ".join(sorted(settings.mcp_stdio_allow)) or "none"
            raise ApiError(
                422,
                "unknown_command",
                f"{config.command!r} is not in the deployment's MCP allow-list (PAPERCLIP_MCP_STDIO_ALLOW): {allowed}",
                {"allowed": sorted(settings.mcp_stdio_allow)},
            )
        return
    assert config.url is not None
    try:
        check_url(config.url)
    except EndpointRefused as err:
        raise ApiError(422, "invalid_url", f"MCP server {config.name}: {err}") from None
    if config.credential:
        urls = await asyncio.to_thread(Keyring(store, settings).bound_urls, team, config.credential)
        if urls is None:
            raise ApiError(422, "unknown_credential", f"there is no credential '{config.credential}' for this company")
        if not url_allowed(config.url, urls):
            bound = " and ".join(display_url(u) for u in urls) or "no URL"
            raise ApiError(
                422,
                "credential_not_bound",
                f"credential '{config.credential}' is bound to {bound}; the MCP server is at {config.url}",
            )


@router.post("", response_model=McpServerConfig, status_code=201)
async def add_mcp_server(
    company: str, config: McpServerConfig, store: StoreDep, settings: SettingsDep, caller: CallerDep
) -> McpServerConfig:
    """Attach an MCP server to the company: its tools are offered to its agents as `name__tool`."""
    team = await company_owner(store, caller, company)
    await _check(config, team=team, caller=caller, settings=settings, store=store)
    if not await asyncio.to_thread(store.add_mcp_server, company, config):
        raise ApiError(
            409, "conflict", f"company '{company}' has an MCP server '{config.name}' already: remove it first"
        )
    return config


@router.get("", response_model=McpServerList)
async def list_mcp_servers(company: str, store: StoreDep, caller: CallerDep) -> McpServerList:
    """The company's MCP servers, by name."""
    await company_owner(store, caller, company)
    data = await asyncio.to_thread(store.list_mcp_servers, company)
    return McpServerList(data=data, count=len(data))


async def _get(store: StoreDep, company: str, name: str) -> McpServerConfig:
    found = await asyncio.to_thread(store.get_mcp_server, company, name)
    if found is None:
        raise ApiError(404, "not_found", f"company '{company}' has no MCP server '{name}'")
    return found


@router.get("/{name}", response_model=McpServerConfig)
async def get_mcp_server(company: str, name: str, store: StoreDep, caller: CallerDep) -> McpServerConfig:
    await company_owner(store, caller, company)
    return await _get(store, company, name)


@router.delete("/{name}", status_code=204)
async def remove_mcp_server(company: str, name: str, store: StoreDep, caller: CallerDep) -> Response:
    """Detach the server: its tools are no longer offered (a call already made still ends)."""
    team = await company_owner(store, caller, company)
    config = await _get(store, company, name)
    if config.transport is McpTransport.STDIO and not may_grant_powers(caller, team):
        raise ApiError(403, "forbidden", "only the board or an owner of the company's team removes a stdio MCP server")
    await asyncio.to_thread(store.delete_mcp_server, company, name)
    return Response(status_code=204)


@router.post("/{name}/test", response_model=McpTestAnswer)
async def test_mcp_server(
    company: str, name: str, store: StoreDep, caller: CallerDep, client: ClientDep, context: ContextDep
) -> McpTestAnswer:
    """Have a worker connect to the server and list its tools (no cache): the tools, or why not.
    503 when no worker of the tools queue takes the test."""
    await company_owner(store, caller, company)
    config = await _get(store, company, name)
    try:
        result = await client.execute_activity(
            Activity.MCP_TOOLS,
            McpToolsInput(company_id=company, server=config, refresh=True),
            id=f"mcp-test:{company}:{name}:{uuid.uuid4().hex[:12]}",
            task_queue=tools_queue(context.task_queue),
            result_type=McpToolsResult,
            schedule_to_start_timeout=timedelta(seconds=WORKER_WAIT_SECONDS),
            start_to_close_timeout=timedelta(seconds=config.timeout_seconds + 10),
            heartbeat_timeout=timedelta(seconds=30),
            retry_policy=_NO_RETRY,
        )
    except ActivityFailureError as err:
        cause = err.cause
        if isinstance(cause, ActivityTimeout) and cause.type is TimeoutType.SCHEDULE_TO_START:
            raise ApiError(
                503,
                "no_worker",
                f"no worker took the test within {WORKER_WAIT_SECONDS:g} s (is a worker polling"
                f" {tools_queue(context.task_queue)}?)",
                headers={"Retry-After": "5"},
            ) from None
        reason = cause.message if isinstance(cause, ApplicationError) else str(cause or err)
        return McpTestAnswer(ok=False, tools=[], reason=reason)
    return McpTestAnswer(ok=True, tools=result.tools, config_hash=result.config_hash)
