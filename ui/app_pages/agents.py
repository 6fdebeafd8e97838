"""agents (being built)."""

import streamlit as st

st.title("agents")
