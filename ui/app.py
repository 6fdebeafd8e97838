"""The Paperclip dashboard (Streamlit, multipage): `streamlit run ui/app.py`.

It talks to the API only, at `PAPERCLIP_API_URL`.
"""

from pathlib import Path

import streamlit as st

PAGES = Path(__file__).parent / "app_pages"

st.set_page_config(page_title="Paperclip", page_icon="📎", layout="wide")
navigation = st.navigation([st.Page(PAGES / "companies.py", title="Companies", icon="🏢", default=True)])
navigation.run()
