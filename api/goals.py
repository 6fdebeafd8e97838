"""The company's goal tree, as service functions: read from the snapshot, changed by the
company workflow's validated updates (`workflows/company_goals.py`).

A rejected update reaches `api.errors` as 400/404/409; an archived company answers 409.
"""

from temporalio.client import Client

from api.governance import BOARD, _update
from api.services import _company_handle, get_snapshot
from paperclip.models import Goal, GoalInput, GoalLevel, GoalStatus, GoalUpdateInput
from workflows.company import CompanyWorkflow


def tree_order(goals: list[Goal]) -> list[Goal]:
    """Each goal followed by the goals under it (depth first, `G2` before `G10`); a goal whose
    parent is unknown is listed as a root."""
    ids = {g.id for g in goals}
    children: dict[str | None, list[Goal]] = {}
    for goal in goals:
        children.setdefault(goal.parent if goal.parent in ids else None, []).append(goal)
    ordered: list[Goal] = []

    def visit(parent: str | None) -> None:
        for goal in sorted(children.get(parent, []), key=_number):
            ordered.append(goal)
            visit(goal.id)

    visit(None)
    return ordered


def _number(goal: Goal) -> tuple[int, str]:
    digits = goal.id.lstrip("G")
    return (int(digits), "") if digits.isdigit() else (0, goal.id)


async def list_goals(
    *,
    client: Client,
    company_id: str,
    status: GoalStatus | None = None,
    level: GoalLevel | None = None,
    owner: str | None = None,
) -> list[Goal]:
    """The goal tree as a flat list (see `tree_order`), optionally only the goals with `status`,
    on `level`, owned by `owner`."""
    snapshot = await get_snapshot(client=client, company_id=company_id)
    return [
        g
        for g in tree_order(snapshot.goals)
        if (status is None or g.status is status)
        and (level is None or g.level is level)
        and (owner is None or g.owner == owner)
    ]


async def create_goal(*, client: Client, company_id: str, goal: GoalInput, actor: str = BOARD) -> Goal:
    """Add a goal, as the board; the company assigns its id (`G3`)."""
    handle = _company_handle(client, company_id)
    update = goal.model_copy(update={"actor": actor})
    return await _update(client, company_id, handle.execute_update(CompanyWorkflow.create_goal, update))


async def update_goal(
    *,
    client: Client,
    company_id: str,
    goal_id: str,
    status: GoalStatus | None,
    title: str | None,
    description: str | None,
    note: str,
    actor: str = BOARD,
) -> Goal:
    """Change a goal's status or wording, as the board; cancelling it cancels the goals under it."""
    handle = _company_handle(client, company_id)
    update = GoalUpdateInput(id=goal_id, status=status, title=title, description=description, note=note, actor=actor)
    return await _update(client, company_id, handle.execute_update(CompanyWorkflow.update_goal, update))
