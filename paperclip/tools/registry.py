"""The registry of tools an agent may be given by name (`AgentSpec.tools`, a template's `tools`).

Each entry says how the tool runs (inside the task workflow, or as the `run_tool` activity in the
task's workspace), its default policy, and what makes it risky: the workflow reads these to
decide whether a call runs, waits for a person, or is refused (`paperclip.tools.policy`).
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any, Literal

from paperclip.models import ToolPolicy
from paperclip.tools.base import ToolArguments

TOOL_NAME = re.compile(r"^[A-Za-z0-9_-]{1,64}$")
"""A name every provider accepts for a tool."""
MAX_TOOLS = 128
"""Tools in one model request at most (the providers' limit)."""


@dataclass(frozen=True)
class RegisteredTool:
    """One tool of the registry."""

    name: str
    arguments: type[ToolArguments]
    description: str
    """What the model reads about it."""
    runs: Literal["workflow", "activity"] = "activity"
    """`workflow`: a handler of the task workflow (`workflows.task_tools`); `activity`: the
    `run_tool` activity, in the task's workspace (`activities.tools.RUNNERS`)."""
    policy: ToolPolicy = ToolPolicy.ALLOW
    """Its default policy, before the agent's and the company's rules."""
    risky: bool = False
    """It acts outside the workspace or runs code (a command, a push, a POST, a pull request):
    once the task has read untrusted content, a call is escalated to `ask`."""
    risky_call: Callable[[Any], bool] | None = None
    """When set, whether one call (its checked arguments) is risky, instead of `risky` for all
    (`http_fetch`: a POST is, a GET is not)."""
    ask_when: Callable[[Any], bool] | None = None
    """When set, the calls it holds for ask by default, whatever `policy` says (`git`: a push);
    the agent's and the company's rules still decide over it."""
    note: str = ""
    """What differs per call, for people reading the registry (`git`: "push: asks, risky")."""
    subject: Callable[[Any], str] = lambda arguments: ""
    """What a rule's pattern matches of a call (its command, path, URL or subcommand)."""
    workspace: bool = True
    """It works in the task's workspace (a task without a repository cannot call it)."""
    concurrent: bool = False
    """Its calls touch their subject (a path) alone: calls of one turn on different subjects
    run in parallel; any other call runs alone, in call order."""
    timeout_seconds: float = 300
    """A call's time limit, unless its arguments give one (`timeout_seconds`)."""


REGISTRY: dict[str, RegisteredTool] = {}
"""Tool name → its entry; filled by `register` as the tool modules are imported."""


def register(tool: RegisteredTool) -> RegisteredTool:
    """Add `tool` to the registry (its name must be one the providers accept, and new)."""
    if not TOOL_NAME.match(tool.name):
        raise ValueError(f"tool name {tool.name!r} is not 1-64 of [A-Za-z0-9_-]")
    if tool.name in REGISTRY:
        raise ValueError(f"tool {tool.name!r} is registered twice")
    REGISTRY[tool.name] = tool
    return tool
