"""The board's approvals: what agents asked, and the board's decisions."""

from fastapi import APIRouter, Query, Request

from api import approvals
from api.auth import CallerDep
from api.deps import ClientDep, StoreDep
from api.schemas import ApprovalList, BatchDecided, BatchDecision, Decision
from paperclip.models import Approval, ApprovalKind, ApprovalStatus

router = APIRouter(prefix="/companies/{company}/approvals", tags=["approvals"])


@router.get("", response_model=ApprovalList)
async def list_approvals(
    company: str,
    client: ClientDep,
    store: StoreDep,
    status: ApprovalStatus | None = None,
    kind: ApprovalKind | None = None,
    limit: int | None = Query(default=None, ge=1, le=1000, description="At most this many; absent: every one."),
    offset: int = Query(default=0, ge=0),
) -> ApprovalList:
    """Pending approvals first (escalated ones first), then decided ones; `?status=pending` and
    `?kind=` filter. Without `limit` the list is whole, as callers written before paging expect."""
    found = await approvals.list_approvals(client=client, store=store, company_id=company, status=status, kind=kind)
    page = found[offset : None if limit is None else offset + limit]
    return ApprovalList(data=page, count=len(page), total=len(found))


@router.get("/{approval_id}", response_model=Approval)
async def get_approval(company: str, approval_id: str, client: ClientDep, store: StoreDep) -> Approval:
    return await approvals.get_approval(client=client, store=store, company_id=company, approval_id=approval_id)


@router.post("/{approval_id}/decision", response_model=Approval)
async def decide_approval(
    company: str, approval_id: str, body: Decision, client: ClientDep, store: StoreDep, caller: CallerDep
) -> Approval:
    """Approve, reject or ask for a revision; the asking task wakes with it. 404 unknown approval,
    409 already decided, 400 a revision asked of a hire. For a `tool_call`, `tool` may allow the
    tool for the rest of the task (`scope: task`) or edit its arguments (422 when they do not fit)."""
    return await approvals.decide(
        client=client, store=store, actor=caller.actor, company_id=company, approval_id=approval_id, decision=body
    )


@router.post("/decisions", response_model=BatchDecided)
async def decide_approvals(
    company: str, body: BatchDecision, request: Request, client: ClientDep, store: StoreDep, caller: CallerDep
) -> BatchDecided:
    """Give several approvals the same decision (the dashboard's and the CLI's batches): each one
    decided, or in `failed` with why (unknown, already decided); the others are decided all the same."""
    return await approvals.decide_many(
        request=request, client=client, store=store, actor=caller.actor, company_id=company, batch=body
    )
