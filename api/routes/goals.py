"""The company's goals: the tree as a flat list, add a goal, change one."""

from fastapi import APIRouter, Query, status

from api import goals
from api.auth import CallerDep
from api.deps import ClientDep
from api.schemas import GoalList, GoalPatch
from paperclip.models import SLUG, Goal, GoalInput, GoalLevel, GoalStatus

router = APIRouter(prefix="/companies/{company}/goals", tags=["goals"])


@router.get("", response_model=GoalList)
async def list_goals(
    company: str,
    client: ClientDep,
    status: GoalStatus | None = None,
    level: GoalLevel | None = None,
    owner: str | None = Query(default=None, pattern=SLUG.pattern, description="The owning agent's name."),
) -> GoalList:
    """Every goal, each before the goals under it (`parent` links them); `?status=`, `?level=`
    and `?owner=` filter."""
    found = await goals.list_goals(client=client, company_id=company, status=status, level=level, owner=owner)
    return GoalList(data=found, count=len(found))


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Goal)
async def create_goal(company: str, goal: GoalInput, client: ClientDep, caller: CallerDep) -> Goal:
    """Add a goal as the board; 400 for a bad level, parent or owner, 404 for an unknown parent,
    409 for a parent that is achieved or cancelled."""
    return await goals.create_goal(client=client, actor=caller.actor, company_id=company, goal=goal)


@router.patch("/{goal_id}", response_model=Goal)
async def update_goal(company: str, goal_id: str, body: GoalPatch, client: ClientDep, caller: CallerDep) -> Goal:
    """Change a goal's status, title or description; 404 unknown goal, 409 for a status it cannot
    take (or cancelling the company's last goal)."""
    return await goals.update_goal(
        client=client,
        actor=caller.actor,
        company_id=company,
        goal_id=goal_id,
        status=body.status,
        title=body.title,
        description=body.description,
        note=body.note,
    )
