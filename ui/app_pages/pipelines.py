"""Pipelines: the company's pipelines; a pipeline's runs, newest first; a run's steps as a graph
coloured by status and as a table whose steps link to their tasks' traces (refreshed while the run
runs); a form of the pipeline's inputs that starts a run, and cancelling a running one.

Widgets are keyed: the pickers `pipelines_pick` and `pipelines_run` (kept in the URL as
`?pipeline=` and `?run=`), each input field `pipelines_input_<pipeline>_<input>`, the buttons
`pipelines_another` (a fresh form), `pipelines_cancel` and `pipelines_cancel_confirm`.
"""

import uuid
from collections.abc import Callable
from typing import Any

import streamlit as st

from paperclip import money
from paperclip.models.pipelines import PipelineInputSpec, PipelineRunState, PipelineSpec, StepStatus
from ui.api_client import ApiError
from ui.pipelines_view import (
    FieldPlan,
    FormProblem,
    field_plan,
    form_inputs,
    is_live,
    legend_dot,
    newest_first,
    pipeline_rows,
    plain,
    run_dot,
    run_key,
    run_rows,
    step_rows,
)
from ui.session import REFRESH_SECONDS, TASK_DETAIL, choose_company, get_api, show_error
from ui.tables import timed_table
from ui.times import ago, exact

PIPELINE_PICK = "pipelines_pick"
RUN_PICK = "pipelines_run"
NONCE = "pipelines_form_nonce"
# The run the form last started (the same form sent again answers it again).
STARTED = "pipelines_started"
# What the form said when it started it, said again on later reruns (the page reloads when the run
# ends, which may be before the person has read it) until another run is asked for.
STARTED_SAID = "pipelines_started_said"
# What the last cancel did, shown after the rerun it causes.
OUTCOME = "pipelines_outcome"
CANCELLING = "pipelines_cancelling"

st.title("Pipelines")
api = get_api()
company_id = choose_company(api)


def pick(label: str, options: list[str], *, key: str, param: str, format_func: Callable[[str], str] = str) -> str:
    """A picker kept in the URL (`?param=`): the URL's choice wins when it is one of `options`."""
    wanted = st.query_params.get(param)
    if wanted in options:
        st.session_state[key] = wanted
    elif st.session_state.get(key) not in options:
        st.session_state[key] = options[0]
    chosen: str = st.selectbox(label, options, key=key, format_func=format_func, on_change=_picked, args=(key, param))
    st.query_params[param] = chosen
    return chosen


def _picked(key: str, param: str) -> None:
    st.query_params[param] = st.session_state[key]
    if param == "pipeline":
        st.query_params.pop("run", None)  # the run of another pipeline


def load_pipelines() -> dict[str, tuple[int, PipelineSpec | None]]:
    """Each pipeline's latest version and what it says; stops the page when there is none."""
    try:
        summaries = api.list_pipelines(company_id)
        specs = {s.name: (s.version, api.get_pipeline(company_id, s.name)) for s in summaries}
    except ApiError as error:
        show_error(f"Cannot list the pipelines of {company_id}", error)
        st.stop()
    if not specs:
        st.info(
            f"No pipelines yet: add one with `paperclip pipeline add code-review --company {company_id}` "
            "(or POST its YAML to the API)."
        )
        st.stop()
    return specs


def field(plan: FieldPlan, key: str) -> Any:
    """The widget for one input, its default prefilled."""
    spec = plan.input
    help_text = plain(spec.description) if spec.description else None
    if plan.widget == "boolean":
        return st.checkbox(plan.label, value=plan.value, key=key, help=help_text)
    if plan.widget == "integer":
        whole = None if plan.value is None else int(plan.value)
        return st.number_input(plan.label, value=whole, step=1, key=key, help=help_text)
    if plan.widget == "number":
        real = None if plan.value is None else float(plan.value)
        return st.number_input(plan.label, value=real, key=key, help=help_text, format="%g")
    placeholder = ('{"key": "value"}' if spec.type == "object" else "[1, 2]") if plan.widget == "json" else None
    label = f"{plan.label} — JSON" if plan.widget == "json" else plan.label
    return st.text_area(label, value=plan.value, key=key, help=help_text, placeholder=placeholder)


def run_form(name: str, inputs: list[PipelineInputSpec]) -> None:
    """Start a run with the inputs typed: one key per form and inputs, so a double click starts
    one run; a field that cannot be sent, or the API's refusal, is said as such."""
    nonce = st.session_state.setdefault(NONCE, uuid.uuid4().hex)
    with st.form(f"pipelines_form_{name}"):
        typed = {i.name: field(field_plan(i), f"pipelines_input_{name}_{i.name}") for i in inputs}
        if not inputs:
            st.caption("This pipeline takes no inputs.")
        st.caption("\\* required")
        submitted = st.form_submit_button("Start run", type="primary")
    if not submitted:
        said = st.session_state.get(STARTED_SAID)
        if said and said[0] == name:
            st.success(said[1])
            st.button("Start another run", key="pipelines_another", on_click=_fresh_form)
        return
    try:
        values = form_inputs(inputs, typed)
    except FormProblem as problem:
        st.error(f"Cannot start a run of {name}: {plain(str(problem))}")
        return
    try:
        run = api.start_pipeline_run(company_id, name, values, idempotency_key=run_key(nonce, name, values))
    except ApiError as error:
        show_error(f"Cannot start a run of {name}", error)
        return
    if st.session_state.get(STARTED) == run.run_id:
        st.info(f"Run {run.run_id} was started with these inputs already: it is {run.status.value}.")
    else:
        st.success(f"Started run {run.run_id} of {name}: it is {run.status.value}.")
        st.session_state[STARTED_SAID] = (name, f"Started run {run.run_id} of {name}: see it below.")
    st.session_state[STARTED] = run.run_id
    st.query_params["run"] = run.run_id
    st.button("Start another run", key="pipelines_another", on_click=_fresh_form)


