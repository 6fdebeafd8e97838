"""`GET /api/companies/{company}/costs`: spend from the cost ledger, summed by agent, model, task,
goal, project or UTC day."""

import asyncio
from datetime import UTC, datetime

from fastapi import APIRouter, Query

from api import services
from api.deps import StoreDep
from api.errors import ApiError
from paperclip.models import CostGroup, CostReport, Unconfirmed
from paperclip.money import cost
from paperclip.pricing import no_price_warning

router = APIRouter(prefix="/companies/{company}", tags=["costs"])


def _utc(value: datetime | None) -> datetime | None:
    """A time without a zone is UTC."""
    return value.replace(tzinfo=UTC) if value is not None and value.tzinfo is None else value


@router.get("/costs", response_model=CostReport)
async def cost_report(
    company: str,
    store: StoreDep,
    group_by: CostGroup = Query(default=CostGroup.AGENT, description="agent, model, task, goal, project or day."),
    since: datetime | None = Query(
        default=None, description="Only calls at or after this time (UTC if no zone); earlier than `until` (else 422)."
    ),
    until: datetime | None = Query(
        default=None, description="Only calls before this time (UTC if no zone); later than `since` (else 422)."
    ),
) -> CostReport:
    """What the company's model calls cost: calls, tokens and USD per group, and a total.

    Calls of a model without a price count in tokens and in `unpriced_calls`, never as $0, and
    each such model is named in `warnings`. Calls lost with their worker before they answered
    count at their worst case, in `unconfirmed` too, and `warnings` says so.
    """
    since, until = _utc(since), _utc(until)
    if since is not None and until is not None and since >= until:
        raise ApiError(422, "invalid_input", "until: must be later than since", {"field": "until"})
    await services.require_company(store=store, company_id=company)
    summary = await asyncio.to_thread(store.cost_summary, company, group_by=group_by, since=since, until=until)
    return CostReport(
        group_by=summary.group_by,
        data=summary.data,
        total=summary.total,
        warnings=[no_price_warning(provider, model) for provider, model in summary.unpriced_models]
        + unconfirmed_warning(summary.total.unconfirmed),
    )


def unconfirmed_warning(unconfirmed: Unconfirmed) -> list[str]:
    if not unconfirmed.attempts:
        return []
    return [
        f"{unconfirmed.attempts} call(s) were lost with their worker before the provider's answer was known: "
        f"they count at their worst case ({unconfirmed.tokens:,} tokens, {cost(unconfirmed.usd)}); "
        "the provider may have charged less, or nothing"
    ]
