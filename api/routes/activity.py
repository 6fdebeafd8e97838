"""`GET /api/companies/{company}/activity`: the activity log, filtered in the store."""

import asyncio
from typing import Literal

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api import services
from api.deps import StoreDep
from paperclip.models import ActivityPublic
from paperclip.store.tables import MAX_SEQ

router = APIRouter(prefix="/companies/{company}", tags=["activity"])


class ActivityList(BaseModel):
    data: list[ActivityPublic]
    count: int


@router.get("/activity", response_model=ActivityList)
async def list_activity(
    company: str,
    store: StoreDep,
    kind: str | None = Query(default=None, description="A kind (`task.created`) or a family (`task.*`)."),
    actor: str | None = Query(default=None, description="`board`, `system`, an agent or `routine:<name>`."),
    agent: str | None = None,
    task: str | None = None,
    after: int = Query(default=0, ge=0, le=MAX_SEQ, description="Only entries with a greater `seq`."),
    before: int | None = Query(default=None, ge=1, le=MAX_SEQ, description="Only entries with a smaller `seq`."),
    limit: int = Query(default=100, ge=1, le=1000),
    order: Literal["asc", "desc"] = Query(default="asc", description="`asc`: oldest first; `desc`: newest first."),
) -> ActivityList:
    """Every recorded change of the company (who did what to which agent or task), oldest first."""
    await services.require_company(store=store, company_id=company)
    rows = await asyncio.to_thread(
        store.list_activity,
        company,
        after=after,
        before=before,
        limit=limit,
        kind=kind,
        actor=actor,
        agent=agent,
        task=task,
        newest_first=order == "desc",
    )
    data = [ActivityPublic(seq=seq, **entry.model_dump()) for seq, entry in rows]
    return ActivityList(data=data, count=len(data))
