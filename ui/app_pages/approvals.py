"""Approvals: what agents (and budgets) ask the board, pending and decided; approve, reject or
request a revision, with a note; several at once (tick them, then approve or reject the selected).
A tool call shows the tool, what it acts on, the agent's reason and why it asked; it may be allowed
for the rest of the task, or run with edited arguments. The page reloads itself when the pending
approvals change.

Widgets are keyed by approval: `approve_AP-1`, `reject_AP-1`, `revise_AP-1`, the note `note_AP-1`,
the tick `pick_AP-1`, a tool call's `for_task_AP-1` and `arguments_AP-1`; the batch buttons
`approve_selected` and `reject_selected`.
"""

import json
from typing import Any

import streamlit as st

from paperclip.models import Approval, ApprovalKind, ApprovalStatus
from ui.api_client import ApiError, parse, parse_list
from ui.rows import model_label
from ui.session import COSTS, REFRESH_SECONDS, TASK_DETAIL, choose_company, get_api, show_error
from ui.tables import timed_table
from ui.times import ago, exact

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


def tool_part(approval_id: str, decision: ApprovalStatus) -> dict[str, Any] | None:
    """A tool call's scope and edited arguments, as typed (None: neither); raises ValueError for
    arguments that are not a JSON object."""
    if decision is not ApprovalStatus.APPROVED:
        return None
    for_task = bool(st.session_state.get(f"for_task_{approval_id}"))
    typed = (st.session_state.get(f"arguments_{approval_id}") or "").strip()
    if not for_task and not typed:
        return None
    tool: dict[str, Any] = {"scope": "task" if for_task else "once"}
    if typed:
        edited = json.loads(typed)
        if not isinstance(edited, dict):
            raise ValueError("the edited arguments must be a JSON object")
        tool["arguments"] = edited
    return tool


def decide(approval_id: str, decision: ApprovalStatus) -> None:
    """POST the board's decision with the note typed; keep what came of it for the rerun."""
    note = st.session_state.get(f"note_{approval_id}") or ""
    try:
        tool = tool_part(approval_id, decision)
    except ValueError as error:
        st.session_state[OUTCOME] = f"!Cannot {VERB[decision]} {approval_id}: edited arguments: {error}"
        return
    body = {"decision": decision.value, "note": note} | ({"tool": tool} if tool else {})
    try:
        approval = parse(Approval, api.post(f"{approvals_path}/{approval_id}/decision", body))
    except ApiError as error:
        st.session_state[OUTCOME] = (f"Cannot {VERB[decision]} {approval_id}", error)
        return
    st.session_state[OUTCOME] = f"{approval.id} {approval.status.replace('_', ' ')}: {approval.title}"


def decide_selected(ids: list[str], decision: ApprovalStatus) -> None:
    """POST one decision for every ticked approval; say which were decided and which not."""
    picked = [approval_id for approval_id in ids if st.session_state.get(f"pick_{approval_id}")]
    if not picked:
        st.session_state[OUTCOME] = "!Tick the approvals to decide first"
        return
    try:
        answer = api.post(f"{approvals_path}/decisions", {"ids": picked, "decision": decision.value})
    except ApiError as error:
        st.session_state[OUTCOME] = (f"Cannot {VERB[decision]} {', '.join(picked)}", error)
        return
    done = ", ".join(a["id"] for a in answer["decided"])
    verb = "Approved" if decision is ApprovalStatus.APPROVED else "Rejected"
    failed = "; ".join(f"{f['id']}: {f['message']}" for f in answer["failed"])
    st.session_state[OUTCOME] = (
        f"{verb} {done}" + (f" (not decided: {failed})" if failed else "") if done else f"!{failed}"
    )


def asked(approval: Approval) -> str:
    return f"asked by {approval.requested_by} {ago(approval.created_at)}"


def tool_call_details(approval: Approval) -> None:
    """The waiting call: tool, subject, the agent's reason and why it asked; its scope and edits."""
    call = approval.tool_call
    assert call is not None
    st.markdown(f"Tool **`{call.tool}`**" + (f" on `{call.subject}`" if call.subject else ""))
    if call.reason:
        st.markdown(f"Reason: {call.reason}")
    if call.why_asked:
        st.caption(f"Why it asks: {call.why_asked}")
    st.code(json.dumps(call.arguments, indent=2), language="json", wrap_lines=True)
    st.checkbox("Allow for the rest of the task", key=f"for_task_{approval.id}")
    st.text_area(
        "Edited arguments (JSON; empty: as asked)", key=f"arguments_{approval.id}", placeholder='{"command": "…"}'
    )


def pending_card(approval: Approval) -> None:
    with st.container(border=True):
        escalated = " · ⏫ escalated" if approval.escalated else ""
        st.checkbox("Select", key=f"pick_{approval.id}", help="Tick several, then approve or reject the selected")
        st.markdown(f"**{approval.id}** · `{approval.kind}`{escalated} · **{approval.title}**")
        st.caption(asked(approval), help=f"Asked {exact(approval.created_at)}")
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
        if approval.tool_call is not None:
            tool_call_details(approval)
        if approval.kind is ApprovalKind.REVIEW:
            st.info("Approve: the task is done. Reject or ask a revision: it goes back to its agent with your note.")
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
        "tool": approval.tool_call.tool if approval.tool_call else "",
        "scope": approval.decision.scope if approval.decision else "",
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
if isinstance(outcome, str) and outcome.startswith("!"):
    st.warning(outcome[1:])
elif isinstance(outcome, str):
    st.success(outcome)
elif outcome is not None:
    show_error(*outcome)

pending = [approval for approval in approvals if approval.status is ApprovalStatus.PENDING]
decided = [approval for approval in approvals if approval.status is not ApprovalStatus.PENDING]
pending_tab, decided_tab = st.tabs([f"Pending ({len(pending)})", f"Decided ({len(decided)})"])
with pending_tab:
    if not pending:
        st.info("Nothing waits for the board.")
    elif len(pending) > 1:
        batch = st.container(horizontal=True)
        ids = [approval.id for approval in pending]
        for prefix, label, decision in BUTTONS[:2]:
            batch.button(
                f"{label} selected",
                key=f"{prefix}_selected",
                type="primary" if decision is ApprovalStatus.APPROVED else "secondary",
                on_click=decide_selected,
                args=(ids, decision),
            )
    for approval in pending:
        pending_card(approval)
with decided_tab:
    if decided:
        timed_table([decided_row(approval) for approval in decided], "decided at")
    else:
        st.info("No decisions yet.")
watch(pending_ids(pending))
