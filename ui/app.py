"""The Paperclip dashboard (Streamlit, multipage): `streamlit run ui/app.py`.

It talks to the API only, at `PAPERCLIP_API_URL` (with the session's API key, if it logged in).
"""

from pathlib import Path

import streamlit as st

from ui import session

HERE = Path(__file__).parent

st.set_page_config(page_title="Paperclip", page_icon="📎", layout="wide")
pages = [
    st.Page(HERE / session.OVERVIEW, title="Overview", icon="🏢", default=True),
    st.Page(HERE / session.ORG_CHART, title="Org chart", icon="🌳"),
    st.Page(HERE / session.TASK_BOARD, title="Task board", icon="🗂️"),
    st.Page(HERE / session.TASK_DETAIL, title="Task detail", icon="💬"),
    st.Page(HERE / session.AGENTS, title="Agents", icon="🤖"),
    st.Page(HERE / session.COSTS, title="Costs", icon="💰"),
    st.Page(HERE / session.APPROVALS, title="Approvals", icon="✅"),
    st.Page(HERE / session.ACTIVITY, title="Activity", icon="📜"),
    st.Page(HERE / session.LOGIN, title="Log in", icon="🔑"),
]
st.navigation(pages).run()
