"""`GET /api/companies/{company}/tool-outputs/{ref}`: a tool's whole output, kept by reference
when it was longer than a tool result carries (the model read its start)."""

import asyncio
from datetime import datetime

from fastapi import APIRouter
from pydantic import BaseModel

from api.deps import StoreDep
from api.errors import ApiError

router = APIRouter(prefix="/companies/{company}", tags=["tasks"])


class ToolOutputPublic(BaseModel):
    ref: str
    task: str
    """The task whose call it is."""
    call_id: str
    agent: str
    size: int
    """Its length in characters."""
    content: str
    created_at: datetime


@router.get("/tool-outputs/{ref}", response_model=ToolOutputPublic)
async def get_tool_output(company: str, ref: str, store: StoreDep) -> ToolOutputPublic:
    """A stored tool output of the company's; 404 for a reference it does not have (another
    company's included)."""
    found = await asyncio.to_thread(store.tool_output, company, ref)
    if found is None:
        raise ApiError(404, "not_found", f"no tool output '{ref}' in company '{company}'")
    return ToolOutputPublic(
        ref=found.ref,
        task=found.task,
        call_id=found.call_id,
        agent=found.agent,
        size=found.size,
        content=found.content,
        created_at=found.created_at,
    )
