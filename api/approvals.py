"""The board's approvals, as service functions: read from the snapshot (long details filled in
from the store: `api.texts`), decided through the company workflow's validated update
(`workflows/company/approvals.py`). Agents' tasks ask for approvals; the API only reads and
decides them.

A rejected decision reaches `api.errors` as 400/404/409; an archived company answers 409.
"""

from temporalio.client import Client

from api.errors import ApiError
from api.governance import BOARD, _update
from api.schemas import Decision
from api.services import _company_handle, get_snapshot
from api.texts import with_stored_details
from paperclip.models import Approval, ApprovalKind, ApprovalStatus, DecideApprovalInput
from paperclip.store import Store
from workflows.company import CompanyWorkflow


def board_order(approvals: list[Approval]) -> list[Approval]:
    """What the board should look at first: pending approvals, escalated ones first, then the
    longest waiting; then decided ones, the latest decision first."""
    pending = [a for a in approvals if a.status is ApprovalStatus.PENDING]
    decided = [a for a in approvals if a.status is not ApprovalStatus.PENDING]
    pending.sort(key=lambda a: (not a.escalated, a.created_at, _number(a)))
    decided.sort(key=lambda a: (a.decided_at or a.created_at, _number(a)), reverse=True)
    return pending + decided


def _number(approval: Approval) -> int:
    digits = approval.id.rpartition("-")[2]
    return int(digits) if digits.isdigit() else 0


async def list_approvals(
    *,
    client: Client,
    store: Store,
    company_id: str,
    status: ApprovalStatus | None = None,
    kind: ApprovalKind | None = None,
) -> list[Approval]:
    """The company's approvals in `board_order`, optionally only those with `status` and `kind`.

    The company keeps every pending approval and its last 100 decided ones; older decisions are
    in the activity log (`approval.decided`).
    """
    snapshot = await get_snapshot(client=client, company_id=company_id, store=store)
    return [
        a
        for a in board_order(snapshot.approvals)
        if (status is None or a.status is status) and (kind is None or a.kind is kind)
    ]


async def get_approval(*, client: Client, store: Store, company_id: str, approval_id: str) -> Approval:
    snapshot = await get_snapshot(client=client, company_id=company_id, store=store)
    approval = next((a for a in snapshot.approvals if a.id == approval_id), None)
    if approval is None:
        raise ApiError(404, "not_found", f"approval '{approval_id}' not found")
    return approval


async def decide(
    *, client: Client, store: Store, company_id: str, approval_id: str, decision: Decision, actor: str = BOARD
) -> Approval:
    """Approve, reject or ask for a revision, as the board; the asking task wakes with the answer."""
    handle = _company_handle(client, company_id)
    update = DecideApprovalInput(id=approval_id, decision=decision.decision, note=decision.note, actor=actor)
    decided = await _update(client, company_id, handle.execute_update(CompanyWorkflow.decide_approval, update))
    return await with_stored_details(store, company_id, decided)
