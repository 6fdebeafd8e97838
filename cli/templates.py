"""`paperclip template`: list and show the API's templates; validate custom template files locally."""

from pathlib import Path
from typing import Annotated, Any

import typer
import yaml
from rich.markup import escape
from rich.tree import Tree

from cli.common import ApiUrl, api, console, err_console, fail
from cli.output import JsonOption, Table, print_json
from paperclip.templates import TemplateInvalid, TemplateKind, load_registry

template_app = typer.Typer(help="Agent and company templates: list, show, validate custom ones.", no_args_is_help=True)


class _Dumper(yaml.SafeDumper):
    """Multi-line strings (system prompts) as `|` blocks, as a person would write them."""


def _str(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _str)


def to_yaml(data: dict[str, Any]) -> str:
    return yaml.dump(data, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100).rstrip()


@template_app.command("list")
def template_list(
    kind: Annotated[TemplateKind | None, typer.Option(help="Only agent or company templates.")] = None,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """List the templates the API knows: built-in and custom (PAPERCLIP_TEMPLATES)."""
    with api(api_url) as client:
        answer = client.get("/api/templates", kind=kind.value if kind else None)
    if as_json:
        print_json(answer)
        return
    templates = answer.get("data", [])
    table = Table("Kind", "Name", "Role / team", "Description", "Source")
    for item in templates:
        detail = item.get("role") or (f"{item['agents']} agents" if item.get("agents") is not None else "")
        source = "built-in" if item.get("builtin") else item.get("source", "")
        table.add_row(item["kind"], escape(item["name"]), detail, escape(item["description"]), escape(source))
    console.print(table)


def _find_kind(client: Any, name: str) -> str:
    matches = [t["kind"] for t in client.get("/api/templates").get("data", []) if t["name"] == name]
    if not matches:
        fail(f"no template '{name}': `paperclip template list` shows them")
    if len(matches) > 1:
        fail(f"'{name}' is both an agent and a company template: give --kind")
    return str(matches[0])


def _team_tree(title: str, team: list[dict[str, Any]]) -> Tree:
    tree = Tree(title)
    nodes: dict[str, Tree] = {}
    for agent in team:  # managers come before their reports
        label = f"[bold]{escape(agent['name'])}[/bold] ({agent.get('role', '')}, {escape(agent.get('title', ''))})"
        parent = nodes.get(agent.get("reports_to") or "", tree)
        nodes[agent["name"]] = parent.add(label)
    return tree


@template_app.command("show")
def template_show(
    name: Annotated[str, typer.Argument(help="Template name, e.g. coder or software-studio.")],
    kind: Annotated[TemplateKind | None, typer.Option(help="agent or company (needed only if both exist).")] = None,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """Show a template as YAML; a company template also as its org chart."""
    with api(api_url) as client:
        found = kind.value if kind else _find_kind(client, name)
        detail = client.get(f"/api/templates/{found}/{name}")
    if as_json:
        print_json(detail)
        return
    source = "built-in" if detail.get("builtin") else detail.get("source", "")
    console.print(f"[bold]{escape(detail['name'])}[/bold] ({detail['kind']} template, {escape(source)})")
    console.print(detail["description"], style="italic", highlight=False)
    if detail.get("team"):
        console.print(_team_tree("Org chart", detail["team"]))
    typer.echo(to_yaml(detail["template"]))


@template_app.command("validate")
def template_validate(
    paths: Annotated[list[Path], typer.Argument(help="Template files or directories of YAML files.")],
) -> None:
    """Check custom template files (locally, no API) as the API would load them."""
    try:
        registry = load_registry(paths)
    except TemplateInvalid as error:
        for problem in error.problems:
            err_console.print(f"[red]error:[/red] {escape(problem)}", highlight=False, soft_wrap=True)
        raise typer.Exit(1) from None
    custom = [e for e in registry.entries() if not e.builtin]
    agents = sum(1 for e in custom if e.template.kind == TemplateKind.AGENT)
    console.print(f"OK: {agents} agent and {len(custom) - agents} company templates", highlight=False)
