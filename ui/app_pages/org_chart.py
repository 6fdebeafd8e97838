"""org_chart (being built)."""

import streamlit as st

st.title("org_chart")
