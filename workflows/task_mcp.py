"""An agent's MCP servers' tools in the task's model loop (since `MCP_TOOLS_LOOP`).

An agent whose `tools` name MCP tools (`server__tool`, or `server__*` for all of a server's) is
offered, after its registry tools, those its servers list. The task asks each server's listing
with the `mcp_tools` activity on the tools queue, by the server's name: the worker reads the
company's config from the store, so no config (and no credential) travels in the workflow. The
task carries each listing (`ToolState.mcp`) and asks again every `REFRESH`, saying which listing
it holds: an identical one comes back `unchanged`, without its tools, so a long task's history
holds each listing once. A server that cannot be listed offers no tools; the model is told why
(again only when the reason changes), a call of one of its tools is answered with that error,
and the server is asked again after `RETRY`.

A call of an MCP tool is checked and decided like a registry tool's (`workflows.task_acting`):
its subject (what a rule's pattern matches) is its arguments as JSON, keys sorted; it runs unless
the rules say otherwise (`paperclip.tools.policy.decide`, by name), and is risky — asked about
once the task has read untrusted content — unless its server marks it read-only. A tool whose
description (or schema) changed since the task first listed it is asked about before it runs; a
person's approval pins the new one. It runs as `run_tool` with its arguments as the model gave
them (its server checks them), in the task's workspace when the task has one, and its answer is
untrusted.
"""

import asyncio
import json
from datetime import timedelta

from pydantic import ConfigDict
from temporalio import workflow
from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, FailureError

with workflow.unsafe.imports_passed_through():
    from paperclip import prompts
    from paperclip.constants import Activity, tools_queue
    from paperclip.mcp import MCP_SERVER_FAILED, agent_servers, offered_mcp_tools, server_of
    from paperclip.models import McpListing, McpToolsInput, McpToolsResult, Message, ToolCall, ToolPolicy
    from paperclip.tools.base import ToolArguments
    from paperclip.tools.policy import Verdict, decide
    from paperclip.tools.registry import RegisteredTool
    from workflows.patches import MCP_TOOLS_LOOP
    from workflows.task_core import TaskCore
    from workflows.task_tools import reply

REFRESH = timedelta(minutes=10)
"""How long a task offers a listing before asking its server again (a changed config, tool or
description shows within it)."""
RETRY = timedelta(minutes=1)
"""How long a server that could not be listed waits before it is asked again."""
LISTING_TIMEOUT = timedelta(seconds=3_600 + 60)
"""A listing's backstop: the worker bounds it by the server's own timeout (at most an hour), and
a lost worker is noticed by the heartbeat."""
LISTING_HEARTBEAT = timedelta(seconds=60)
LISTING_RETRIES = RetryPolicy(maximum_attempts=3, non_retryable_error_types=[MCP_SERVER_FAILED])
"""A listing lost with its worker is asked again; a server that failed to answer is not."""


class McpArguments(ToolArguments):
    """An MCP tool's arguments, as the model gave them (its server checks them against its schema)."""

    model_config = ConfigDict(extra="allow")
    tool = "an MCP tool"


def uses_mcp(task: TaskCore) -> bool:
    """Whether the task offers its agent MCP tools (it names some, since `MCP_TOOLS_LOOP`)."""
    return bool(agent_servers(task.input.agent.tools)) and workflow.patched(MCP_TOOLS_LOOP)


def subject(arguments: ToolArguments) -> str:
    """What a rule's pattern matches of an MCP call: its arguments as JSON, keys sorted."""
    return json.dumps(arguments.model_dump(mode="json"), sort_keys=True, ensure_ascii=False)[:2_000]


def mcp_tools(task: TaskCore) -> dict[str, RegisteredTool]:
    """The MCP tools the agent is offered, as the tool loop acts on them, by name."""
    listings = task.carry.tools.mcp
    if not listings:
        return {}
    return {
        t.name: RegisteredTool(
            name=t.name,
            arguments=McpArguments,
            description=t.description,
            risky=not t.read_only,
            subject=subject,
            workspace=False,
            # A call may list the server again before it calls: twice its limit, and slack.
            timeout_seconds=2 * listings[t.server].timeout_seconds + 30,
        )
        for t in offered_mcp_tools(task.input.agent.tools, listings)
    }


