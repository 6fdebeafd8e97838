"""Task detail: one task's status, cost and tokens, its conversation replayed as a chat, its
subtask tree (refreshed live); its documents (read any revision, edit, restore) and its files (download
one, upload another); comment on it, cancel it, open its workflow in the Temporal Web UI."""

import streamlit as st

from paperclip import money
from paperclip.models import CommentPosted, TaskDetail, TaskRecord, TaskStatus, Trace
from paperclip.settings import get_settings
from ui.api_client import ApiError, parse
from ui.attachments_view import attachments_panel
from ui.documents_view import documents_panel
from ui.figures import tokens_brief, tokens_exact
from ui.money import cache_text, uses_cache
from ui.rows import workflow_url
from ui.session import REFRESH_SECONDS, TASK_BOARD, TASK_DETAIL, choose_company, get_api, show_error
from ui.times import ago, exact
from ui.trace_view import (
    chat_entries,
    no_math,
    replay_events,
    step_caption,
    subtask_rows,
)
from ui.work_products_view import task_products

# The most tasks the API lists at once (the picker's choice).
MAX_TASKS = 1000
PICKER = "detail_task_picker"
REPLAY = "replay_step"
# (task, events) the replay slider last had: it follows new events only when it stood at the end.
REPLAYED = "detail_replayed"
# (company, task) last shown: a company picked since then drops that task from the URL.
SHOWN = "detail_shown"
INDENT = "\u2003"
CANCELLING = "detail_cancelling"

st.title("Task detail")
api = get_api()
company_id = choose_company(api)


def _picked() -> None:
    st.query_params["task"] = st.session_state[PICKER]


def choose_task(company_id: str) -> str:
    """The task in the URL (`?task=`), else the one picked here (newest first); stops the page
    when the company has none."""
    shown_company, shown_task = st.session_state.get(SHOWN, (company_id, None))
    if shown_company != company_id and st.query_params.get("task") == shown_task:
        del st.query_params["task"]  # another company was picked in the sidebar: not its task
        st.session_state.pop(PICKER, None)
    try:
        tasks = api.list_tasks(company_id, limit=MAX_TASKS)
    except ApiError as error:
        show_error(f"Cannot list the tasks of {company_id}", error)
        st.stop()
    titles = {task.identifier: task.title for task in sorted(tasks, key=lambda t: t.created_at, reverse=True)}
    ids = list(titles)
    wanted = st.query_params.get("task")
    if wanted and wanted not in titles:
        ids.insert(0, wanted)
    if not ids:
        st.info("No tasks yet: create one on the task board.")
        st.page_link(TASK_BOARD, label="Task board", icon=":material/view_kanban:")
        st.stop()
    if wanted:
        st.session_state[PICKER] = wanted
    elif st.session_state.get(PICKER) not in ids:
        st.session_state[PICKER] = ids[0]
    identifier: str = st.selectbox(
        "Task", ids, key=PICKER, format_func=lambda i: f"{i} · {titles.get(i, '')}", on_change=_picked
    )
    st.query_params["task"] = identifier
    st.session_state[SHOWN] = (company_id, identifier)
    return identifier


def link(identifier: str, label: str) -> None:
    st.page_link(TASK_DETAIL, label=label, query_params={"company": company_id, "task": identifier})


@st.fragment(run_every=REFRESH_SECONDS)
def live_panel(company_id: str, identifier: str) -> None:
    path = f"/api/companies/{company_id}/tasks/{identifier}"
    try:
        task = parse(TaskDetail, api.get(path))
    except ApiError as error:
        show_error(f"Cannot load {identifier}", error)
        return
    st.subheader(f"{task.identifier}: {no_math(task.title)}")
    status, assignee, cost, tokens = st.columns(4)
    status.metric("Status", task.status.value)
    assignee.metric("Assignee", task.assignee)
    cost.metric("Cost", money.cost(task.cost_usd))
    tokens.metric("Tokens (in / out)", tokens_brief(task.usage), help=tokens_exact(task.usage))
    cache = f" · prompt cache {cache_text(task.usage)}" if uses_cache(task.usage) else ""
    serves = f" · serves {task.goal}" if task.goal else ""
    st.caption(
        f"Priority {task.priority.value} · {task.turns} turn{'' if task.turns == 1 else 's'}{cache}{serves}"
        f" · opened {ago(task.created_at)} · updated {ago(task.updated_at)}",
        help=f"Opened {exact(task.created_at)}; updated {exact(task.updated_at)}",
    )
    if task.held:
        st.warning(f"Held before its next turn: {task.held}.", icon=":material/pause_circle:")
    if task.blocked_reason:
        st.error(f"Blocked before it started: {task.blocked_reason}.", icon=":material/block:")
    elif task.blocked_by:
        inputs = ", ".join(task.inputs)
        st.caption(f"Waits on {', '.join(task.blocked_by)}" + (f" · given the results of {inputs}" if inputs else ""))
    if task.retry:
        st.warning(
            f"Retrying its {task.retry.model} turn: {no_math(task.retry.describe())}.", icon=":material/autorenew:"
        )
    if task.unconfirmed.attempts:
        lost = task.unconfirmed
        st.caption(
            f"{lost.attempts} call(s) lost with their worker, charged at their worst case: "
            f"{lost.tokens:,} tokens, {money.cost(lost.usd)} (included in the spend)."
        )
    if task.parent:
        link(task.parent, f"Delegated by {task.parent}")
    settings = get_settings()
    url = workflow_url(settings.temporal_ui_url, settings.temporal_namespace, company_id, identifier)
    st.link_button("Workflow in the Temporal Web UI ↗", url)
    if task.result:
        st.markdown("**Result**")
        st.markdown(no_math(task.result))
    task_products(api, company_id, identifier)
    trace: Trace | None = None
    if task.status is TaskStatus.QUEUED:
        st.info("Queued: its workflow, and the conversation, start when the company dispatches it.")
    elif task.blocked_reason:
        st.info("It never started: no workflow, no conversation.")
    else:
        try:
            trace = parse(Trace, api.get(f"{path}/trace", format="json"))
        except ApiError as error:
            show_error(f"Cannot load the conversation of {identifier}", error)
    if trace is not None:
        st.subheader("Conversation")
        replay(trace)
    rows = subtask_rows(trace, task.subtasks)
    if rows:
        st.subheader("Subtasks")
        for row in rows:
            link(row.identifier, f"{INDENT * row.depth}{row.identifier} · {row.status} — {row.title} ({row.assignee})")


