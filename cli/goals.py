"""`paperclip goal`: the company's goal tree (list, add, set), over the API."""

from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, Company, api, console
from cli.output import JsonOption, Table, print_json
from paperclip.vocabulary import GoalLevel, GoalStatus

goal_app = typer.Typer(help="The company's goals: list the tree, add a goal, change one.", no_args_is_help=True)

STATUS_STYLE = {"planned": "cyan", "active": "yellow", "achieved": "green", "cancelled": "dim"}
GoalId = Annotated[str, typer.Argument(help="Goal id, e.g. G3.")]


def _path(company: str, goal: str | None = None) -> str:
    base = f"/api/companies/{company}/goals"
    return base if goal is None else f"{base}/{goal}"


def _status(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"


def _depths(goals: list[dict[str, Any]]) -> dict[str, int]:
    """How deep each goal sits under the goals listed (the API lists parents first)."""
    depth: dict[str, int] = {}
    for goal in goals:
        parent = goal.get("parent")
        depth[goal["id"]] = depth[parent] + 1 if parent in depth else 0
    return depth


def _describe(goal: dict[str, Any]) -> str:
    under = f" under {goal['parent']}" if goal.get("parent") else ""
    owner = f", owned by {escape(goal['owner'])}" if goal.get("owner") else ""
    return f"[bold]{goal['id']}[/bold] ({goal['level']} goal{under}{owner}, {_status(goal['status'])})"


@goal_app.command("list")
def goal_list(
    company: Company,
    status: Annotated[GoalStatus | None, typer.Option(help="Only goals with this status.")] = None,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """List the goal tree: each goal above the goals that serve it."""
    with api(api_url) as client:
        answer = client.get(_path(company), status=status.value if status else None)
    if as_json:
        print_json(answer)
        return
    goals = answer.get("data", [])
    if not goals:
        console.print(f"No goals in {company} match." if status else f"No goals in {company}.")
        return
    depth = _depths(goals)
    table = Table("Goal", "Title", "Level", "Status", "Owner", "Parent")
    for goal in goals:
        table.add_row(
            goal["id"],
            "  " * depth[goal["id"]] + escape(goal["title"]),
            goal["level"],
            _status(goal["status"]),
            escape(goal.get("owner") or "-"),
            goal.get("parent") or "-",
        )
    console.print(table)


@goal_app.command("add")
def goal_add(
    title: Annotated[str, typer.Argument(help="What the goal is.")],
    company: Company,
    level: Annotated[GoalLevel, typer.Option(help="company, team, agent or task.")] = GoalLevel.COMPANY,
    parent: Annotated[str | None, typer.Option(help="The goal it serves, on a higher level, e.g. G1.")] = None,
    owner: Annotated[
        str | None, typer.Option(help="The agent answerable for it (needed for team and agent goals).")
    ] = None,
    status: Annotated[GoalStatus, typer.Option(help="planned or active.")] = GoalStatus.ACTIVE,
    description: Annotated[str | None, typer.Option(help="More about it.")] = None,
    api_url: ApiUrl = None,
) -> None:
    """Add a goal to the company's tree; prints its id."""
    body = {
        "title": title,
        "level": level.value,
        "parent": parent,
        "owner": owner,
        "status": status.value,
        "description": description,
    }
    with api(api_url) as client:
        goal = client.post(_path(company), {k: v for k, v in body.items() if v is not None})
    console.print(f"Added {_describe(goal)}: {escape(goal['title'])}", highlight=False)


@goal_app.command("set")
def goal_set(
    goal_id: GoalId,
    company: Company,
    status: Annotated[GoalStatus | None, typer.Option(help="The new status.")] = None,
    title: Annotated[str | None, typer.Option(help="The new title.")] = None,
    description: Annotated[str | None, typer.Option(help="The new description.")] = None,
    note: Annotated[str | None, typer.Option(help="Why (shown in the activity log).")] = None,
    api_url: ApiUrl = None,
) -> None:
    """Change a goal's status, title or description (cancelling it cancels the goals under it)."""
    body = {"status": status.value if status else None, "title": title, "description": description, "note": note}
    with api(api_url) as client:
        goal = client.patch(_path(company, goal_id), {k: v for k, v in body.items() if v is not None})
    console.print(f"Updated {_describe(goal)}: {escape(goal['title'])}", highlight=False)
