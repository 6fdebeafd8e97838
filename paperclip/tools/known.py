"""Which tool names an agent, a template or a tool rule may name: a registry tool, or an MCP
server's tool, namespaced `server__tool` (or `server__*`, all of a server's tools).

The API checks these at hire (a 422 naming the unknown tool and listing the known ones), the
templates when they load (a validation error), so a name no one can run never reaches a company.
Whether the MCP server itself is attached is checked where the task offers its tools: servers come
and go after a hire.
"""

from collections.abc import Iterable

from paperclip.models import AgentSpec, ToolRule
from paperclip.tools.registry import MAX_TOOLS, REGISTRY, TOOL_NAME

MCP_SEPARATOR = "__"
"""Between an MCP server's name and its tool's: `github__create_issue`."""


def known_tools() -> list[str]:
    """The registry's tool names, sorted."""
    return sorted(REGISTRY)


def is_mcp_name(name: str, *, wildcard: bool = False) -> bool:
    """Whether `name` is an MCP server's tool (`server__tool`), or with `wildcard` also all of a
    server's (`server__*`)."""
    server, separator, tool = name.partition(MCP_SEPARATOR)
    if not separator or not server or not tool:
        return False
    if wildcard and tool == "*":
        return TOOL_NAME.match(server) is not None
    return TOOL_NAME.match(name) is not None


def tool_problem(name: str, *, wildcard: bool = False) -> str | None:
    """Why no agent can be given tool `name` (None: it can)."""
    if name in REGISTRY or is_mcp_name(name, wildcard=wildcard):
        return None
    known = ", ".join(known_tools()) or "none registered"
    shapes = "server__tool or server__*" if wildcard else "server__tool"
    return f"unknown tool '{name}' (known tools: {known}; an MCP server's tool is named {shapes})"


def tools_problems(names: Iterable[str]) -> list[str]:
    """What is wrong with a list of tools an agent is given: unknown names, a name twice, too many."""
    names = list(names)
    problems = [problem for name in names if (problem := tool_problem(name, wildcard=True))]
    twice = sorted({name for name in names if names.count(name) > 1})
    if twice:
        problems.append(f"tool(s) listed twice: {', '.join(twice)}")
    if len(names) > MAX_TOOLS:
        problems.append(f"{len(names)} tools: at most {MAX_TOOLS} fit one model request")
    return problems


def rules_problems(rules: Iterable[ToolRule]) -> list[str]:
    """The rules of a tool policy that name a tool no agent can be given."""
    problems = ((i, tool_problem(rule.tool, wildcard=True)) for i, rule in enumerate(rules))
    return [f"tool_policy[{i}]: {problem}" for i, problem in problems if problem]


def agent_tool_problems(spec: AgentSpec) -> list[str]:
    """What is wrong with the tools and tool rules of `spec` (empty: nothing)."""
    return [f"tools: {p}" for p in tools_problems(spec.tools or [])] + rules_problems(spec.tool_policy)
