"""The company's pipeline runs as the store keeps them: who started each, with what inputs.

The runs routes (`pipeline_runs`) read runs from their workflows, which carry neither who started
a run nor its inputs, and which Temporal forgets after its retention; the store's record keeps both
for good (the dashboard's runs table shows who started each run).
"""

import asyncio
from typing import Annotated

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api import services
from api.deps import StoreDep
from paperclip.models import SLUG
from paperclip.models.pipeline_records import PipelineRunRecord
from paperclip.models.pipelines import RunStatus

router = APIRouter(prefix="/companies/{company}", tags=["pipelines"])


class PipelineRunRecordList(BaseModel):
    data: list[PipelineRunRecord]
    count: int
    total: int
    """How many runs match, beyond this page."""


@router.get("/pipeline-runs", response_model=PipelineRunRecordList)
async def list_pipeline_run_records(
    company: str,
    store: StoreDep,
    pipeline: Annotated[str | None, Query(pattern=SLUG.pattern, description="Only this pipeline's runs.")] = None,
    status: RunStatus | None = None,
    limit: Annotated[int, Query(ge=1, le=200)] = 50,
    offset: Annotated[int, Query(ge=0)] = 0,
) -> PipelineRunRecordList:
    """The company's runs as kept (of `pipeline`, in `status`), newest first, with who started
    each and its inputs; a store that keeps no runs lists none."""
    await services.require_company(store=store, company_id=company)
    listing = getattr(store, "list_pipeline_runs", None)
    if not callable(listing):
        return PipelineRunRecordList(data=[], count=0, total=0)
    found, total = await asyncio.to_thread(
        listing, company, pipeline=pipeline, status=status, limit=limit, offset=offset
    )
    return PipelineRunRecordList(data=found, count=len(found), total=total)
