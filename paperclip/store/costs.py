"""Spend read from the cost ledger: its events, and their sums by agent, model, task, goal, project
or UTC day, in SQL.

One GROUP BY that reads the same on SQLite and PostgreSQL; only the UTC day differs (SQLite keeps
UTC text, PostgreSQL a `timestamptz` whose date depends on the session's zone unless converted).
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from paperclip.models import CostEvent, CostGroup, CostLine, Unconfirmed, Usage
from paperclip.store import ledger
from paperclip.store.engine import StoreCore
from paperclip.store.tables import cost_events, tasks

USD_DIGITS = 10
"""Sums are rounded like one call's cost (`pricing.call_cost`), so the backends agree."""


class CostSummary(BaseModel):
    group_by: CostGroup
    data: list[CostLine]
    """Days in order; other groups by cost, then tokens, most first."""
    total: CostLine
    unpriced_models: list[tuple[str, str]]
    """(provider, model) of every call without a price, each once. The provider is as the ledger
    keeps it: a `Provider`, or the CLI tool or adapter that made the call (`codex`, `process`, `http`)."""


def _day(dialect: str) -> sa.ColumnElement[str]:
    if dialect == "postgresql":
        return sa.func.to_char(sa.func.timezone("UTC", cost_events.c.at), "YYYY-MM-DD", type_=sa.String)
    return sa.func.substr(cost_events.c.at, 1, 10, type_=sa.String)


def _keys(group: CostGroup, dialect: str) -> list[sa.ColumnElement[Any]]:
    c = cost_events.c
    match group:
        case CostGroup.MODEL:
            return [c.provider, c.model]
        case CostGroup.DAY:
            return [_day(dialect).label("day")]
        case CostGroup.PROJECT:
            return [tasks.c.project]
        case _:
            return [c[group.value]]


def _source(group: CostGroup) -> sa.FromClause:
    """The ledger, joined to the task records when the group is the task's project (a subtask's
    record names its parent's, so the ledger need not)."""
    if group is not CostGroup.PROJECT:
        return cost_events
    c = cost_events.c
    return cost_events.outerjoin(tasks, sa.and_(tasks.c.company_id == c.company_id, tasks.c.identifier == c.task))


class CostStore(StoreCore):
    """The ledger's rows read back as spend."""

    def list_cost_events(self, company_id: str, *, task: str | None = None) -> list[CostEvent]:
        """The company's cost events (of one task if given), oldest first."""
        query = sa.select(cost_events).where(cost_events.c.company_id == company_id)
        if task is not None:
            query = query.where(cost_events.c.task == task)
        query = query.order_by(cost_events.c.at, cost_events.c.task, cost_events.c.seq)
        with self.engine.connect() as conn:
            return [ledger.cost_event(row) for row in conn.execute(query).mappings()]

    def cost_summary(
        self,
        company_id: str,
        *,
        group_by: CostGroup,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> CostSummary:
        """The company's calls made in [`since`, `until`) (all if not given), summed by agent,
        model, task, goal or UTC day: calls, tokens, USD of the priced ones, and unpriced calls."""
        c = cost_events.c
        where = [c.company_id == company_id]
        if since is not None:
            where.append(c.at >= since)
        if until is not None:
            where.append(c.at < until)
        keys = _keys(CostGroup(group_by), self.dialect)
        lost = sa.case((c.confirmed.is_(False), 1), else_=0)
        sums = (
            sa.func.count().label("calls"),
            sa.func.coalesce(sa.func.sum(c.input_tokens), 0).label("input_tokens"),
            sa.func.coalesce(sa.func.sum(c.output_tokens), 0).label("output_tokens"),
            sa.func.coalesce(sa.func.sum(c.cached_input_tokens), 0).label("cached_input_tokens"),
            sa.func.coalesce(sa.func.sum(c.cache_write_tokens), 0).label("cache_write_tokens"),
            sa.func.coalesce(sa.func.sum(c.cost_usd), 0.0).label("cost_usd"),
            (sa.func.count() - sa.func.count(c.cost_usd)).label("unpriced_calls"),
            sa.func.coalesce(sa.func.sum(lost), 0).label("unconfirmed_calls"),
            sa.func.coalesce(sa.func.sum(lost * (c.input_tokens + c.output_tokens)), 0).label("unconfirmed_tokens"),
            sa.func.coalesce(sa.func.sum(sa.case((c.confirmed.is_(False), c.cost_usd), else_=0.0)), 0.0).label(
                "unconfirmed_usd"
            ),
        )
        grouped = sa.select(*keys, *sums).select_from(_source(CostGroup(group_by))).where(*where).group_by(*keys)
        unpriced = sa.select(c.provider, c.model).where(*where, c.cost_usd.is_(None)).distinct()
        with self.engine.connect() as conn:
            rows = conn.execute(grouped).all()
            models = sorted((provider, model) for provider, model in conn.execute(unpriced).all())
        data = [
            _line(":".join(row[: len(keys)]) if group_by is CostGroup.MODEL else row[0], row[len(keys) :])
            for row in rows
        ]
        if group_by is CostGroup.DAY:
            data.sort(key=lambda line: line.key or "")
        else:
            data.sort(
                key=lambda line: (-line.cost_usd, -(line.usage.input_tokens + line.usage.output_tokens), line.key or "")
            )
        return CostSummary(group_by=group_by, data=data, total=_total(data), unpriced_models=models)


def _line(key: str | None, sums: Any) -> CostLine:
    calls, input_tokens, output_tokens, cached_input_tokens, cache_write_tokens, cost_usd, unpriced_calls, *lost = sums
    return CostLine(
        key=key,
        calls=calls,
        # PostgreSQL sums a bigint as a numeric: back to int.
        usage=Usage(
            input_tokens=int(input_tokens),
            output_tokens=int(output_tokens),
            cached_input_tokens=int(cached_input_tokens),
            cache_write_tokens=int(cache_write_tokens),
        ),
        cost_usd=round(float(cost_usd), USD_DIGITS),
        unpriced_calls=unpriced_calls,
        unconfirmed=Unconfirmed(attempts=int(lost[0]), tokens=int(lost[1]), usd=round(float(lost[2]), USD_DIGITS)),
    )


def _total(lines: list[CostLine]) -> CostLine:
    total = CostLine(key=None)
    for line in lines:
        total.calls += line.calls
        total.usage += line.usage
        total.cost_usd += line.cost_usd
        total.unpriced_calls += line.unpriced_calls
        total.unconfirmed = total.unconfirmed + line.unconfirmed
    total.cost_usd = round(total.cost_usd, USD_DIGITS)
    return total
