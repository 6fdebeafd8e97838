"""Overview: the chosen company at a glance (refreshed live): agents and tasks by status, this
month's spend against the budgets, pending approvals, recent activity, then its agents and tasks."""

from typing import Any

import streamlit as st

from paperclip.models import TaskStatus
from paperclip.money import cap_text, usd
from paperclip.settings import get_settings
from ui.api_client import ApiError
from ui.charts import AGENT_BAR_COLOURS, TASK_COLOURS, chart_height, status_bars
from ui.figures import against_budget
from ui.rows import (
    activity_rows,
    agent_rows,
    agents_by_status,
    pending_approval_rows,
    spend_rows,
    task_rows,
    tasks_by_status,
)
from ui.session import ACTIVITY, APPROVALS, REFRESH_SECONDS, choose_company, get_api, show_error
from ui.tables import timed_table

# (Comments, not docstrings: a page's bare strings are drawn by Streamlit's magic.)
TASKS_READ = 500  # the most tasks one refresh reads (the newest ones, when the company has more)
RECENT_ROWS = 10  # activity entries shown; the Activity page has the whole log

st.title("Overview")
api = get_api()
company_id = choose_company(api)


def status_chart(rows: list[dict[str, Any]]) -> None:
    """A bar a status, in lifecycle order, each in its status's colour."""
    counted = next(key for key in rows[0] if key not in ("status", "colour"))
    st.bar_chart(rows, x="status", y=counted, color="colour", horizontal=True, sort=False, height=chart_height(rows))


@st.fragment(run_every=REFRESH_SECONDS)
def company_panel(company_id: str) -> None:
    try:
        snapshot = api.get_company(company_id)
        page = api.task_page(company_id, limit=TASKS_READ, order="desc")
    except ApiError as error:
        show_error(f"Cannot load {company_id}", error)
        return
    tasks, total = page.data, page.total
    settings = get_settings()
    if snapshot.spec.mission:
        st.caption(snapshot.spec.mission)
    if snapshot.archived:
        st.info("This company is archived: it takes no new work.")
    elif snapshot.paused:
        st.warning(f"The company is paused{' by its budget' if snapshot.pause_reason == 'budget' else ''}.")
    for warning in snapshot.budget_warnings:
        st.warning(warning)
    if snapshot.simulated_agents:
        st.warning(
            "Simulated: these agents use the offline simulated model, not a real LLM: "
            + ", ".join(snapshot.simulated_agents)
        )

    approvals = pending_approval_rows(snapshot.approvals)
    budget = snapshot.spec.budget
    done = sum(task.status is TaskStatus.DONE for task in tasks)
    agents, done_metric, pending, month, lifetime = st.columns(5)
    agents.metric("Agents", len(snapshot.agents))
    done_metric.metric(
        "Tasks done",
        f"{done} / {len(tasks)}",
        help=None if total == len(tasks) else f"Counted over the newest {len(tasks)} of {total} tasks.",
    )
    pending.metric("Pending approvals", len(approvals))
    month.metric(
        f"Spend {snapshot.month or 'this month'}",
        usd(snapshot.spend.usd),
        delta=against_budget(snapshot.spend, budget),
        delta_color="off",
        delta_arrow="off",
        help=f"{snapshot.spend.tokens:,} tokens this month; budget: {cap_text(*budget.limits)} (UTC month)",
    )
    lifetime.metric("Spend, all time", usd(snapshot.cost_usd))

    by_agent, by_task = st.columns(2)
    by_agent.subheader("Agents by status")
    if snapshot.agents:
        with by_agent:
            status_chart(status_bars(agents_by_status(snapshot), counted="agents", colours=AGENT_BAR_COLOURS))
    else:
        by_agent.caption("No agents yet: hire one on the Agents page.")
    by_task.subheader("Tasks by status")
    if tasks:
        with by_task:
            status_chart(status_bars(tasks_by_status(tasks), counted="tasks", colours=TASK_COLOURS))
    else:
        by_task.caption("No tasks yet: create one on the task board.")
    if total > len(tasks):
        by_task.caption(f"Counted over the newest {len(tasks)} of {total} tasks.")

    st.subheader("Spend against budget, this month")
    st.dataframe(
        spend_rows(snapshot),
        hide_index=True,
        width="stretch",
        column_config={
            "spent (USD)": st.column_config.NumberColumn(format="%.4f"),
            "share": st.column_config.ProgressColumn(
                "share of budget", format="percent", min_value=0, max_value=1, help="Empty: no budget."
            ),
        },
    )

    st.subheader("Pending approvals")
    if approvals:
        timed_table(approvals, "asked at")
    else:
        st.caption("Nothing waits for the board.")
    st.page_link(APPROVALS, label="Approvals", icon="✅", query_params={"company": company_id})

    st.subheader("Recent activity")
    if snapshot.recent:
        timed_table(activity_rows(snapshot.recent[::-1][:RECENT_ROWS]), "at")
    else:
        st.caption("Nothing has happened yet.")
    st.page_link(ACTIVITY, label="All activity", icon="📜", query_params={"company": company_id})

    st.subheader("Agents")
    st.dataframe(agent_rows(snapshot), hide_index=True, width="stretch")

    st.subheader("Tasks")
    if not tasks:
        st.info(f"No tasks yet: `paperclip task assign --company {company_id} AGENT TITLE`.")
        return
    st.dataframe(
        task_rows(
            tasks,
            company_id=company_id,
            temporal_ui_url=settings.temporal_ui_url,
            namespace=settings.temporal_namespace,
        ),
        hide_index=True,
        width="stretch",
        column_config={
            "workflow": st.column_config.LinkColumn("workflow", display_text="Temporal UI ↗"),
            "cost (USD)": st.column_config.NumberColumn(format="%.4f"),
        },
    )


company_panel(company_id)
