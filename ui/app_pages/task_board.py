"""task_board (being built)."""

import streamlit as st

st.title("task_board")