def replay(trace: Trace) -> None:
    """The conversation up to the replay slider's step (the last one, unless moved back)."""
    if trace.simulated:
        st.warning("Simulated: turns of this task ran on the offline simulated model (a demo), not a real LLM.")
    with_subtasks = st.toggle(
        "With the subtasks' conversations", key="detail_with_subtasks", disabled=not trace.children
    )
    events = replay_events(trace, subtasks=with_subtasks)
    if not events:
        st.info("Nothing said yet.")
        return
    total = len(events)
    last_task, last_total = st.session_state.get(REPLAYED, (None, None))
    if last_task != trace.identifier:
        st.session_state.pop(REPLAY, None)
    at = st.session_state.get(REPLAY)
    start = at if isinstance(at, int) and at != last_total and at <= total else total
    st.session_state[REPLAYED] = (trace.identifier, total)
    shown = total
    if total > 1:
        shown = st.slider(
            "Replay", min_value=1, max_value=total, value=start, key=REPLAY, help="Step through the conversation."
        )
    st.caption(f"Step {shown} of {total} · {step_caption(events[shown - 1])}")
    for entry in chat_entries(trace, events[:shown]):
        with st.chat_message(entry.name, avatar=entry.avatar):
            st.markdown(entry.header)
            if entry.body:
                st.markdown(entry.body)
            if entry.code:
                st.code(entry.code, language=entry.language, wrap_lines=True)
            if entry.footnote:
                st.markdown(entry.footnote)
            if entry.meta:
                st.caption(entry.meta)


def comment(company_id: str, identifier: str) -> None:
    with st.form("detail_comment_form", clear_on_submit=True):
        body = st.text_area("Comment to the agent", key="detail_comment", placeholder="`@name` wakes that agent too")
        sent = st.form_submit_button("Post comment")
    if not sent:
        return
    if not body.strip():
        st.warning("Write a comment first.")
        return
    try:
        posted = parse(
            CommentPosted, api.post(f"/api/companies/{company_id}/tasks/{identifier}/comments", {"body": body})
        )
    except ApiError as error:
        show_error(f"Cannot comment on {identifier}", error)
        return
    others = [task for task in posted.reached if task != identifier]
    also = f"; it also reached {', '.join(others)} (@-mentioned)" if others else ""
    st.success(f"Comment posted on {identifier}{also}. The agents read it on their next turn.")


def cancel(company_id: str, identifier: str) -> None:
    """Cancel with a reason, after a confirmation; the API's refusal (a finished task) shown."""
    reason = st.text_input("Reason for cancelling", key="detail_cancel_reason")
    if st.button("Cancel task", key="detail_cancel"):
        st.session_state[CANCELLING] = identifier
    if st.session_state.get(CANCELLING) != identifier:
        return
    st.warning(f"Cancel {identifier} and every subtask under it? This cannot be undone.")
    yes, no = st.columns(2)
    if no.button("Keep it", key="detail_cancel_keep"):
        del st.session_state[CANCELLING]
        st.rerun()
    if not yes.button(f"Yes, cancel {identifier}", key="detail_cancel_confirm", type="primary"):
        return
    del st.session_state[CANCELLING]
    try:
        task = parse(TaskRecord, api.post(f"/api/companies/{company_id}/tasks/{identifier}/cancel", {"reason": reason}))
    except ApiError as error:
        show_error(f"Cannot cancel {identifier}", error)
        return
    st.success(f"{task.identifier} is {task.status.value}.")


identifier = choose_task(company_id)
live_panel(company_id, identifier)
attachments_panel(api, company_id, identifier)
st.divider()
documents_panel(api, company_id, identifier)
st.divider()
left, right = st.columns(2)
with left:
    comment(company_id, identifier)
with right:
    cancel(company_id, identifier)
