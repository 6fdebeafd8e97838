"""The pipelines page, run with AppTest against a real HTTP server that answers like the API: the
company's pipelines, a pipeline's runs (who started each), a run's step graph and its links to the
steps' traces, and the form that starts a run (one Idempotency-Key per form and inputs)."""

from collections.abc import Iterator
from typing import Any

import pytest
from streamlit.testing.v1 import AppTest

from paperclip.models.pipeline_records import PipelineRunRecord
from paperclip.models.pipelines import (
    PipelineInputSpec,
    PipelineRunState,
    PipelineSpec,
    PipelineStep,
    RunStatus,
    StepState,
    StepStatus,
)
from tests.cli.fake_api import FakeApi, company_json
from tests.ui.helpers import APP, T0, dashboard_api
from ui.pipelines_view import STEP_COLOURS

BASE = "/api/companies/acme"
SPEC = PipelineSpec(
    name="review",
    description="Review a **change** ![x](http://evil/p.png)",
    inputs=[
        PipelineInputSpec(name="git_diff"),
        PipelineInputSpec(name="depth", type="integer", required=False, default=2),
        PipelineInputSpec(name="options", type="object", required=False),
    ],
    steps=[
        PipelineStep(id="lint", agent="linter", task="Lint ${inputs.git_diff}"),
        PipelineStep(id="summary", agent="writer", task="Sum ${steps.lint.output}"),
    ],
)
RUN = PipelineRunState(
    company_id="acme",
    run_id="r1",
    pipeline="review",
    version=1,
    status=RunStatus.FAILED,
    started_at=T0,
    error="step summary failed",
    steps=[
        StepState(id="lint", status=StepStatus.DONE, task="ACME-7", excerpt="2 warnings", cost_usd=0.01),
        StepState(id="summary", status=StepStatus.FAILED, task="ACME-8", error="model refused"),
    ],
)
RECORD = PipelineRunRecord(
    company_id="acme",
    run_id="r1",
    pipeline="review",
    version=1,
    digest="d",
    status=RunStatus.FAILED,
    started_by="user:ann",
    started_at=T0,
    state=RUN,
)
STARTED = RUN.model_copy(
    update={"run_id": "r2", "status": RunStatus.RUNNING, "error": None, "steps": [StepState(id="lint")]}
)
REFUSED = {"code": "invalid_input", "message": "input 'git_diff' is required by pipeline review", "details": None}


def json_of(model: Any) -> Any:
    return model.model_dump(mode="json")


@pytest.fixture
def fake_api(monkeypatch: pytest.MonkeyPatch) -> Iterator[FakeApi]:
    summary = {"name": "review", "version": 1, "digest": "d", "versions": 1, "created_at": T0.isoformat()}
    version = {"company_id": "acme", "name": "review", "version": 1, "content": "", "digest": "d"}
    fake = FakeApi(
        routes={
            "GET /api/companies": (200, {"data": [company_json()], "count": 1}),
            f"GET {BASE}/pipelines": (200, {"data": [summary], "count": 1}),
            f"GET {BASE}/pipelines/review": (
                200,
                {"version": version | {"created_at": T0.isoformat()}, "spec": json_of(SPEC)},
            ),
            f"GET {BASE}/pipelines/review/runs": (200, {"data": [json_of(RUN)], "count": 1}),
            f"GET {BASE}/pipeline-runs": (200, {"data": [json_of(RECORD)], "count": 1, "total": 1}),
            f"GET {BASE}/pipeline-runs/r1": (200, json_of(RUN)),
            f"GET {BASE}/pipeline-runs/r2": (200, json_of(STARTED)),
            f"POST {BASE}/pipelines/review/runs": (201, json_of(STARTED)),
        }
    )
    with dashboard_api(fake, monkeypatch) as api:
        yield api


def open_page(**params: str) -> AppTest:
    app = AppTest.from_file(APP, default_timeout=30)
    for name, value in params.items():
        app.query_params[name] = value
    app.switch_page("app_pages/pipelines.py").run()
    assert not app.exception, app.exception
    return app


def test_lists_the_pipeline_its_runs_and_a_runs_graph_with_links_to_its_steps_traces(fake_api: FakeApi) -> None:
    app = open_page()
    pipelines = app.dataframe[0].value
    assert list(pipelines["pipeline"]) == ["review"] and list(pipelines["steps"]) == ["lint · summary"]
    runs = app.dataframe[1].value
    assert list(runs["run"]) == ["r1"] and list(runs["started by"]) == ["user:ann"]
    assert app.selectbox(key="pipelines_run").value == "r1"
    graph = app.get("graphviz_chart")[0].proto.spec
    assert f'fillcolor="{STEP_COLOURS[StepStatus.FAILED]}"' in graph and "model refused" in graph
    steps = app.dataframe[2].value
    assert list(steps["status"]) == ["done", "failed"] and list(steps["error"]) == ["", "model refused"]
    links = [(link.label, link.proto.query_string) for link in app.get("page_link")]
    assert ("lint: ACME-7's trace", "company=acme&task=ACME-7") in links
    assert ("summary: ACME-8's trace", "company=acme&task=ACME-8") in links
    # the pipeline's own text is shown as written, never as Markdown (no image, no bold)
    assert "\\!\\[x\\]\\(http\\://evil/p\\.png\\)" in app.caption[0].value
    assert app.error[0].value == "step summary failed"
    assert "pipelines_cancel" not in [button.key for button in app.button]  # the run has ended


