"""Registry tools for workflow tests, and stand-ins of the activities that run them.

The real tools and their `run_tool` / `prepare_workspace` activities are tested on their own;
here the task workflow's tool loop is under test, with real Temporal: three test tools are
registered (a file reader that may run in parallel, a risky command, a fetch that needs no
workspace and answers untrusted content), and `ToolHost` answers their calls the way the real
activities do (same names, same types), on the tools queue and one host's own queue.

Importing this module registers the tools (the replay test imports it too: recorded histories
of the tool loop name them).
"""

import asyncio
import time
import uuid
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass, field

from pydantic import Field
from temporalio import activity
from temporalio.client import Client
from temporalio.worker import Worker

from paperclip.constants import Activity, tools_queue
from paperclip.models import (
    AgentSpec,
    PreparedWorkspace,
    PrepareWorkspaceInput,
    ToolPolicy,
    ToolRule,
    ToolRunInput,
    ToolRunResult,
    WorkspaceRef,
)
from paperclip.tools.base import Line, ToolArguments
from paperclip.tools.registry import REGISTRY, RegisteredTool, register

PROBE_READ = "probe_read"
PROBE_RUN = "probe_run"
PROBE_FETCH = "probe_fetch"
HOST = "host-a"


class ProbeReadArguments(ToolArguments):
    tool = PROBE_READ

    path: Line = Field(description="The file to read.")
    delay: float = Field(default=0.0, ge=0, le=5, description="Seconds the read takes (tests).")


class ProbeRunArguments(ToolArguments):
    tool = PROBE_RUN

    command: Line = Field(description="The command to run.")
    timeout_seconds: float | None = Field(default=None, gt=0, le=600, description="Its time limit.")


class ProbeFetchArguments(ToolArguments):
    tool = PROBE_FETCH

    url: Line = Field(description="The page to fetch.")


def _register() -> None:
    if PROBE_READ in REGISTRY:
        return
    register(
        RegisteredTool(
            name=PROBE_READ,
            arguments=ProbeReadArguments,
            description="Read a file of the workspace.",
            subject=lambda a: a.path,
            concurrent=True,
        )
    )
    register(
        RegisteredTool(
            name=PROBE_RUN,
            arguments=ProbeRunArguments,
            description="Run a command in the workspace.",
            risky=True,
            subject=lambda a: a.command,
        )
    )
    register(
        RegisteredTool(
            name=PROBE_FETCH,
            arguments=ProbeFetchArguments,
            description="Fetch a page (a URL ending in /post sends to it).",
            risky=True,
            risky_call=lambda a: a.url.endswith("/post"),
            workspace=False,
            subject=lambda a: a.url,
        )
    )


_register()

TOOLS = [PROBE_READ, PROBE_RUN, PROBE_FETCH]


def worker_agent(name: str = "dev", *, policy: ToolPolicy | None = None) -> AgentSpec:
    """A model agent with the test tools (its own rule for `probe_run` when `policy` is given)."""
    rules = [ToolRule(tool=PROBE_RUN, policy=policy)] if policy is not None else []
    return AgentSpec(name=name, role="engineer", tools=TOOLS, tool_policy=rules)


@dataclass
class ToolHost:
    """The stand-in `prepare_workspace` and `run_tool`: one host (`HOST`) holds workspaces; a
    call answers what it was given, after its `delay`."""

    prepared: list[PrepareWorkspaceInput] = field(default_factory=list)
    runs: list[ToolRunInput] = field(default_factory=list)
    spans: dict[str, tuple[float, float]] = field(default_factory=dict)
    """Call id → when it started and ended (monotonic seconds)."""
    base: str = ""
    first_host: str = HOST
    """The host the first workspace is made on (one with no worker: its calls are never picked up)."""

    @activity.defn(name=Activity.PREPARE_WORKSPACE)
    async def prepare_workspace(self, input: PrepareWorkspaceInput) -> PreparedWorkspace:
        self.prepared.append(input)
        host = self.first_host if len(self.prepared) == 1 else HOST
        return PreparedWorkspace(
            workspace=WorkspaceRef(
                path=f"/work/{input.session.task}",
                host=host,
                queue=tools_queue(self.base, host),
                repository=input.repository.source,
                branch=f"paperclip/{input.session.task}",
            ),
            lost="uncommitted files" if input.previous is not None else "",
        )

    @activity.defn(name=Activity.RUN_TOOL)
    async def run_tool(self, input: ToolRunInput) -> ToolRunResult:
        self.runs.append(input)
        started = time.monotonic()
        await asyncio.sleep(float(input.arguments.get("delay") or 0))
        self.spans[input.call_id] = (started, time.monotonic())
        if input.tool == PROBE_FETCH:
            return ToolRunResult(content=f"page of {input.arguments['url']}", untrusted=True, cost_usd=0.01)
        where = input.workspace.path if input.workspace is not None else "nowhere"
        subject = input.arguments.get("path") or input.arguments.get("command")
        return ToolRunResult(content=f"{input.tool} {subject} in {where}", size=10)


@asynccontextmanager
async def tool_workers(client: Client, host: ToolHost, queue: str) -> AsyncIterator[ToolHost]:
    """Workers for `host` on the tools queue of `queue` and on its host's own queue."""
    host.base = queue
    async with (
        Worker(client, task_queue=tools_queue(queue), activities=[host.prepare_workspace, host.run_tool]),
        Worker(client, task_queue=tools_queue(queue, HOST), activities=[host.run_tool]),
    ):
        yield host


def fresh_queue() -> str:
    return f"test-{uuid.uuid4().hex}"
