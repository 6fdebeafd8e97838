"""approvals (being built)."""

import streamlit as st

st.title("approvals")
