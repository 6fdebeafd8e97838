"""Agents: the company's agents and a form that hires one; one agent (`?agent=`) with its config,
live status, spend and recent tasks, and the board's levers where they apply: pause, resume,
terminate (after a yes)."""

from typing import Any

import streamlit as st

from paperclip.models import AgentDetail, AgentSpec, AgentState, AgentStatus
from paperclip.money import cap_text, usd
from ui.agents_view import applies, hire_form, why_not
from ui.api_client import ApiError, parse, parse_list
from ui.figures import budget_brief
from ui.rows import model_label, runs_on_label
from ui.session import COSTS, REFRESH_SECONDS, TASK_DETAIL, choose_company, get_api, show_error

RECENT_TASKS = 10
# What the last action did: a success line, or (what failed, the `ApiError`).
OUTCOME = "agents_outcome"
# The agent whose termination waits for a yes.
CONFIRM = "agents_confirm_terminate"
DONE = {"pause": "Paused", "resume": "Resumed", "terminate": "Terminated"}

st.title("Agents")
api = get_api()
company_id = choose_company(api)
agents_path = f"/api/companies/{company_id}/agents"


def simulated(spec: AgentSpec) -> bool:
    return spec.is_simulated


def status_text(agent: AgentState) -> str:
    return f"{agent.status} ({agent.pause_reason})" if agent.pause_reason else str(agent.status)


def agent_row(agent: AgentState) -> dict[str, Any]:
    spec = agent.spec
    return {
        "agent": spec.name,
        "title": spec.title,
        "role": spec.role.value,
        "reports to": spec.reports_to or "",
        "runs on": runs_on_label(spec),
        "status": status_text(agent),
        "running": agent.running,
        "spent this month (USD)": round(agent.spend.usd, 4),
        "monthly budget": cap_text(spec.budget.monthly_usd, spec.budget.monthly_tokens),
    }


def act(name: str, action: str) -> None:
    """POST the board's action (with the reason typed, if any); keep what came of it for the rerun."""
    st.session_state.pop(CONFIRM, None)
    reason = st.session_state.get(f"agents_reason_{name}") or ""
    try:
        state = parse(AgentState, api.post(f"{agents_path}/{name}/{action}", {"reason": reason} if reason else None))
    except ApiError as error:
        st.session_state[OUTCOME] = (f"Cannot {action} {name}", error)
        return
    st.session_state[OUTCOME] = f"{DONE[action]} {name}: now {status_text(state)}."


def ask_to_terminate(name: str) -> None:
    st.session_state[CONFIRM] = name


def keep_agent() -> None:
    st.session_state.pop(CONFIRM, None)


@st.fragment(run_every=REFRESH_SECONDS)
def live_panel(name: str) -> None:
    """The agent's status, spend and recent tasks, read again every few seconds."""
    try:
        agent = parse(AgentDetail, api.get(f"{agents_path}/{name}"))
        tasks = api.list_tasks(company_id, assignee=name, limit=RECENT_TASKS, order="desc")
    except ApiError as error:
        show_error(f"Cannot load {name}", error)
        return
    spec, spend = agent.spec, agent.spend
    status, month, budget, lifetime = st.columns(4)
    status.metric(
        "Status",
        agent.status.value.replace("_", " "),
        delta=agent.pause_reason,
        delta_color="off",
        delta_arrow="off",
    )
    month.metric("Spent this month (USD)", usd(spend.usd), help=f"{spend.tokens:,} tokens; UTC month")
    limit, also = budget_brief(spec.budget)
    budget.metric(
        "Monthly budget",
        limit,
        delta=also,
        delta_color="off",
        delta_arrow="off",
        help=cap_text(spec.budget.monthly_usd, spec.budget.monthly_tokens),
    )
    lifetime.metric("Cost so far (USD)", usd(agent.cost_usd), help="Every call it made, in any month")
    if spec.budget.is_capped:
        share = spend.share(spec.budget)
        st.progress(min(share, 1.0), text=f"{share:.0%} of its monthly budget spent")
    if agent.pause_reason == "budget":
        st.warning(f"{name} is paused: its monthly budget is spent. Raise it to let it work again.")
        st.page_link(COSTS, label="Raise the budget on the Costs page", icon="💰", query_params={"company": company_id})
    if spend.reserved_usd or spend.reserved_tokens:
        st.caption(f"Running calls have reserved up to {usd(spend.reserved_usd)}, {spend.reserved_tokens:,} tokens.")

    st.subheader("Recent tasks")
    if not tasks:
        st.info(f"No tasks for {name} yet.")
    for task in tasks:
        st.page_link(
            TASK_DETAIL,
            label=f"{task.identifier} · {task.title} · {task.status} · {usd(task.cost_usd)}",
            query_params={"company": company_id, "task": task.identifier},
        )


try:
    agents = parse_list(AgentState, api.get(agents_path, limit=1000))
except ApiError as error:
    show_error(f"Cannot list the agents of {company_id}", error)
    st.stop()
hire_form(api, agents_path, agents)
if not agents:
    st.info("No agents yet: hire one above.")
    st.stop()

st.dataframe(
    [agent_row(agent) for agent in agents],
    hide_index=True,
    width="stretch",
    column_config={"spent this month (USD)": st.column_config.NumberColumn(format="%.4f")},
)

by_name = {agent.spec.name: agent for agent in agents}
name: str = st.selectbox("Agent", list(by_name), key="agent", bind="query-params")
agent = by_name[name]
spec = agent.spec

st.header(f"{name} · {spec.title}" if spec.title else name)
if simulated(spec):
    st.warning(f"Simulated: {name} runs on the offline simulated model, not a real LLM (its calls cost nothing).")
config = {
    "Role": spec.role.value,
    "Title": spec.title or "—",
    "Reports to": spec.reports_to or "— (top of the org chart)",
    "Runs on": runs_on_label(spec),
    "Adapter": spec.adapter.value,
    "Fallback models": ", ".join(model_label(model) for model in spec.fallback_models) or "none",
    "Monthly budget": cap_text(spec.budget.monthly_usd, spec.budget.monthly_tokens),
    "Turns per task (max)": spec.max_turns,
    "Tasks at once (max)": spec.max_concurrent_runs,
    "Capabilities": spec.capabilities or "—",
}
with st.expander("Config", expanded=True):
    st.markdown("\n".join(f"- **{label}**: {value}" for label, value in config.items()))

st.subheader("Board actions")
terminated = agent.status is AgentStatus.TERMINATED
st.text_input("Reason (optional, kept in the activity log)", key=f"agents_reason_{name}", disabled=terminated)
buttons = st.container(horizontal=True)
for action, label, then in (("pause", "Pause", act), ("resume", "Resume", act), ("terminate", "Terminate", None)):
    buttons.button(
        label,
        key=f"agents_{action}",
        on_click=then or ask_to_terminate,
        args=(name, action) if then else (name,),
        disabled=not applies(action, agent.status),
        help=why_not(action, agent.status),
    )
if st.session_state.get(CONFIRM) == name:
    st.warning(f"Terminate {name}? Its tasks are cancelled and its reports move to its manager. This cannot be undone.")
    confirm = st.container(horizontal=True)
    confirm.button(
        f"Yes, terminate {name}", key="agents_terminate_yes", type="primary", on_click=act, args=(name, "terminate")
    )
    confirm.button("Cancel", key="agents_terminate_no", on_click=keep_agent)
outcome = st.session_state.pop(OUTCOME, None)
if isinstance(outcome, str):
    st.success(outcome)
elif outcome is not None:
    show_error(*outcome)

live_panel(name)
