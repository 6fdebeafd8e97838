"""`paperclip tool`: the tools agents may be given, as the API lists them (`GET /api/tools`)."""

from typing import Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, api, console
from cli.output import JsonOption, Table, print_json

tool_app = typer.Typer(
    help="Tools agents may be given: list them with their arguments and policy.", no_args_is_help=True
)

POLICY_STYLE = {"allow": "green", "ask": "yellow", "deny": "red"}


def arguments(schema: dict[str, Any]) -> str:
    """The argument names of a JSON schema, the required ones marked `*`."""
    required = set(schema.get("required", []))
    return ", ".join(f"{name}{'*' if name in required else ''}" for name in schema.get("properties", {}))


@tool_app.command("list")
def tool_list(
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """List the registry's tools: default policy, whether risky, where each runs, its arguments
    (`*` required). Agents name them in `tools`; an MCP server's tools are `server__tool`."""
    with api(api_url) as client:
        answer = client.get("/api/tools")
    tools = answer.get("data", [])
    if as_json:
        print_json(tools)  # the tools alone, with every full JSON schema (as before `--json` was shared)
        return
    if not tools:
        console.print("No tools are registered.")
        return
    table = Table("Tool", "Policy", "Risky", "Runs", "Arguments (* required)", "Description")
    for tool in tools:
        policy = tool["policy"]
        table.add_row(
            escape(tool["name"]),
            f"[{POLICY_STYLE.get(policy, 'white')}]{policy}[/]"
            + (f" ({escape(tool['note'])})" if tool.get("note") else ""),
            "yes" if tool["risky"] else "no",
            tool["runs"],
            escape(arguments(tool["parameters"])),
            escape(tool["description"].split("\n")[0]),
        )
    console.print(table)
    console.print(
        f"At most {answer.get('max_tools', 128)} tools in one request; an MCP server's tools are named "
        f"server{answer.get('mcp_separator', '__')}tool.",
        highlight=False,
    )
