"""Approvals: what agents (and budgets) ask the board, pending and decided; approve, reject or
request a revision, with a note. The page reloads itself when the pending approvals change.

Buttons are keyed by approval: `approve_AP-1`, `reject_AP-1`, `revise_AP-1`, the note `note_AP-1`.
"""

from typing import Any

import streamlit as st

from paperclip.models import Approval, ApprovalKind, ApprovalStatus
from ui.api_client import ApiError, parse, parse_list
from ui.rows import model_label
from ui.session import COSTS, REFRESH_SECONDS, TASK_DETAIL, choose_company, get_api, show_error

# What the last decision did: a success line, or (what failed, the `ApiError`).
OUTCOME = "approvals_outcome"
# Key prefix, label and decision of each button.
BUTTONS = (
    ("approve", "Approve", ApprovalStatus.APPROVED),
    ("reject", "Reject", ApprovalStatus.REJECTED),
    ("revise", "Request revision", ApprovalStatus.REVISION_REQUESTED),
)
VERB = {
    ApprovalStatus.APPROVED: "approve",
    ApprovalStatus.REJECTED: "reject",
    ApprovalStatus.REVISION_REQUESTED: "ask for a revision of",
}

st.title("Approvals")
api = get_api()
company_id = choose_company(api)
approvals_path = f"/api/companies/{company_id}/approvals"


def decide(approval_id: str, decision: ApprovalStatus) -> None:
    """POST the board's decision with the note typed; keep what came of it for the rerun."""
    note = st.session_state.get(f"note_{approval_id}") or ""
    try:
        body = api.post(f"{approvals_path}/{approval_id}/decision", {"decision": decision.value, "note": note})
        approval = parse(Approval, body)
    except ApiError as error:
        st.session_state[OUTCOME] = (f"Cannot {VERB[decision]} {approval_id}", error)
        return
    st.session_state[OUTCOME] = f"{approval.id} {approval.status.replace('_', ' ')}: {approval.title}"


def asked(approval: Approval) -> str:
    return f"asked by {approval.requested_by} on {approval.created_at:%Y-%m-%d %H:%M} UTC"


def pending_card(approval: Approval) -> None:
    with st.container(border=True):
        escalated = " · ⏫ escalated" if approval.escalated else ""
        st.markdown(f"**{approval.id}** · `{approval.kind}`{escalated} · **{approval.title}**")
        st.caption(asked(approval))
        if approval.task:
            st.page_link(
                TASK_DETAIL,
                label=f"Task {approval.task}",
                icon="💬",
                query_params={"company": company_id, "task": approval.task},
            )
        if approval.details:
            st.markdown(approval.details)
        if approval.agent is not None:
            hire = approval.agent
            st.markdown(
                f"Hire **{hire.name}** ({hire.role}{f', {hire.title}' if hire.title else ''}), reports to "
                f"{hire.reports_to or 'nobody'}, on {model_label(hire.model)}"
            )
        if approval.kind is ApprovalKind.BUDGET_OVERRIDE:
            st.info("To approve, raise the budget: that resumes the scope and approves this. Reject keeps it paused.")
            st.page_link(COSTS, label="Raise the budget", icon="💰", query_params={"company": company_id})
        st.text_area("Note", key=f"note_{approval.id}", placeholder="Why; for a revision, what to change")
        buttons = st.container(horizontal=True)
        for prefix, label, decision in BUTTONS:
            buttons.button(
                label,
                key=f"{prefix}_{approval.id}",
                type="primary" if decision is ApprovalStatus.APPROVED else "secondary",
                on_click=decide,
                args=(approval.id, decision),
            )


def decided_row(approval: Approval) -> dict[str, Any]:
    return {
        "id": approval.id,
        "kind": approval.kind.value,
        "title": approval.title,
        "decision": approval.status.value,
        "note": approval.note,
        "decided by": approval.decided_by or "",
        "decided at": approval.decided_at,
        "asked by": approval.requested_by,
        "task": approval.task or "",
        "details": approval.details,
    }


def pending_ids(approvals: list[Approval]) -> list[str]:
    return sorted(approval.id for approval in approvals if approval.status is ApprovalStatus.PENDING)


@st.fragment(run_every=REFRESH_SECONDS)
def watch(shown: list[str]) -> None:
    """Reload the page once the pending approvals differ from those shown (asked or decided elsewhere)."""
    try:
        pending = parse_list(Approval, api.get(approvals_path, status=ApprovalStatus.PENDING.value))
    except ApiError:
        return  # the page shows the failure on its next run
    if pending_ids(pending) != shown:
        st.rerun()


try:
    approvals = parse_list(Approval, api.get(approvals_path))
except ApiError as error:
    show_error(f"Cannot list the approvals of {company_id}", error)
    st.stop()

outcome = st.session_state.pop(OUTCOME, None)
if isinstance(outcome, str):
    st.success(outcome)
elif outcome is not None:
    show_error(*outcome)

pending = [approval for approval in approvals if approval.status is ApprovalStatus.PENDING]
decided = [approval for approval in approvals if approval.status is not ApprovalStatus.PENDING]
pending_tab, decided_tab = st.tabs([f"Pending ({len(pending)})", f"Decided ({len(decided)})"])
with pending_tab:
    if not pending:
        st.info("Nothing waits for the board.")
    for approval in pending:
        pending_card(approval)
with decided_tab:
    if decided:
        st.dataframe([decided_row(approval) for approval in decided], hide_index=True, width="stretch")
    else:
        st.info("No decisions yet.")
watch(pending_ids(pending))
