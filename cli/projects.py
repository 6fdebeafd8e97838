"""`paperclip project` and `paperclip label`: the company's projects (list, show, add, set) and
labels (list, add, rm), over the API."""

from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, Company, api, console
from cli.output import JsonOption, Table, print_json
from cli.review import CyclesOption, ReviewOption, review_body
from paperclip.vocabulary import ProjectStatus

project_app = typer.Typer(help="The company's projects: list, show, add, change.", no_args_is_help=True)
label_app = typer.Typer(help="The company's labels: list, add, remove.", no_args_is_help=True)

STATUS_STYLE = {"planned": "cyan", "active": "yellow", "paused": "magenta", "completed": "green", "cancelled": "dim"}
Key = Annotated[str, typer.Argument(help="Project key, e.g. WEB.")]


def _path(company: str, tail: str = "") -> str:
    return f"/api/companies/{company}/projects{tail}"


def _describe(project: dict[str, Any]) -> str:
    status = project["status"]
    lead = f", led by {escape(project['lead'])}" if project.get("lead") else ""
    shown = f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"
    return f"[bold]{project['key']}[/bold] ({escape(project['name'])}{lead}, {shown})"


def _workspace(source: str | None, credential: str | None, base: str | None) -> dict[str, Any] | None:
    if source is None:
        return None
    workspace = {"source": source, "credential": credential, "base": base}
    return {k: v for k, v in workspace.items() if v is not None}


Lead = Annotated[str | None, typer.Option(help="The agent answerable for it.")]
Goals = Annotated[list[str] | None, typer.Option("--goal", help="A goal it serves, e.g. G2 (repeatable).")]
Workspace = Annotated[
    str | None,
    typer.Option(help="Its tasks' repository: a path under the workspace roots or an https:// URL."),
]
Credential = Annotated[str | None, typer.Option(help="The credential to clone an https:// workspace with.")]
Base = Annotated[str | None, typer.Option(help="The branch its tasks start from.")]
Target = Annotated[str | None, typer.Option("--target-date", help="When it should be done (YYYY-MM-DD).")]
Description = Annotated[str | None, typer.Option(help="More about it.")]


