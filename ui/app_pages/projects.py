"""Projects: the company's projects (lead, goals, target date, workspace, lifetime budget and
what their tasks spent), and a form that adds one."""

import streamlit as st

from paperclip.models import AgentStatus, BudgetReport, CostGroup, CostReport, Goal
from paperclip.models.projects import Project
from ui.api_client import ApiError, parse, parse_list
from ui.projects_view import project_body, project_rows
from ui.session import choose_company, get_api, show_error

st.title("Projects")
api = get_api()
company_id = choose_company(api)
base = f"/api/companies/{company_id}"
try:
    snapshot = api.get_company(company_id)
    projects = parse_list(Project, api.get(f"{base}/projects"))
    goals = parse_list(Goal, api.get(f"{base}/goals"))
    caps = parse(BudgetReport, api.get(f"{base}/budgets")).caps
    spend = parse(CostReport, api.get(f"{base}/costs", group_by=CostGroup.PROJECT.value)).data
except ApiError as error:
    show_error(f"Cannot load the projects of {company_id}", error)
    st.stop()

if projects:
    st.dataframe(project_rows(projects, caps, spend), hide_index=True, use_container_width=True)
    st.caption("The task board filters by project; `paperclip budget set project:KEY` changes a budget.")
else:
    st.info("No projects yet: add one below, or `paperclip project add KEY NAME`.")

with st.expander("New project", icon=":material/add_box:"), st.form("projects_new"):
    key_col, name_col = st.columns([1, 3])
    key = key_col.text_input("Key", key="projects_new_key", max_chars=10, placeholder="WEB")
    name = name_col.text_input("Name", key="projects_new_name", max_chars=200)
    description = st.text_area("Description", key="projects_new_description")
    lead_col, date_col = st.columns(2)
    leads = [a.spec.name for a in snapshot.agents if a.status is not AgentStatus.TERMINATED]
    lead = lead_col.selectbox("Lead", leads, index=None, placeholder="No lead", key="projects_new_lead")
    target = date_col.date_input("Target date", value=None, key="projects_new_target")
    served = st.multiselect(
        "Goals it serves",
        [g.id for g in goals if g.status.is_open],
        key="projects_new_goals",
        format_func=lambda goal_id: f"{goal_id} · {next(g.title for g in goals if g.id == goal_id)}",
    )
    workspace = st.text_input(
        "Workspace (a path under the workspace roots, or an https:// URL)", key="projects_new_workspace"
    )
    usd_col, tokens_col = st.columns(2)
    budget_usd = usd_col.number_input("Budget in USD (optional)", min_value=0.0, value=None, key="projects_new_usd")
    budget_tokens = tokens_col.number_input(
        "Budget in tokens (optional)", min_value=0, value=None, step=1000, key="projects_new_tokens"
    )
    submitted = st.form_submit_button("Add project", type="primary")
if submitted:
    body = project_body(
        key=key,
        name=name,
        description=description,
        lead=lead,
        goals=served,
        workspace=workspace,
        target_date=target,
        budget_usd=budget_usd,
        budget_tokens=None if budget_tokens is None else int(budget_tokens),
    )
    try:
        added = parse(Project, api.post(f"{base}/projects", body))
    except ApiError as error:
        show_error("Cannot add the project", error)
    else:
        st.success(f"Added project {added.key} ({added.name}).")