def is_mcp(tool: RegisteredTool) -> bool:
    return tool.arguments is McpArguments


# ------------------------------------------------------------------ listing


async def list_servers(task: TaskCore) -> None:
    """Before a model turn: list the agent's servers not listed yet, or not for a while."""
    if not uses_mcp(task):
        return
    listings, now = task.carry.tools.mcp, workflow.now()
    due = [
        server
        for server in agent_servers(task.input.agent.tools)
        if (held := listings.get(server)) is None or now - held.listed_at >= (RETRY if held.error else REFRESH)
    ]
    await asyncio.gather(*(list_server(task, server) for server in due))


async def list_server(task: TaskCore, server: str) -> None:
    listings, now = task.carry.tools.mcp, workflow.now()
    held = listings.get(server)
    pinned = dict(held.pinned) if held is not None else {}
    try:
        result: McpToolsResult = await workflow.execute_activity(
            Activity.MCP_TOOLS,
            McpToolsInput(
                company_id=task.input.company_id,
                server_name=server,
                known=held.digest if held is not None and not held.error else None,
            ),
            result_type=McpToolsResult,
            task_queue=tools_queue(workflow.info().task_queue),
            start_to_close_timeout=LISTING_TIMEOUT,
            heartbeat_timeout=LISTING_HEARTBEAT,
            retry_policy=LISTING_RETRIES,
        )
    except ActivityError as err:
        cause = err.cause
        message = cause.message if isinstance(cause, FailureError) else str(err)
        if held is None or held.error != message:
            note = prompts.error(
                f"MCP server '{server}' could not list its tools: {message}. Its tools are not offered until"
                " it answers; it is asked again before a later turn."
            )
            task.carry.pending.append(Message(role="user", author="system", content=note))
        listings[server] = McpListing(server=server, listed_at=now, error=message, pinned=pinned)
        return
    if result.unchanged and held is not None:
        held.listed_at = now
        return
    for tool in result.tools:  # what the task first saw of each tool is what a call runs under
        pinned.setdefault(tool.name, tool.description_hash)
    listings[server] = McpListing(
        server=server,
        listed_at=now,
        config_hash=result.config_hash,
        digest=result.digest,
        tools=result.tools,
        timeout_seconds=result.timeout_seconds,
        pinned=pinned,
    )


def unavailable(task: TaskCore, call: ToolCall) -> Message | None:
    """The answer to a call of a tool of one of the agent's servers that is not offered now
    (its server could not be listed); None: not such a call."""
    server = server_of(call.name)
    held = task.carry.tools.mcp.get(server or "")
    if held is None or not held.error:
        return None
    return reply(call, prompts.tool_failed(call.name, held.error))


# ------------------------------------------------------------------ deciding


def changed(task: TaskCore, name: str) -> bool:
    """Whether MCP tool `name` says something else than when the task first listed it (or a
    person last approved a call of it)."""
    held = task.carry.tools.mcp.get(server_of(name) or "")
    tool = next((t for t in held.tools if t.name == name), None) if held is not None else None
    return (
        tool is not None and held is not None and held.pinned.get(name, tool.description_hash) != tool.description_hash
    )


def verdict(task: TaskCore, tool: RegisteredTool, subject: str) -> Verdict:
    """What the policy says of a call of MCP tool `tool` on `subject`."""
    state = task.carry.tools
    said = decide(
        tool.name,
        subject,
        task.input.agent.tool_policy,
        task.input.company_tool_policy,
        untrusted_read=state.untrusted_read,
        allowed_for_task=state.allowed,
        risky=tool.risky,
    )
    if said.policy is ToolPolicy.ALLOW and changed(task, tool.name):
        why = f"{tool.name}'s description changed since the task first listed it ({said.why})"
        return Verdict(ToolPolicy.ASK, why, said.pattern)
    return said


def approved(task: TaskCore, name: str) -> None:
    """A person approved a call of MCP tool `name`: what it says now is what later calls run under."""
    held = task.carry.tools.mcp.get(server_of(name) or "")
    tool = next((t for t in held.tools if t.name == name), None) if held is not None else None
    if held is not None and tool is not None:
        held.pinned[name] = tool.description_hash


__all__ = ["McpArguments", "is_mcp", "list_servers", "mcp_tools", "unavailable", "uses_mcp", "verdict"]
