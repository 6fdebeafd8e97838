"""Work products: what a task produced (`GET …/tasks/{task}/work-products`), and every task's,
newest first, for the artifacts view (`GET …/work-products`)."""

import asyncio

from fastapi import APIRouter, Query

from api import services
from api.deps import StoreDep
from paperclip.models.work_products import WorkProductKind, WorkProductList
from paperclip.store.tables import MAX_SEQ

router = APIRouter(prefix="/companies/{company}", tags=["work products"])


@router.get("/tasks/{identifier}/work-products", response_model=WorkProductList)
async def list_task_work_products(
    company: str, identifier: str, store: StoreDep, limit: int = Query(default=100, ge=1, le=1000)
) -> WorkProductList:
    """What the task produced (commits, branches, pull requests, files, documents, URLs), newest first."""
    await services.require_company(store=store, company_id=company)
    found = await asyncio.to_thread(store.list_work_products, company, task=identifier, limit=limit)
    return WorkProductList(data=found, count=len(found))


@router.get("/work-products", response_model=WorkProductList)
async def list_work_products(
    company: str,
    store: StoreDep,
    kind: WorkProductKind | None = None,
    task: str | None = None,
    before: int | None = Query(default=None, ge=1, le=MAX_SEQ, description="Only products with a smaller `id`."),
    limit: int = Query(default=100, ge=1, le=1000),
) -> WorkProductList:
    """Every task's products (of `kind`, of `task`), newest first: the artifacts view."""
    await services.require_company(store=store, company_id=company)
    found = await asyncio.to_thread(store.list_work_products, company, task=task, kind=kind, before=before, limit=limit)
    return WorkProductList(data=found, count=len(found))