def _fresh_form() -> None:
    st.session_state[NONCE] = uuid.uuid4().hex
    st.session_state.pop(STARTED, None)
    st.session_state.pop(STARTED_SAID, None)


def run_panel(run_id: str, spec_of: Callable[[int], PipelineSpec | None], refreshing: bool) -> None:
    """The run's figures, its step graph and table, links to its steps' tasks, and a cancel
    button while it runs; the page reloads once a run it was refreshing has ended."""
    try:
        run = api.get_pipeline_run(company_id, run_id)
    except ApiError as error:
        show_error(f"Cannot load run {run_id}", error)
        return
    if refreshing and not is_live(run):
        st.rerun()
    status, cost, tokens, steps = st.columns(4)
    status.metric("Status", run.status.value)
    cost.metric("Cost", money.cost(run.cost_usd))
    tokens.metric("Tokens", f"{run.tokens:,}")
    done = sum(step.status is StepStatus.DONE for step in run.steps)
    steps.metric("Steps done", f"{done} / {len(run.steps)}")
    started = f"started {ago(run.started_at)}" if run.started_at else "not started"
    finished = f" · finished {ago(run.finished_at)}" if run.finished_at else ""
    exact_times = "; ".join(
        f"{what} {exact(when)}" for what, when in (("Started", run.started_at), ("finished", run.finished_at)) if when
    )
    st.caption(f"Run {run.run_id} of version {run.version} · {started}{finished}", help=exact_times or None)
    if run.error:
        st.error(plain(run.error))
    st.graphviz_chart(run_dot(spec_of(run.version), run), alt=f"The steps of run {run.run_id}, by status")
    st.graphviz_chart(legend_dot(), alt="The colour of each step status")
    st.dataframe(step_rows(run), hide_index=True, width="stretch")
    for step in run.steps:
        if step.task:
            st.page_link(
                TASK_DETAIL,
                label=f"{step.id}: {step.task}'s trace",
                icon=":material/forum:",
                query_params={"company": company_id, "task": step.task},
            )
    if is_live(run):
        cancel(run)


def cancel(run: PipelineRunState) -> None:
    """Cancel after a confirmation; the API's refusal (a run that has ended) shown."""
    if st.button("Cancel run", key="pipelines_cancel"):
        st.session_state[CANCELLING] = run.run_id
    if st.session_state.get(CANCELLING) != run.run_id:
        return
    st.warning(f"Cancel run {run.run_id}? Its running steps' tasks are cancelled; no step starts any more.")
    if not st.button(f"Yes, cancel {run.run_id}", key="pipelines_cancel_confirm", type="primary"):
        return
    del st.session_state[CANCELLING]
    try:
        ended = api.cancel_pipeline_run(company_id, run.run_id, reason="cancelled from the dashboard")
    except ApiError as error:
        show_error(f"Cannot cancel run {run.run_id}", error)
        return
    st.session_state[OUTCOME] = f"Run {ended.run_id} is {ended.status.value}."
    st.rerun()


specs = load_pipelines()
st.dataframe(pipeline_rows(specs), hide_index=True, width="stretch")
name = pick("Pipeline", list(specs), key=PIPELINE_PICK, param="pipeline")
latest, spec = specs[name]
if spec is None:
    st.warning(f"Version {latest} of {name} no longer validates: it cannot run.")
else:
    if spec.description:
        st.caption(plain(spec.description))
    with st.expander("Start a run", icon=":material/play_arrow:"):
        run_form(name, spec.inputs)

st.subheader("Runs")
outcome = st.session_state.pop(OUTCOME, None)
if outcome:
    st.success(outcome)
try:
    runs = api.list_pipeline_runs(company_id, name)
except ApiError as error:
    show_error(f"Cannot list the runs of {name}", error)
    st.stop()
try:
    records = {record.run_id: record for record in api.pipeline_run_records(company_id, name)}
except ApiError:
    records = {}  # who started each is left blank: the runs themselves are what matters here
if runs:
    timed_table(run_rows(runs, records), "started", "finished")
runs = newest_first(runs)
wanted = st.query_params.get("run")
if wanted and wanted not in {run.run_id for run in runs}:
    # just started (not listed yet), or older than the list: shown when it is this pipeline's
    try:
        found: PipelineRunState | None = api.get_pipeline_run(company_id, wanted)
    except ApiError:
        found = None  # not a run of this company: the picker shows the listed ones
    if found is not None and found.pipeline == name:
        runs.insert(0, found)
if not runs:
    st.info(f"No runs of {name} yet: start one above.")
    st.stop()
status_of = {run.run_id: run.status.value for run in runs}
run_id = pick("Run", list(status_of), key=RUN_PICK, param="run", format_func=lambda i: f"{i} · {status_of[i]}")
versions: dict[int, PipelineSpec | None] = {latest: spec}


def spec_of(version: int) -> PipelineSpec | None:
    """The version a run started from (its steps may differ from the latest's)."""
    if version not in versions:
        try:
            versions[version] = api.get_pipeline(company_id, name, version=version)
        except ApiError:
            versions[version] = None
    return versions[version]


live = status_of[run_id] == "running"
panel = st.fragment(run_every=REFRESH_SECONDS if live else None)(run_panel)
panel(run_id, spec_of, live)
