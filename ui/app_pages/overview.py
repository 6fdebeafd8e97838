"""Overview: the chosen company's agents and tasks (refreshed live)."""

import streamlit as st

from paperclip.settings import get_settings
from ui.api_client import ApiError
from ui.rows import agent_rows, task_rows
from ui.session import REFRESH_SECONDS, choose_company, get_api, show_error

st.title("Overview")
api = get_api()
company_id = choose_company(api)


@st.fragment(run_every=REFRESH_SECONDS)
def company_panel(company_id: str) -> None:
    try:
        snapshot = api.get_company(company_id)
        tasks = api.list_tasks(company_id)
    except ApiError as error:
        show_error(f"Cannot load {company_id}", error)
        return
    settings = get_settings()
    if snapshot.spec.mission:
        st.caption(snapshot.spec.mission)
    done = sum(task.status == "done" for task in tasks)
    left, middle, right = st.columns(3)
    left.metric("Agents", len(snapshot.agents))
    middle.metric("Tasks done", f"{done} / {len(tasks)}")
    right.metric("Spend (USD)", f"{snapshot.cost_usd:.4f}")
    if snapshot.simulated_agents:
        st.warning(
            "Simulated: these agents use the offline simulated model, not a real LLM: "
            + ", ".join(snapshot.simulated_agents)
        )

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