def submit(app: AppTest) -> AppTest:
    next(button for button in app.button if button.label == "Start run").click().run()
    assert not app.exception, app.exception
    return app


def posts(fake: FakeApi) -> list[tuple[Any, str]]:
    """Each run started: its body and its Idempotency-Key."""
    return [
        (body, headers.get("idempotency-key", ""))
        for (method, path, body), headers in zip(fake.received, fake.headers, strict=True)
        if method == "POST"
    ]


def test_the_form_starts_a_run_once_per_key_and_shows_it(fake_api: FakeApi) -> None:
    app = open_page()
    assert app.number_input(key="pipelines_input_review_depth").value == 2  # the default, prefilled
    app.text_area(key="pipelines_input_review_git_diff").input("+line")
    app.text_area(key="pipelines_input_review_options").input('{"strict": true}')
    submit(app)
    assert app.success[0].value == "Started run r2 of review: it is running."
    assert app.query_params["run"] == "r2" and app.selectbox(key="pipelines_run").value == "r2"
    assert "pipelines_cancel" in [button.key for button in app.button]  # a running run can be cancelled
    app.run()  # a later rerun (the page reloads when the run ends) still says what the form did
    assert app.success[0].value == "Started run r2 of review: see it below."
    submit(app)  # the same form again (a double click): the same key, so the API answers the same run
    assert app.info[0].value.startswith("Run r2 was started with these inputs already")
    (first, key), (again, key_again) = posts(fake_api)
    assert first == again == {"inputs": {"git_diff": "+line", "depth": 2, "options": {"strict": True}}}
    assert key and key == key_again
    app.button(key="pipelines_another").click().run()  # a fresh form: a new key
    assert not app.success and not app.info
    submit(app)
    assert posts(fake_api)[-1][1] not in ("", key)


def test_json_that_does_not_parse_is_said_and_nothing_is_sent(fake_api: FakeApi) -> None:
    app = open_page()
    app.text_area(key="pipelines_input_review_options").input("{oops")
    submit(app)
    # (as Markdown-escaped text: the parser's message quotes what was typed)
    assert app.error[0].value.startswith("Cannot start a run of review: input 'options' is not JSON\\: Expecting")
    assert posts(fake_api) == []


def test_the_apis_refusal_is_shown(fake_api: FakeApi) -> None:
    fake_api.routes[f"POST {BASE}/pipelines/review/runs"] = (400, {"error": REFUSED})
    app = open_page()
    submit(app)
    assert posts(fake_api) == [({"inputs": {"depth": 2}}, posts(fake_api)[0][1])]  # the empty diff left out
    assert app.error[0].value == (
        "Cannot start a run of review: input 'git_diff' is required by pipeline review (400 invalid_input)"
    )


def test_a_running_run_is_cancelled_after_a_confirmation(fake_api: FakeApi) -> None:
    cancelled = STARTED.model_copy(update={"status": RunStatus.CANCELLED})
    fake_api.routes[f"POST {BASE}/pipeline-runs/r2/cancel"] = (200, json_of(cancelled))
    app = open_page(run="r2")  # not listed yet (just started): read by its id
    assert app.selectbox(key="pipelines_run").value == "r2"
    app.button(key="pipelines_cancel").click().run()
    assert app.warning[-1].value.startswith("Cancel run r2?")
    assert not [path for method, path, _ in fake_api.received if method == "POST"]
    app.button(key="pipelines_cancel_confirm").click().run()
    assert not app.exception, app.exception
    assert ("POST", f"{BASE}/pipeline-runs/r2/cancel", {"reason": "cancelled from the dashboard"}) in fake_api.received
    assert app.success[0].value == "Run r2 is cancelled."


def test_a_run_of_another_pipeline_in_the_url_is_not_shown(fake_api: FakeApi) -> None:
    other = RUN.model_copy(update={"run_id": "x9", "pipeline": "other"})
    fake_api.routes[f"GET {BASE}/pipeline-runs/x9"] = (200, json_of(other))
    app = open_page(run="x9")
    assert app.selectbox(key="pipelines_run").options == ["r1 · failed"]
    assert app.query_params["run"] == "r1"


def test_without_the_runs_records_the_runs_are_shown_with_who_started_them_blank(fake_api: FakeApi) -> None:
    del fake_api.routes[f"GET {BASE}/pipeline-runs"]  # an API that keeps no records: 404
    app = open_page()
    runs = app.dataframe[1].value
    assert list(runs["run"]) == ["r1"] and list(runs["started by"]) == [""]
    assert app.get("graphviz_chart")  # the run is still shown
