"""task_detail (being built)."""

import streamlit as st

st.title("task_detail")
