"""The Paperclip dashboard (Streamlit, multipage): `streamlit run ui/app.py`.

It talks to the API only, at `PAPERCLIP_API_URL` (with the session's API key, if it logged in).
"""

from pathlib import Path

import streamlit as st

from ui import session
from ui.pipelines_view import PIPELINES
from ui.work_products_view import ARTIFACTS

HERE = Path(__file__).parent

st.set_page_config(page_title="Paperclip", page_icon=":material/attach_file:", layout="wide")
pages = [
    st.Page(HERE / session.OVERVIEW, title="Overview", icon=":material/dashboard:", default=True),
    st.Page(HERE / session.ORG_CHART, title="Org chart", icon=":material/account_tree:"),
    st.Page(HERE / session.TASK_BOARD, title="Task board", icon=":material/view_kanban:"),
    st.Page(HERE / session.TASK_DETAIL, title="Task detail", icon=":material/forum:"),
    st.Page(HERE / session.PROJECTS, title="Projects", icon=":material/folder_special:"),
    st.Page(HERE / session.AGENTS, title="Agents", icon=":material/smart_toy:"),
    st.Page(HERE / session.COSTS, title="Costs", icon=":material/payments:"),
    st.Page(HERE / PIPELINES, title="Pipelines", icon=":material/schema:"),
    st.Page(HERE / ARTIFACTS, title="Artifacts", icon=":material/inventory_2:"),
    st.Page(HERE / session.APPROVALS, title="Approvals", icon=":material/fact_check:"),
    st.Page(HERE / session.ACTIVITY, title="Activity", icon=":material/history:"),
    st.Page(HERE / session.LOGIN, title="Log in", icon=":material/key:"),
]
st.navigation(pages).run()
