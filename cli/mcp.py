"""`paperclip mcp add|list|remove|test`: a company's MCP servers, whose tools its agents get as
`server__tool`, over the API."""

from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, Company, api, console, fail
from cli.output import JsonOption, Table, print_json

mcp_app = typer.Typer(
    help="MCP servers whose tools a company's agents use (as server__tool): add, list, remove, test.",
    no_args_is_help=True,
)

Name = Annotated[str, typer.Argument(help="The server's name: its tools are called <name>__<tool>.")]


def _path(company: str, name: str | None = None) -> str:
    base = f"/api/companies/{company}/mcp-servers"
    return base if name is None else f"{base}/{name}"


def _where(server: dict[str, Any]) -> str:
    if server["transport"] == "stdio":
        return f"allow-list entry {server['command']}"
    return server["url"] + (f" (credential {server['credential']})" if server.get("credential") else "")


@mcp_app.command("add")
def mcp_add(
    name: Name,
    company: Company,
    command: Annotated[
        str | None,
        typer.Option(help="A stdio server: the name of an entry of the deployment's allow-list (owners only)."),
    ] = None,
    url: Annotated[str | None, typer.Option(help="A streamable-HTTP server: its URL, e.g. https://host/mcp.")] = None,
    credential: Annotated[
        str | None, typer.Option(help="A credential bound to --url, sent as a bearer token by the workers.")
    ] = None,
    tool: Annotated[
        list[str] | None, typer.Option("--tool", help="Enable only this tool of the server (repeat for more).")
    ] = None,
    timeout: Annotated[float, typer.Option(help="Seconds a call may take, the server's start included.")] = 60.0,
    api_url: ApiUrl = None,
) -> None:
    """Attach an MCP server to a company: --command (stdio, from the allow-list) or --url (HTTP)."""
    if (command is None) == (url is None):
        fail("give --command (a stdio server of the allow-list) or --url (an HTTP server), not both")
    body: dict[str, Any] = {"name": name, "timeout_seconds": timeout, "tools": tool or None}
    if command is not None:
        body |= {"transport": "stdio", "command": command}
    else:
        body |= {"transport": "http", "url": url, "credential": credential}
    with api(api_url) as client:
        added = client.post(_path(company), body)
    console.print(f"attached {escape(added['name'])} ({escape(_where(added))}) to {escape(company)}", highlight=False)


@mcp_app.command("list")
def mcp_list(company: Company, as_json: JsonOption = False, api_url: ApiUrl = None) -> None:
    """The company's MCP servers."""
    with api(api_url) as client:
        answer = client.get(_path(company))
    if as_json:
        print_json(answer)
        return
    servers = answer["data"]
    if not servers:
        console.print("No MCP servers.")
        return
    table = Table("Name", "Transport", "Runs", "Tools", "Timeout")
    for s in servers:
        tools = ", ".join(s["tools"]) if s.get("tools") else "all"
        table.add_row(s["name"], s["transport"], escape(_where(s)), escape(tools), f"{s['timeout_seconds']:g}s")
    console.print(table)


@mcp_app.command("remove")
def mcp_remove(name: Name, company: Company, api_url: ApiUrl = None) -> None:
    """Detach an MCP server: its tools are no longer offered."""
    with api(api_url) as client:
        client.delete(_path(company, name))
    console.print(f"removed {escape(name)}", highlight=False)


@mcp_app.command("test")
def mcp_test(name: Name, company: Company, api_url: ApiUrl = None) -> None:
    """Have a worker connect to the server and list its tools; exit 1 if it cannot."""
    with api(api_url) as client:
        answer = client.post(f"{_path(company, name)}/test", {})
    if not answer["ok"]:
        fail(f"{name}: {answer['reason']}")
    console.print(f"OK: {len(answer['tools'])} tools", highlight=False)
    table = Table("Tool", "Description")
    for t in answer["tools"]:
        description = " ".join((t["description"] or "").split())
        table.add_row(t["name"], escape(description[:100] + ("…" if len(description) > 100 else "")))
    console.print(table)
