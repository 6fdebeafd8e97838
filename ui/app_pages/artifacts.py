"""Artifacts: what the company's tasks produced (commits, branches, pull requests, files,
documents, URLs), newest first, by kind or task; each row links to its task. The filters are
also this page's query parameters (`?company=acme&kind=pull_request`)."""

import streamlit as st

from paperclip.models.work_products import WorkProductKind
from ui.session import TASK_DETAIL, choose_company, get_api
from ui.work_products_view import products_table, read_products

# (Comments, not docstrings: a page's bare strings are drawn by Streamlit's magic.)
KINDS = [kind.value for kind in WorkProductKind]
LIMITS = [50, 100, 200, 500, 1000]
TASK_LINKS = 20  # tasks linked below the table at most

st.title("Artifacts")
api = get_api()
company_id = choose_company(api)

if "artifacts_kind" not in st.session_state and st.query_params.get("kind") in KINDS:
    st.session_state["artifacts_kind"] = st.query_params["kind"]
if "artifacts_task" not in st.session_state and st.query_params.get("task"):
    st.session_state["artifacts_task"] = st.query_params["task"]
kind_col, task_col, limit_col = st.columns([2, 2, 1])
kind = kind_col.selectbox("Kind", KINDS, index=None, placeholder="any", key="artifacts_kind")
task = task_col.text_input("Task", key="artifacts_task", placeholder="ACME-12").strip() or None
limit = limit_col.selectbox("Show", LIMITS, index=1, key="artifacts_limit")
for name, value in (("kind", kind), ("task", task)):
    if value:
        st.query_params[name] = value
    else:
        st.query_params.pop(name, None)

products = read_products(api, company_id, task=task, kind=kind, limit=limit)
if products is None:
    st.stop()
if not products:
    st.info("No work products yet: commits, pull requests and what agents declare on completing show here.")
    st.stop()
st.caption(f"{len(products)} newest first")
products_table(products, with_task=True, key="artifacts_table")
tasks = list(dict.fromkeys(p.task for p in products))
st.markdown("**Their tasks**")
for identifier in tasks[:TASK_LINKS]:
    st.page_link(TASK_DETAIL, label=identifier, query_params={"company": company_id, "task": identifier})
