"""Monthly budgets and lifetime caps, as service functions: read from the snapshot, set by the
company workflow's validated `set_budget` and `set_cap` updates (`workflows/company_budgets.py`).

A rejected update reaches `api.errors` as 404 (unknown agent) or 409 (terminated agent); an
archived company answers 409, an unknown one 404.
"""

from pydantic import BaseModel, Field
from temporalio.client import Client

from api.governance import BOARD, _update
from api.services import _company_handle, get_snapshot
from paperclip.models import (
    AgentStatus,
    ApprovalKind,
    ApprovalStatus,
    Budget,
    BudgetLine,
    BudgetReport,
    BudgetStatus,
    Cap,
    CapLine,
    CapState,
    CompanySnapshot,
    SetBudgetInput,
    SetCapInput,
    Spend,
)
from paperclip.spend import BUDGET
from workflows.company import CompanyWorkflow

COMPANY = "company"
"""The scope of the company's own budget, over every agent; any other scope is an agent's name."""


class BudgetBody(BaseModel):
    """A scope's whole monthly budget: both caps are stated, null for no cap of that kind."""

    monthly_usd: float | None = Field(ge=0, allow_inf_nan=False)
    monthly_tokens: int | None = Field(ge=0)


class CapBody(BaseModel):
    """A task's or a goal's whole lifetime cap: both kinds stated, null for no cap of that kind
    (both null: no cap)."""

    usd: float | None = Field(ge=0, allow_inf_nan=False)
    tokens: int | None = Field(ge=0)


def _company_stopped(snapshot: CompanySnapshot) -> bool:
    """Whether the company is paused by its budget: paused, with this month's budget_override
    still open (or rejected: kept paused). The snapshot names no company pause reason."""
    request_id = f"budget:{COMPANY}:{snapshot.month}"
    return snapshot.paused and any(
        a.kind is ApprovalKind.BUDGET_OVERRIDE
        and a.request_id == request_id
        and a.status in (ApprovalStatus.PENDING, ApprovalStatus.REJECTED)
        for a in snapshot.approvals
    )


def _line(
    scope: str, budget: Budget, spend: Spend, *, month: str | None, stopped: bool, soft_limit: float
) -> BudgetLine:
    share = spend.share(budget) if budget.is_capped else None
    status: BudgetStatus = "paused" if stopped else "warning" if share is not None and share >= soft_limit else "ok"
    return BudgetLine(
        scope=scope,
        monthly_usd=budget.monthly_usd,
        monthly_tokens=budget.monthly_tokens,
        month=month,
        spent_usd=spend.usd,
        spent_tokens=spend.tokens,
        unconfirmed_usd=spend.unconfirmed_usd,
        unconfirmed_tokens=spend.unconfirmed_tokens,
        reserved_usd=spend.reserved_usd,
        reserved_tokens=spend.reserved_tokens,
        share=share,
        status=status,
    )


def budget_lines(snapshot: CompanySnapshot) -> list[BudgetLine]:
    """The company's line, then one per agent that is not terminated, in hiring order."""
    soft_limit, month = snapshot.spec.soft_limit, snapshot.month
    lines = [
        _line(
            COMPANY,
            snapshot.spec.budget,
            snapshot.spend,
            month=month,
            stopped=_company_stopped(snapshot),
            soft_limit=soft_limit,
        )
    ]
    lines += [
        _line(
            agent.spec.name,
            agent.spec.budget,
            agent.spend,
            month=month,
            stopped=agent.pause_reason == BUDGET,
            soft_limit=soft_limit,
        )
        for agent in snapshot.agents
        if agent.status is not AgentStatus.TERMINATED
    ]
    return lines


def cap_line(cap: CapState, *, soft_limit: float) -> CapLine:
    share = cap.spend.share(cap.cap)
    status: BudgetStatus = "paused" if cap.stopped else "warning" if share >= soft_limit else "ok"
    return CapLine(
        scope=cap.scope,
        usd=cap.cap.usd,
        tokens=cap.cap.tokens,
        spent_usd=cap.spend.usd,
        spent_tokens=cap.spend.tokens,
        unconfirmed_usd=cap.spend.unconfirmed_usd,
        unconfirmed_tokens=cap.spend.unconfirmed_tokens,
        reserved_usd=cap.spend.reserved_usd,
        reserved_tokens=cap.spend.reserved_tokens,
        share=share,
        status=status,
    )


async def get_budgets(*, client: Client, company_id: str) -> BudgetReport:
    """Every budget of the company with this month's spend, its lifetime caps, and the snapshot's warnings."""
    snapshot = await get_snapshot(client=client, company_id=company_id)
    lines = budget_lines(snapshot)
    return BudgetReport(
        data=lines,
        count=len(lines),
        caps=[cap_line(cap, soft_limit=snapshot.spec.soft_limit) for cap in snapshot.caps],
        soft_limit=snapshot.spec.soft_limit,
        warnings=snapshot.budget_warnings,
    )


async def set_budget(
    *,
    client: Client,
    company_id: str,
    scope: str,
    monthly_usd: float | None,
    monthly_tokens: int | None,
    actor: str = BOARD,
) -> BudgetLine:
    """Replace a scope's monthly budget, as the board; a scope its budget stopped resumes once
    the new one leaves room. Returns the scope's line as it is after the change."""
    update = SetBudgetInput(scope=scope, monthly_usd=monthly_usd, monthly_tokens=monthly_tokens, actor=actor)
    handle = _company_handle(client, company_id)
    await _update(client, company_id, handle.execute_update(CompanyWorkflow.set_budget, update))
    snapshot = await get_snapshot(client=client, company_id=company_id)
    return next(line for line in budget_lines(snapshot) if line.scope == scope)


async def set_cap(*, client: Client, company_id: str, scope: str, body: CapBody, actor: str = BOARD) -> CapLine | None:
    """Replace (or, with both kinds null, drop) the lifetime cap of `task:<identifier>` or
    `goal:<id>`, as the board; the tasks it held go on once it leaves room. The cap's line after
    the change, or None when it was dropped."""
    update = SetCapInput(scope=scope, cap=Cap(usd=body.usd, tokens=body.tokens), actor=actor)
    handle = _company_handle(client, company_id)
    cap = await _update(client, company_id, handle.execute_update(CompanyWorkflow.set_cap, update))
    if cap is None:
        return None
    snapshot = await get_snapshot(client=client, company_id=company_id)
    return next(cap_line(c, soft_limit=snapshot.spec.soft_limit) for c in snapshot.caps if c.scope == scope)
