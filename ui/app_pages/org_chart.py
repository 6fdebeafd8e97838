"""Org chart: who reports to whom, each agent coloured by its status, with its title and role,
the task it is running and this month's spend (refreshed live)."""

import streamlit as st

from ui.api_client import ApiError
from ui.rows import legend_dot, org_dot
from ui.session import AGENTS, REFRESH_SECONDS, choose_company, get_api, show_error

st.title("Org chart")
api = get_api()
company_id = choose_company(api)


@st.fragment(run_every=REFRESH_SECONDS)
def chart(company_id: str) -> None:
    # The snapshot, not `/org`: the org route's nodes carry neither the running task nor this
    # month's spend, and a report's edge is all the tree needs from `reports_to`.
    try:
        snapshot = api.get_company(company_id)
    except ApiError as error:
        show_error(f"Cannot load the org chart of {company_id}", error)
        return
    if not snapshot.agents:
        st.info(f"No agents yet: `paperclip agent hire NAME --company {company_id}`.")
        return
    st.graphviz_chart(org_dot(snapshot), alt=f"The reporting tree of {company_id}")
    st.caption(
        f"Spend is this month's ({snapshot.month or 'none yet'}); ▶ marks the task an agent is running, ↻ one"
        " retrying a failed turn (the attempt and the last failure)."
    )
    st.graphviz_chart(legend_dot(), alt="The colour of each agent status")


chart(company_id)
st.page_link(AGENTS, label="Agents", icon="🤖", query_params={"company": company_id})
