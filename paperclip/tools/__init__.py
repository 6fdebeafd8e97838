"""The tools an agent is offered: one module per tool (its name, its argument model, its spec),
registered here.

The task workflow offers `tools_for(...)` each turn, checks each call with `arguments_of`, and
runs its handler (`workflows.task_tools`); the providers translate the specs to their wire
formats. Adding a tool: a module here, a handler there, and an entry in `ARGUMENTS`.
"""

from collections.abc import Sequence
from typing import Any

from paperclip.models import AgentSpec, ToolSpec
from paperclip.tools.add_blocker import ADD_BLOCKER_TOOL  # noqa: F401  (registers `add_blocker`)
from paperclip.tools.attach_file import AttachFileArguments as AttachFileArguments
from paperclip.tools.base import ToolArguments, ToolArgumentsError, parse
from paperclip.tools.comment import COMMENT_TOOL  # noqa: F401  (registers `comment`)
from paperclip.tools.complete_task import COMPLETE_TASK, CompleteTaskArguments, complete_task_tool
from paperclip.tools.create_pull_request import CreatePullRequestArguments as CreatePullRequestArguments
from paperclip.tools.delegate_task import DELEGATE_TASK, DelegateTaskArguments, delegate_task_tool
from paperclip.tools.edit_file import EditFileArguments as EditFileArguments
from paperclip.tools.escalate import ESCALATE, EscalateArguments, escalate_tool
from paperclip.tools.git import GIT_TOOL  # noqa: F401  (registers `git`)
from paperclip.tools.hire_agent import HIRE_AGENT, HireAgentArguments, hire_agent_tool
from paperclip.tools.http_fetch import HTTP_FETCH_TOOL  # noqa: F401  (registers `http_fetch`)
from paperclip.tools.list_files import ListFilesArguments as ListFilesArguments
from paperclip.tools.read_document import READ_DOCUMENT_TOOL  # noqa: F401  (registers `read_document`)
from paperclip.tools.read_file import ReadFileArguments as ReadFileArguments
from paperclip.tools.read_task import READ_TASK_TOOL  # noqa: F401  (registers `read_task`)
from paperclip.tools.registry import MAX_TOOLS, REGISTRY, RegisteredTool
from paperclip.tools.request_approval import REQUEST_APPROVAL, RequestApprovalArguments, request_approval_tool
from paperclip.tools.review_verdict import ReviewVerdictArguments, review_verdict_tool
from paperclip.tools.run_command import RUN_COMMAND_TOOL  # noqa: F401  (registers `run_command`)
from paperclip.tools.search_files import SearchFilesArguments as SearchFilesArguments
from paperclip.tools.write_document import WRITE_DOCUMENT_TOOL  # noqa: F401  (registers `write_document`)
from paperclip.tools.write_file import WriteFileArguments as WriteFileArguments

# The workspace tools' modules (imported above) register them in `paperclip.tools.registry.REGISTRY`.
ARGUMENTS: dict[str, type[ToolArguments]] = {
    t.tool: t
    for t in (
        DelegateTaskArguments,
        CompleteTaskArguments,
        EscalateArguments,
        RequestApprovalArguments,
        HireAgentArguments,
        ReviewVerdictArguments,
    )
}
"""Tool name → its argument model: every tool the task workflow handles."""


def arguments_of(name: str, arguments: dict[str, Any]) -> ToolArguments:
    """A call of tool `name`, checked against its model.

    Raises:
        ToolArgumentsError: no such tool, or the arguments do not fit (the message is the model's
            to read).
    """
    if name in ARGUMENTS:
        return parse(ARGUMENTS[name], arguments)
    if name in REGISTRY:
        return parse(REGISTRY[name].arguments, arguments)
    raise ToolArgumentsError(f"unknown tool '{name}'.")


def registry_tools(names: list[str] | None) -> list[RegisteredTool]:
    """The registry tools among `names` (an agent's `tools`), in order, each once; names outside
    the registry (an MCP server's tools, the standard ones) are not among them."""
    return [REGISTRY[n] for n in dict.fromkeys(names or []) if n in REGISTRY and n not in ARGUMENTS]


def tools_for(
    team: list[AgentSpec],
    *,
    manager: str | None = None,
    can_hire: bool = False,
    strategy: bool = False,
    extra: list[str] | None = None,
    mcp: Sequence[ToolSpec] = (),
    reviewing: str | None = None,
) -> list[ToolSpec]:
    """The tools of one turn: delegation only when there is somebody to delegate to, escalation
    only when there is somebody above, hiring only with the permission; then the registry tools
    named in `extra` (an agent's `tools`), then its MCP servers' tools (`mcp`, as listed for the
    task), up to `MAX_TOOLS` in all. A review task (`reviewing`) is offered `review_verdict`."""
    standard = (
        ([delegate_task_tool(team)] if team else [])
        + [complete_task_tool()]
        + ([escalate_tool(manager)] if manager else [])
        + [request_approval_tool(strategy=strategy)]
        + ([hire_agent_tool()] if can_hire else [])
        + ([review_verdict_tool(reviewing)] if reviewing else [])
    )
    more = [
        ToolSpec.model_construct(name=t.name, description=t.description, parameters=t.arguments.spec("").parameters)
        for t in registry_tools(extra)
    ] + list(mcp)
    return standard + more[: MAX_TOOLS - len(standard)]


__all__ = [
    "ARGUMENTS",
    "COMPLETE_TASK",
    "DELEGATE_TASK",
    "ESCALATE",
    "HIRE_AGENT",
    "REQUEST_APPROVAL",
    "CompleteTaskArguments",
    "DelegateTaskArguments",
    "EscalateArguments",
    "HireAgentArguments",
    "RequestApprovalArguments",
    "ToolArguments",
    "ToolArgumentsError",
    "arguments_of",
    "registry_tools",
    "tools_for",
]
