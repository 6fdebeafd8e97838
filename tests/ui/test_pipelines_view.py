"""The pipelines page's pure parts: the step graph's DOT (colours, edges, hostile text), the run
form's values as the API's inputs, the idempotency key, and Markdown-safe text."""

import re
from typing import Any

import pytest

from paperclip.models.pipelines import (
    PipelineInputSpec,
    PipelineRunState,
    PipelineSpec,
    PipelineStep,
    RunStatus,
    StepState,
    StepStatus,
)
from ui.pipelines_view import (
    STEP_COLOURS,
    FormProblem,
    field_plan,
    form_inputs,
    legend_dot,
    plain,
    run_dot,
    run_key,
    run_rows,
)

SPEC = PipelineSpec(
    name="review",
    inputs=[PipelineInputSpec(name="git_diff")],
    steps=[
        PipelineStep(agent="linter", task="Lint ${git_diff}", input=["git_diff"], output="lint_results"),
        PipelineStep(id="security", agent="security", task="Check", input=["lint_results"]),
        PipelineStep(id="notes", agent="writer", task="Notes on ${inputs.git_diff}"),
        PipelineStep(id="summary", agent="writer", task="Sum ${steps.security.output}", needs=["notes", "security"]),
    ],
)


def run(*steps: StepState, status: RunStatus = RunStatus.RUNNING) -> PipelineRunState:
    return PipelineRunState(company_id="acme", run_id="r1", pipeline="review", version=1, status=status, steps=steps)


def node_of(dot: str, step_id: str) -> str:
    """The node line whose label starts with `step_id`."""
    return next(line for line in dot.splitlines() if f'[label="{step_id}\\n' in line)


def node_name(dot: str, step_id: str) -> str:
    return node_of(dot, step_id).split()[0]


def test_each_step_is_filled_by_its_status_and_edges_follow_needs() -> None:
    dot = run_dot(
        SPEC,
        run(
            StepState(id="lint_results", status=StepStatus.DONE),
            StepState(id="security", status=StepStatus.FAILED, error="boom"),
            StepState(id="notes", status=StepStatus.WAITING_APPROVAL),
        ),
    )
    assert f'fillcolor="{STEP_COLOURS[StepStatus.DONE]}"' in node_of(dot, "lint_results")
    assert f'fillcolor="{STEP_COLOURS[StepStatus.FAILED]}"' in node_of(dot, "security")
    assert '"security\\nsecurity\\nfailed\\nboom"' in node_of(dot, "security")
    assert "waiting approval" in node_of(dot, "notes")
    assert f'fillcolor="{STEP_COLOURS[StepStatus.PENDING]}"' in node_of(dot, "summary")  # not in the run yet
    edges = {tuple(line.strip(" ;").split(" -> ")) for line in dot.splitlines() if "->" in line}
    name = {step: node_name(dot, step) for step in ("lint_results", "security", "notes", "summary")}
    assert edges == {
        (name["lint_results"], name["security"]),  # reads its output by name
        (name["security"], name["summary"]),  # needs, for its ${steps.security.output}
        (name["notes"], name["summary"]),  # needs
    }


def test_colours_differ_by_status_and_a_skipped_step_is_dashed() -> None:
    assert len(set(STEP_COLOURS.values())) == len(StepStatus)
    dot = run_dot(SPEC, run(StepState(id="notes", status=StepStatus.SKIPPED)))
    assert 'style="rounded,filled,dashed"' in node_of(dot, "notes")
    assert all(f'fillcolor="{colour}"' in legend_dot() for colour in STEP_COLOURS.values())


HOSTILE = 'x"]; evil [label="pwned" URL="javascript:alert(1)"]; a -> b; //\\'


def test_hostile_step_text_stays_inside_its_quoted_label() -> None:
    step = StepState(id="security", status=StepStatus.FAILED, error=HOSTILE + "\nnext line")
    dot = run_dot(SPEC, run(step))
    line = node_of(dot, "security")
    # every quote in the label is escaped, so the label is one DOT string and nothing follows it
    label = re.search(r'label="((?:[^"\\]|\\.)*)"', line)
    assert label is not None and line[label.end() :].startswith(", fillcolor=")
    assert sum("->" in text for text in dot.splitlines()) == 3  # no edge added by the text
    assert "\n" not in label.group(1)
    nodes = [text for text in dot.splitlines() if "[label=" in text]
    assert len(nodes) == len(SPEC.steps)


QUOTED = re.compile(r'"(?:[^"\\]|\\.)*"')
"""A DOT quoted string, as Graphviz reads one (`\\"` and `\\\\` inside it)."""


def test_the_hostile_graph_has_the_structure_of_a_harmless_one() -> None:
    hostile = run_dot(SPEC, run(StepState(id="security", status=StepStatus.FAILED, error=HOSTILE)))
    harmless = run_dot(SPEC, run(StepState(id="security", status=StepStatus.FAILED, error="boom")))
    assert QUOTED.sub('""', hostile) == QUOTED.sub('""', harmless)
    assert not any(line.rstrip().endswith("\\") for line in hostile.splitlines())
    # a step's id is data too (a run's state holds what its workflow says): a node name is ours
    by_id = run_dot(None, run(StepState(id=HOSTILE), StepState(id="b")))
    assert QUOTED.sub('""', by_id) == QUOTED.sub('""', run_dot(None, run(StepState(id="a"), StepState(id="b"))))


