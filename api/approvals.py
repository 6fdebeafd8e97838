"""The board's approvals, as service functions: read from the snapshot (long details filled in
from the store: `api.texts`), decided through the company workflow's validated update
(`workflows/company/approvals.py`). Agents' tasks ask for approvals; the API only reads and
decides them.

A rejected decision reaches `api.errors` as 400/404/409; an archived company answers 409. A
decision of a `tool_call` may carry a scope and edited arguments (`Decision.tool`): the edited
arguments are checked against the tool's model here, for a fast 422, and again, with the tool's
policy, by the task before the tool runs. Several approvals may be decided at once (`decide_many`).
"""

import hashlib

from fastapi import Request
from temporalio.client import Client, WorkflowUpdateFailedError

from api.errors import ApiError, temporal_error_to_api
from api.governance import BOARD, _update
from api.schemas import BatchDecided, BatchDecision, BatchFailure, Decision
from api.services import _company_handle, get_snapshot
from api.temporal_bounds import REQUEST_KEY
from api.texts import with_stored_details
from paperclip.idempotency import DIGEST_CHARS, RequestKey
from paperclip.models import Approval, ApprovalKind, ApprovalStatus, DecideApprovalInput
from paperclip.store import Store
from paperclip.tools.base import ToolArgumentsError, parse
from paperclip.tools.registry import REGISTRY
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


def check_tool_decision(approval: Approval, decision: Decision) -> None:
    """Refuse a `tool` part the approval cannot take: on another kind of approval, with a
    rejection, or with arguments that do not fit the tool's model (when the tool is a registry
    tool; an MCP tool's arguments are checked by its server).

    Raises:
        ApiError: 422 saying what is wrong.
    """
    tool = decision.tool
    if tool is None:
        return
    if approval.kind is not ApprovalKind.TOOL_CALL:
        raise ApiError(
            422, "invalid_input", f"{approval.id} is a {approval.kind} approval: only a tool_call takes `tool`"
        )
    if decision.decision is not ApprovalStatus.APPROVED and (tool.scope == "task" or tool.arguments is not None):
        raise ApiError(422, "invalid_input", "a scope or edited arguments go with an approval, not a rejection")
    call = approval.tool_call
    if tool.arguments is None or call is None or call.tool not in REGISTRY:
        return
    try:
        parse(REGISTRY[call.tool].arguments, tool.arguments)
    except ToolArgumentsError as error:
        raise ApiError(422, "invalid_input", f"tool.arguments: {error}", {"tool": call.tool}) from None


async def decide(
    *, client: Client, store: Store, company_id: str, approval_id: str, decision: Decision, actor: str = BOARD
) -> Approval:
    """Approve, reject or ask for a revision, as the board; the asking task wakes with the answer."""
    if decision.tool is not None:
        approval = await get_approval(client=client, store=store, company_id=company_id, approval_id=approval_id)
        check_tool_decision(approval, decision)
    handle = _company_handle(client, company_id)
    update = DecideApprovalInput(
        id=approval_id, decision=decision.decision, note=decision.note, actor=actor, tool=decision.tool
    )
    decided = await _update(client, company_id, handle.execute_update(CompanyWorkflow.decide_approval, update))
    return await with_stored_details(store, company_id, decided)


async def decide_many(
    *, request: Request, client: Client, store: Store, company_id: str, batch: BatchDecision, actor: str = BOARD
) -> BatchDecided:
    """Give each approval of `batch.ids` the same decision, in order; one that cannot be decided
    (unknown, already decided, the wrong kind) is reported and the others are decided all the same."""
    decided: list[Approval] = []
    failed: list[BatchFailure] = []
    decision = Decision(decision=batch.decision, note=batch.note, tool=batch.tool)
    key = REQUEST_KEY.get()
    for approval_id in batch.ids:
        # Each decision is an update of its own: under the request's key, one per approval, so a
        # retried batch gets each first answer back instead of the first approval's for all.
        own = None if key is None else RequestKey(scope=_scoped(key.scope, approval_id), request=key.request)
        reset = REQUEST_KEY.set(own)
        try:
            decided.append(
                await decide(
                    client=client,
                    store=store,
                    company_id=company_id,
                    approval_id=approval_id,
                    decision=decision,
                    actor=actor,
                )
            )
        except WorkflowUpdateFailedError as error:
            refused = temporal_error_to_api(request, error)
            failed.append(BatchFailure(id=approval_id, code=refused.code, message=refused.message))
        except ApiError as error:
            if error.status_code == 404 and error.message.startswith("company "):
                raise
            failed.append(BatchFailure(id=approval_id, code=error.code, message=error.message))
        finally:
            REQUEST_KEY.reset(reset)
    return BatchDecided(decided=decided, failed=failed)


def _scoped(scope: str, approval_id: str) -> str:
    return hashlib.sha256(f"{scope}:{approval_id}".encode()).hexdigest()[:DIGEST_CHARS]