@project_app.command("list")
def project_list(
    company: Company,
    status: Annotated[ProjectStatus | None, typer.Option(help="Only projects with this status.")] = None,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """List the company's projects."""
    with api(api_url) as client:
        answer = client.get(_path(company), status=status.value if status else None)
    if as_json:
        print_json(answer)
        return
    projects = answer.get("data", [])
    if not projects:
        console.print(f"No projects in {company}: `paperclip project add --company {company} KEY NAME`.")
        return
    table = Table("Key", "Name", "Status", "Lead", "Goals", "Target", "Workspace")
    for p in projects:
        table.add_row(
            p["key"],
            escape(p["name"]),
            f"[{STATUS_STYLE.get(p['status'], 'white')}]{p['status']}[/]",
            escape(p.get("lead") or "-"),
            ", ".join(p.get("goals") or []) or "-",
            p.get("target_date") or "-",
            escape((p.get("workspace") or {}).get("source") or "-"),
        )
    console.print(table)


@project_app.command("show")
def project_show(key: Key, company: Company, as_json: JsonOption = False, api_url: ApiUrl = None) -> None:
    """Show a project and its tasks."""
    with api(api_url) as client:
        project = client.get(_path(company, f"/{key}"))
        listed = client.get(f"/api/companies/{company}/tasks", project=key)
    if as_json:
        print_json({"project": project, "tasks": listed})
        return
    tasks = listed.get("data", [])
    console.print(_describe(project), highlight=False)
    if project.get("description"):
        console.print(escape(project["description"]), highlight=False)
    console.print(f"{len(tasks)} task(s): " + (", ".join(f"{t['identifier']} ({t['status']})" for t in tasks) or "-"))


@project_app.command("add")
def project_add(
    key: Key,
    name: Annotated[str, typer.Argument(help="What it is called.")],
    company: Company,
    description: Description = None,
    lead: Lead = None,
    goal: Goals = None,
    workspace: Workspace = None,
    credential: Credential = None,
    base: Base = None,
    status: Annotated[ProjectStatus, typer.Option(help="planned or active.")] = ProjectStatus.ACTIVE,
    target_date: Target = None,
    budget_usd: Annotated[float | None, typer.Option("--budget-usd", min=0, help="Lifetime cap in USD.")] = None,
    budget_tokens: Annotated[int | None, typer.Option("--budget-tokens", min=0, help="Lifetime cap in tokens.")] = None,
    review: ReviewOption = None,
    review_cycles: CyclesOption = None,
    api_url: ApiUrl = None,
) -> None:
    """Add a project (with a lifetime budget its tasks reserve from, if given)."""
    body: dict[str, Any] = {
        "key": key,
        "name": name,
        "description": description,
        "lead": lead,
        "goals": goal,
        "workspace": _workspace(workspace, credential, base),
        "status": status.value,
        "target_date": target_date,
        "review": review_body(review, review_cycles),
    }
    if budget_usd is not None or budget_tokens is not None:
        body["budget"] = {"usd": budget_usd, "tokens": budget_tokens}
    with api(api_url) as client:
        project = client.post(_path(company), {k: v for k, v in body.items() if v is not None})
    console.print(f"Added {_describe(project)}", highlight=False)


@project_app.command("set")
def project_set(
    key: Key,
    company: Company,
    name: Annotated[str | None, typer.Option(help="The new name.")] = None,
    description: Description = None,
    lead: Lead = None,
    goal: Goals = None,
    workspace: Workspace = None,
    credential: Credential = None,
    base: Base = None,
    status: Annotated[ProjectStatus | None, typer.Option(help="The new status.")] = None,
    target_date: Target = None,
    clear: Annotated[
        list[str] | None, typer.Option(help="Empty lead, workspace, target_date or review (repeatable).")
    ] = None,
    review: ReviewOption = None,
    review_cycles: CyclesOption = None,
    api_url: ApiUrl = None,
) -> None:
    """Change a project (its budget: `paperclip budget set project:KEY`)."""
    body: dict[str, Any] = {
        "name": name,
        "description": description,
        "lead": lead,
        "goals": goal,
        "workspace": _workspace(workspace, credential, base),
        "status": status.value if status else None,
        "target_date": target_date,
        "clear": clear,
        "review": review_body(review, review_cycles),
    }
    with api(api_url) as client:
        project = client.patch(_path(company, f"/{key}"), {k: v for k, v in body.items() if v is not None})
    console.print(f"Updated {_describe(project)}", highlight=False)


@label_app.command("list")
def label_list(company: Company, as_json: JsonOption = False, api_url: ApiUrl = None) -> None:
    """List the company's labels."""
    with api(api_url) as client:
        answer = client.get(f"/api/companies/{company}/labels")
    if as_json:
        print_json(answer)
        return
    labels = answer.get("data", [])
    if not labels:
        console.print(f"No labels in {company}: `paperclip label add --company {company} NAME`.")
        return
    table = Table("Label", "Colour", "Description")
    for label in labels:
        table.add_row(f"[{label['colour']}]{label['name']}[/]", label["colour"], escape(label.get("description") or ""))
    console.print(table)


@label_app.command("add")
def label_add(
    name: Annotated[str, typer.Argument(help="Lowercase letters, digits, '-' or '_'.")],
    company: Company,
    colour: Annotated[str, typer.Option(help="#rrggbb.")] = "#888888",
    description: Annotated[str, typer.Option(help="What it marks.")] = "",
    api_url: ApiUrl = None,
) -> None:
    """Add a label tasks can carry."""
    with api(api_url) as client:
        label = client.post(
            f"/api/companies/{company}/labels", {"name": name, "colour": colour, "description": description}
        )
    console.print(f"Added label [bold]{escape(label['name'])}[/bold] ({label['colour']})", highlight=False)


@label_app.command("rm")
def label_rm(name: Annotated[str, typer.Argument(help="The label.")], company: Company, api_url: ApiUrl = None) -> None:
    """Remove a label (tasks that carry it keep its name)."""
    with api(api_url) as client:
        client.delete(f"/api/companies/{company}/labels/{name}")
    console.print(f"Removed label {escape(name)}", highlight=False)
