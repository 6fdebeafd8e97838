"""Log in with an API key (when the API requires one), or log out."""

import streamlit as st

from ui.api_client import ApiError, DashboardApi
from ui.session import KEY_STATE, OVERVIEW, api_key, api_url

st.title("Log in")
st.caption(f"API: {api_url()}")

current = api_key()
if current:
    st.success(f"Logged in with key `{current.split('_')[1] if current.count('_') >= 2 else '…'}`.")
    if KEY_STATE in st.session_state and st.button("Log out", key="logout"):
        del st.session_state[KEY_STATE]
        st.rerun()

with st.form("login"):
    key = st.text_input("API key", type="password", placeholder="pck_…", key="login_key")
    submitted = st.form_submit_button("Log in")
if submitted:
    key = key.strip()
    if not key:
        st.error("Paste an API key: `paperclip token create` makes one.")
    else:
        try:
            DashboardApi(api_url(), api_key=key).list_companies()
        except ApiError as error:
            st.error(f"The API refused this key: {error}")
        else:
            st.session_state[KEY_STATE] = key
            st.switch_page(OVERVIEW)
