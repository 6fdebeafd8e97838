"""Full-text search over conversation messages, task titles and task documents, in what the caller may see."""

import asyncio
from collections.abc import Collection

from fastapi import APIRouter, Query
from pydantic import BaseModel

from api import services
from api.auth import CallerDep
from api.deps import StoreDep
from api.errors import ApiError
from paperclip.models import NOT_BLANK
from paperclip.store import SearchHit, SearchKind, Store

router = APIRouter(tags=["search"])

MAX_QUERY_CHARS = 500

Q = Query(
    max_length=MAX_QUERY_CHARS,
    description='Words (all must appear, in any form: `rockets` finds `rocket`) and "quoted phrases"; '
    "no other character is an operator. Not blank (else 400).",
    json_schema_extra={"pattern": NOT_BLANK},
)
KIND = Query(default=None, description="Only messages, only task titles or only documents; all if not given.")
LIMIT = Query(default=20, ge=1, le=100)


class SearchResults(BaseModel):
    data: list[SearchHit]
    """Best match first."""
    count: int


async def _search(
    store: Store, company_ids: Collection[str] | None, q: str, kind: SearchKind | None, limit: int
) -> SearchResults:
    if not q.strip():
        raise ApiError(400, "invalid_input", "q: say what to search for", {"field": "q"})
    kinds = tuple(SearchKind) if kind is None else (kind,)
    hits = await asyncio.to_thread(store.search, company_ids, q, kinds=kinds, limit=limit)
    return SearchResults(data=hits, count=len(hits))


@router.get("/search", response_model=SearchResults)
async def search_everywhere(
    store: StoreDep, caller: CallerDep, q: str = Q, kind: SearchKind | None = KIND, limit: int = LIMIT
) -> SearchResults:
    """Messages, task titles and documents matching `q` in every company the caller may see (all for the
    board, its teams' for a user)."""
    visible = None if caller.is_board else await asyncio.to_thread(store.companies_of, caller.roles)
    return await _search(store, visible, q, kind, limit)


@router.get("/companies/{company}/search", response_model=SearchResults)
async def search_company(
    company: str, store: StoreDep, q: str = Q, kind: SearchKind | None = KIND, limit: int = LIMIT
) -> SearchResults:
    """Messages, task titles and documents matching `q` in the company."""
    await services.require_company(store=store, company_id=company)
    return await _search(store, [company], q, kind, limit)
