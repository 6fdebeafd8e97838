"""Activity: the company's log, newest first, a page at a time; the API filters it by kind (or
family: `task.*`), actor, agent and task. The filters are also this page's query parameters, so
a link can open it filtered (`?company=acme&task=ACME-3`)."""

from typing import Any

import streamlit as st

from paperclip.models import ActivityPublic, AgentState
from ui.api_client import ApiError, parse_list
from ui.rows import SIMULATED_LABEL, activity_rows
from ui.session import choose_company, get_api, show_error
from ui.tables import timed_table

# (Comments, not docstrings: a page's bare strings are drawn by Streamlit's magic.)
FILTERS = ("kind", "actor", "agent", "task")  # the API's filters, each also a query parameter of this page
FAMILIES = [
    "task.*",
    "agent.*",
    "approval.*",
    "budget.*",
    "comment.*",
    "document.*",
    "goal.*",
    "routine.*",
    "company.*",
    "work_product.*",
]
PAGE_SIZES = [50, 100, 200, 500]
CURSORS = "activity_cursors"  # the `before` of each page read so far, with what they page: (scope, [seq, …])

st.title("Activity")
api = get_api()
company_id = choose_company(api)

for name in FILTERS:
    if f"activity_{name}" not in st.session_state and st.query_params.get(name):
        st.session_state[f"activity_{name}"] = st.query_params[name]

try:
    agents = parse_list(AgentState, api.get(f"/api/companies/{company_id}/agents", limit=1000))
except ApiError as error:
    show_error(f"Cannot list the agents of {company_id}", error)
    st.stop()
labels = {a.spec.name: f"{a.spec.name} ({SIMULATED_LABEL})" if a.spec.is_simulated else a.spec.name for a in agents}


def with_current(options: list[str], key: str) -> list[str]:
    """`options`, and the filter's value from the URL when it is not one of them."""
    current = st.session_state.get(key)
    return options + [current] if current and current not in options else options


kind_col, actor_col, agent_col, task_col, size_col = st.columns([2, 2, 2, 2, 1])
kind = kind_col.selectbox(
    "Kind",
    with_current(FAMILIES, "activity_kind"),
    index=None,
    placeholder="any",
    accept_new_options=True,
    key="activity_kind",
    help="A family (`task.*`) or type a kind (`task.created`).",
)
actor = actor_col.text_input("Actor", key="activity_actor", placeholder="board, system, an agent, routine:NAME")
agent = agent_col.selectbox(
    "Agent",
    with_current(list(labels), "activity_agent"),
    index=None,
    placeholder="any",
    format_func=lambda name: labels.get(name, name),
    key="activity_agent",
)
task = task_col.text_input("Task", key="activity_task", placeholder="ACME-3")
size = size_col.selectbox("Per page", PAGE_SIZES, index=1, key="activity_size")

filters: dict[str, Any] = {"kind": kind, "actor": actor.strip(), "agent": agent, "task": task.strip()}
for name, value in filters.items():
    if value:
        st.query_params[name] = value
    elif name in st.query_params:
        del st.query_params[name]

# Paging by cursor: each page asks for the entries before the last one shown. New filters (or
# another company, or page size) start again at the newest.
scope = (company_id, size, *filters.values())
if st.session_state.get(CURSORS, (None,))[0] != scope:
    st.session_state[CURSORS] = (scope, [])
cursors: list[int] = st.session_state[CURSORS][1]

try:
    body = api.get(
        f"/api/companies/{company_id}/activity",
        **{name: value or None for name, value in filters.items()},
        before=cursors[-1] if cursors else None,
        limit=size,
        order="desc",
    )
    entries = parse_list(ActivityPublic, body)
except ApiError as error:
    show_error(f"Cannot read the activity of {company_id}", error)
    st.stop()

if entries:
    timed_table(activity_rows(entries), "at")
elif cursors:
    st.info("No older entries.")
else:
    st.info("No activity matches these filters." if any(filters.values()) else "No activity yet.")


def newer() -> None:
    cursors.pop()


def older(seq: int) -> None:
    cursors.append(seq)


first, back, forward, where = st.columns([1, 1, 1, 4])
first.button("⇤ Newest", key="activity_newest", disabled=not cursors, on_click=cursors.clear)
back.button("← Newer", key="activity_newer", disabled=not cursors, on_click=newer)
forward.button(
    "Older →",
    key="activity_older",
    disabled=len(entries) < size,
    on_click=older,
    args=(entries[-1].seq if entries else 0,),
)
where.caption(f"Page {len(cursors) + 1}, newest first, {len(entries)} entries.")
