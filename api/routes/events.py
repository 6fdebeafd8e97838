"""`GET /api/companies/{company}/events`: the activity log as Server-Sent Events."""

import asyncio
import re
import time
from collections.abc import AsyncIterator

from fastapi import APIRouter, Header, Query
from fastapi.responses import StreamingResponse

from api import services
from api.deps import StoreDep
from api.errors import ApiError
from paperclip.models import ActivityEntry
from paperclip.store import Store
from paperclip.store.tables import MAX_SEQ

router = APIRouter(prefix="/companies/{company}", tags=["events"])

POLL_SECONDS = 0.5
MAX_TAIL = 1000
"""The most entries `tail` starts with."""
KEEP_ALIVE_SECONDS = 15.0
"""A comment line this often keeps proxies from closing an idle stream."""
SEQUENCE_NUMBER = re.compile(r"^\s*[0-9]+\s*$")
"""A `Last-Event-ID` the stream resumes after."""


@router.get(
    "/events",
    response_class=StreamingResponse,
    responses={
        200: {
            "content": {"text/event-stream": {}},
            "description": "`id: <seq>`, `event: activity`, `data: <ActivityEntry>`",
        }
    },
)
async def stream_events(
    company: str,
    store: StoreDep,
    after: int = Query(default=0, ge=0, le=MAX_SEQ, description="Send entries after this sequence number."),
    follow: bool = Query(default=True, description="Keep the stream open and send new entries as they come."),
    tail: int | None = Query(
        default=None,
        ge=0,
        le=MAX_TAIL,
        description="Start with the last N entries (0: only those still to come), instead of after `after`.",
    ),
    last_event_id: str | None = Header(
        default=None,
        description="Resume after this id, a sequence number (set by EventSource; else 400).",
        json_schema_extra={"pattern": SEQUENCE_NUMBER.pattern},
    ),
) -> StreamingResponse:
    """Activity entries in order, each with its sequence number as the event id."""
    if last_event_id is not None:
        if not SEQUENCE_NUMBER.fullmatch(last_event_id) or int(last_event_id) > MAX_SEQ:
            # ASCII digits (int() refuses '²', a digit to isdigit()), and one the store can hold
            raise ApiError(400, "invalid_input", "Last-Event-ID must be a sequence number")
        after = max(after, int(last_event_id))
    await services.require_company(store=store, company_id=company)
    if tail is not None and last_event_id is None:  # a reconnect resumes where it was, not at the tail
        after = await asyncio.to_thread(_before_the_last, store, company, tail)
    entries = services.activity_events(
        store=store, company_id=company, after=after, follow=follow, poll_seconds=POLL_SECONDS
    )
    return StreamingResponse(
        _sse(entries),
        media_type="text/event-stream",
        headers={"Cache-Control": "no-cache", "X-Accel-Buffering": "no"},
    )


def _before_the_last(store: Store, company: str, tail: int) -> int:
    """The cursor after which the company's last `tail` entries start (its newest, for 0)."""
    newest = store.list_activity(company, limit=max(tail, 1), newest_first=True)
    if not newest:
        return 0
    if tail == 0:
        return newest[0][0]
    return 0 if len(newest) < tail else newest[-1][0] - 1


async def _sse(entries: AsyncIterator[tuple[int, ActivityEntry] | None]) -> AsyncIterator[str]:
    yield "retry: 2000\n\n"
    quiet_since = time.monotonic()
    async for item in entries:
        if item is None:
            if time.monotonic() - quiet_since >= KEEP_ALIVE_SECONDS:
                quiet_since = time.monotonic()
                yield ": keep-alive\n\n"
            continue
        seq, entry = item
        quiet_since = time.monotonic()
        yield f"id: {seq}\nevent: activity\ndata: {entry.model_dump_json()}\n\n"