def test_without_a_spec_the_runs_steps_are_drawn_without_edges() -> None:
    dot = run_dot(None, run(StepState(id="a", status=StepStatus.DONE), StepState(id="b")))
    assert "->" not in dot and node_name(dot, "a") == "s0" and node_name(dot, "b") == "s1"


def test_long_errors_are_cut_in_the_graph() -> None:
    dot = run_dot(SPEC, run(StepState(id="security", status=StepStatus.FAILED, error="e" * 500)))
    assert "e" * 39 + "…" in dot and "e" * 41 not in dot


def spec(name: str, type_: Any, **extra: Any) -> PipelineInputSpec:
    return PipelineInputSpec(name=name, type=type_, **extra)


def test_form_values_become_typed_inputs() -> None:
    specs = [
        spec("text", "string"),
        spec("count", "integer"),
        spec("ratio", "number"),
        spec("flag", "boolean"),
        spec("options", "object"),
        spec("paths", "array"),
    ]
    typed = {
        "text": "multi\nline",
        "count": 3.0,
        "ratio": 0.5,
        "flag": False,
        "options": '{"deep": true}',
        "paths": ' ["a", "b"] ',
    }
    assert form_inputs(specs, typed) == {
        "text": "multi\nline",
        "count": 3,
        "ratio": 0.5,
        "flag": False,
        "options": {"deep": True},
        "paths": ["a", "b"],
    }


def test_empty_fields_are_left_for_the_api_to_default_or_refuse() -> None:
    specs = [spec("text", "string"), spec("count", "integer"), spec("options", "object"), spec("n", "number")]
    assert form_inputs(specs, {"text": "", "count": None, "options": "  ", "n": None}) == {}


@pytest.mark.parametrize(
    ("type_", "text", "message"),
    [
        ("object", "{not json", "input 'x' is not JSON: Expecting property name"),
        ("object", "[1]", "input 'x' must be a JSON object, not list"),
        ("array", '{"a": 1}', "input 'x' must be a JSON array, not dict"),
    ],
)
def test_json_that_does_not_fit_is_a_clear_problem(type_: str, text: str, message: str) -> None:
    with pytest.raises(FormProblem) as problem:
        form_inputs([spec("x", type_)], {"x": text})
    assert str(problem.value).startswith(message)


def test_fields_are_planned_by_type_with_required_marked_and_defaults_prefilled() -> None:
    assert field_plan(spec("diff", "string")).label == "diff * (string)"
    assert field_plan(spec("files", "string", required=False, default="a.py")).value == "a.py"
    assert field_plan(spec("files", "string", required=False)).label == "files (string)"
    assert field_plan(spec("opts", "object", default={"k": [1]})).value == '{\n  "k": [\n    1\n  ]\n}'
    assert field_plan(spec("opts", "object", default={"k": 1})).label == "opts (object)"  # has a default
    assert [field_plan(spec("x", t)).widget for t in ("string", "number", "integer", "boolean", "array")] == [
        "text",
        "number",
        "integer",
        "boolean",
        "json",
    ]
    assert field_plan(spec("flag", "boolean")).value is False


def test_one_key_per_form_and_inputs() -> None:
    key = run_key("n1", "review", {"a": 1, "b": "x"})
    assert key == run_key("n1", "review", {"b": "x", "a": 1})  # a double click: the same key
    assert key != run_key("n2", "review", {"a": 1, "b": "x"})  # "start another run"
    assert key != run_key("n1", "review", {"a": 2, "b": "x"})
    assert key != run_key("n1", "other", {"a": 1, "b": "x"})
    assert re.fullmatch(r"[\x21-\x7e]{1,255}", key)  # what the API takes as a key


def test_plain_text_makes_no_markdown() -> None:
    hostile = "![x](http://evil/p.png) [link](javascript:x) <b>bold</b> $x$ :red[alert] **b**"
    shown = plain(hostile)
    assert re.search(r"(?<!\\)[!\[\]()<>*$:]", shown) is None  # every markup character escaped
    assert shown.replace("\\", "") == hostile


def test_runs_are_listed_newest_first_with_who_started_them() -> None:
    from datetime import UTC, datetime

    from paperclip.models.pipeline_records import PipelineRunRecord

    older = run().model_copy(update={"run_id": "old", "started_at": datetime(2026, 1, 1, tzinfo=UTC)})
    newer = run().model_copy(update={"run_id": "new", "started_at": datetime(2026, 1, 2, tzinfo=UTC), "cost_usd": 0.5})
    record = PipelineRunRecord(
        company_id="acme",
        run_id="new",
        pipeline="review",
        version=1,
        digest="d",
        status=RunStatus.RUNNING,
        started_by="user:ann",
        started_at=datetime(2026, 1, 2, tzinfo=UTC),
        state=newer,
    )
    rows = run_rows([older, newer], {"new": record})
    assert [(r["run"], r["started by"], r["status"]) for r in rows] == [
        ("new", "user:ann", "running"),
        ("old", "", "running"),
    ]
    assert rows[0]["cost"].startswith("$0.5")
