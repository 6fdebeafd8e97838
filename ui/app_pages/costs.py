"""Costs: what the company's model calls cost, by agent, model and day; its budgets with spent
against limit; budget incidents; and a form that sets (raises) a scope's monthly budget."""

from datetime import UTC, datetime
from typing import Any

import streamlit as st

from paperclip.models import (
    COMPANY_SCOPE,
    Approval,
    ApprovalKind,
    ApprovalStatus,
    BudgetLine,
    BudgetReport,
    CostGroup,
    CostReport,
)
from paperclip.money import cap_text, usd
from ui.api_client import ApiError, parse, parse_list
from ui.charts import nothing_to_chart
from ui.figures import compact
from ui.money import (
    PERIODS,
    Measure,
    budget_body,
    budget_rows,
    cache_text,
    cap_rows,
    chart_rows,
    since,
    tokens,
)
from ui.rows import SIMULATED_LABEL
from ui.session import APPROVALS, choose_company, get_api, show_error

# What the last budget set did: a success line, or (what failed, the `ApiError`).
OUTCOME = "costs_outcome"
SHARE = st.column_config.ProgressColumn("share", min_value=0.0, max_value=1.0, format="percent")

st.title("Costs")
api = get_api()
company_id = choose_company(api)
base = f"/api/companies/{company_id}"


def set_budget(scope: str) -> None:
    """PUT the scope's whole monthly budget as the form holds it; keep what came of it for the rerun."""
    body = budget_body(st.session_state[f"costs_usd_{scope}"], st.session_state[f"costs_tokens_{scope}"])
    try:
        line = parse(BudgetLine, api.put(f"{base}/budgets/{scope}", body))
    except ApiError as error:
        st.session_state[OUTCOME] = (f"Cannot set the budget of {scope}", error)
        return
    st.session_state[OUTCOME] = (
        f"The monthly budget of {scope} is now {cap_text(line.monthly_usd, line.monthly_tokens)} "
        f"({usd(line.spent_usd)}, {line.spent_tokens:,} tokens spent; {line.status})."
    )


def spend_chart(
    rows: list[dict[str, Any]], group: str, measure: Measure, *, simulated_only: bool, sort: bool = True
) -> None:
    """Bars of `rows`' `measure` by `group` (largest first unless not `sort`), or why there are none."""
    empty = nothing_to_chart(rows, measure, simulated_only=simulated_only)
    if empty:
        st.info(empty, icon=":material/bar_chart_off:")
    else:
        st.bar_chart(rows, x=group, y=measure, sort=f"-{measure}" if sort else False)


# ---------------------------------------------------------------------------- spend

left, right = st.columns(2)
period = left.selectbox("Period", PERIODS, key="costs_period")
measure: Measure = right.radio("Measure", ["USD", "tokens"], key="costs_measure", horizontal=True)
start = since(period, datetime.now(UTC))
groups = (CostGroup.AGENT, CostGroup.MODEL, CostGroup.DAY)
try:
    reports = {
        group: parse(
            CostReport,
            api.get(f"{base}/costs", group_by=group.value, since=start.isoformat() if start else None),
        )
        for group in groups
    }
except ApiError as error:
    show_error(f"Cannot read the costs of {company_id}", error)
    reports = {}

if reports:
    total = reports[CostGroup.AGENT].total
    spend, calls, used, cached, unpriced = st.columns(5)
    spend.metric("Spend (USD)", usd(total.cost_usd))
    calls.metric("Model calls", compact(total.calls), help=f"{total.calls:,} calls")
    used.metric("Tokens", compact(tokens(total)), help=f"{tokens(total):,}: input and output, as budgets count them")
    cached.metric(
        "Prompt cache",
        f"{compact(total.usage.cached_input_tokens)} / {compact(total.usage.cache_write_tokens)}",
        help=f"Read / written: {cache_text(total.usage)}; input tokens read from the providers' prompt caches and "
        "written to them, "
        "each priced as billed (Anthropic: a read at 0.1x the input price, a write at 1.25x)",
    )
    unpriced.metric(
        "Unpriced calls", compact(total.unpriced_calls), help="Counted in tokens only: their USD is unknown"
    )
    for warning in reports[CostGroup.AGENT].warnings:
        st.warning(warning)
    if not total.calls:
        st.info("No model calls in this period.")
    else:
        models = chart_rows(reports[CostGroup.MODEL].data, group=CostGroup.MODEL, measure=measure)
        free = all(row["model"] == SIMULATED_LABEL for row in models)
        by_agent, by_model = st.columns(2)
        with by_agent:
            st.subheader("By agent")
            agents = chart_rows(reports[CostGroup.AGENT].data, group=CostGroup.AGENT, measure=measure)
            spend_chart(agents, "agent", measure, simulated_only=free)
        with by_model:
            st.subheader("By model")
            spend_chart(models, "model", measure, simulated_only=free)
            if any(row["model"] == SIMULATED_LABEL for row in models):
                st.caption(f"{SIMULATED_LABEL}: the offline simulated model, not a real LLM; its calls cost nothing.")
        st.subheader("By day (UTC)")
        days = chart_rows(reports[CostGroup.DAY].data, group=CostGroup.DAY, measure=measure)
        spend_chart(days, "day", measure, simulated_only=free, sort=False)
        if len(days) == 1 and not nothing_to_chart(days, measure):
            st.caption(f"One day of spend so far ({days[0]['day']}): a bar a day as the days go by.")

# ---------------------------------------------------------------------------- budgets

st.header("Budgets")
try:
    budgets = parse(BudgetReport, api.get(f"{base}/budgets"))
    overrides = parse_list(
        Approval,
        api.get(f"{base}/approvals", status=ApprovalStatus.PENDING.value, kind=ApprovalKind.BUDGET_OVERRIDE.value),
    )
except ApiError as error:
    show_error(f"Cannot read the budgets of {company_id}", error)
    st.stop()

month = next((line.month for line in budgets.data if line.month), None)
st.caption(
    f"Monthly budgets{f' in {month}' if month else ''} (UTC month), the company's first; "
    f"the board is warned at {budgets.soft_limit:.0%} of a budget."
)
st.dataframe(budget_rows(budgets), hide_index=True, width="stretch", column_config={"share": SHARE})
if budgets.caps:
    st.subheader("Lifetime caps")
    st.dataframe(cap_rows(budgets), hide_index=True, width="stretch", column_config={"share": SHARE})

st.subheader("Incidents")
for warning in budgets.warnings:
    st.warning(warning)
for approval in overrides:
    st.error(f"{approval.id}: {approval.title}")
if overrides:
    st.caption("Raising the budget below resumes the scope and approves its request; rejecting keeps it paused.")
    st.page_link(APPROVALS, label="Reject on the Approvals page", icon="✅", query_params={"company": company_id})
if not budgets.warnings and not overrides:
    st.success("No budget incidents this month.")

st.subheader("Set a monthly budget")
lines = {line.scope: line for line in budgets.data}
scope: str = st.selectbox(
    "Scope",
    list(lines),
    key="costs_scope",
    format_func=lambda scope: "the company (every agent together)" if scope == COMPANY_SCOPE else f"agent {scope}",
)
line = lines[scope]
with st.form("costs_budget"):
    st.number_input(
        "Monthly USD (empty: no USD cap)", value=line.monthly_usd, step=1.0, format="%.2f", key=f"costs_usd_{scope}"
    )
    st.number_input(
        "Monthly tokens (empty: no token cap)", value=line.monthly_tokens, step=1000, key=f"costs_tokens_{scope}"
    )
    st.form_submit_button("Set budget", key="costs_set_budget", type="primary", on_click=set_budget, args=(scope,))
outcome = st.session_state.pop(OUTCOME, None)
if isinstance(outcome, str):
    st.success(outcome)
elif outcome is not None:
    show_error(*outcome)
