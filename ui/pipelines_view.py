"""The pipelines page's graph, tables and run form, from the shared models (pure functions, no
Streamlit).

A run's steps are drawn as Graphviz DOT (`run_dot`): one box per step filled by its status, an
edge from each step to those that need it (`paperclip.pipeline_runs.needs`, the run's own rule).
Step ids, agents and errors are user data: they reach DOT only as escaped quoted strings, under
node names of our own (`s0`, `s1`, …). The run form's fields become the API's `inputs` through
`form_inputs`, which judges only what a widget cannot (JSON text); the API judges the rest.
"""

import hashlib
import json
from dataclasses import dataclass
from typing import Any

from paperclip import money
from paperclip.errors import InvalidInput
from paperclip.models.pipeline_records import PipelineRunRecord
from paperclip.models.pipelines import (
    PipelineInputSpec,
    PipelineRunState,
    PipelineSpec,
    RunStatus,
    StepState,
    StepStatus,
)
from paperclip.pipeline_runs import needs, step_ids
from ui.rows import _escape, _quote

PIPELINES = "app_pages/pipelines.py"
"""The page, as a path relative to `ui/app.py` (what `st.page_link` and `st.switch_page` take)."""

STEP_COLOURS: dict[StepStatus, str] = {
    StepStatus.PENDING: "#e5e7eb",
    StepStatus.WAITING_APPROVAL: "#ddd6fe",
    StepStatus.RUNNING: "#bfdbfe",
    StepStatus.DONE: "#86efac",
    StepStatus.FAILED: "#fca5a5",
    StepStatus.SKIPPED: "#ffffff",
    StepStatus.CANCELLED: "#fde68a",
}
"""The graph's fill colour of each step status (and its legend's)."""
LABEL_CHARS = 40
"""Characters of a step's agent or error a node shows at most (the table has the whole)."""
JSON_TYPES = ("object", "array")
"""Input types typed as JSON text."""


def run_dot(spec: PipelineSpec | None, run: PipelineRunState | None = None) -> str:
    """The pipeline's steps as a DOT digraph, each box filled by its status in `run` (pending
    without a run) and labelled with its id, agent and status; an edge from each step to each
    step that needs it. Without a spec (one that no longer validates) the run's steps are drawn
    without edges."""
    states = {step.id: step for step in run.steps} if run is not None else {}
    ids = step_ids(spec) if spec is not None else [step.id for step in run.steps] if run is not None else []
    agents = {i: s.agent or f"template {s.template}" for i, s in zip(ids, spec.steps, strict=True)} if spec else {}
    nodes = {step_id: f"s{n}" for n, step_id in enumerate(ids)}
    lines = [
        "digraph pipeline {",
        "  rankdir=LR;",
        '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=10];',
        '  edge [color="#6b7280"];',
    ]
    for step_id, node in nodes.items():
        state = states.get(step_id)
        status = state.status if state is not None else StepStatus.PENDING
        label = [step_id, agents.get(step_id, ""), status.value.replace("_", " ")]
        if state is not None and state.error:
            label.append(_short(state.error))
        text = "\\n".join(_escape(_short(line)) for line in label if line)
        lines.append(f'  {node} [label="{text}", {_step_style(status)}];')
    for step_id, before in (needs(spec) if spec is not None else {}).items():
        lines += [f"  {nodes[first]} -> {nodes[step_id]};" for first in sorted(before) if first in nodes]
    lines.append("}")
    return "\n".join(lines)


def legend_dot() -> str:
    """One box per step status, in a row, filled as in `run_dot`."""
    nodes = [f"  {_quote(status.value.replace('_', ' '))} [{_step_style(status)}];" for status in STEP_COLOURS]
    return "\n".join(
        [
            "digraph legend {",
            '  node [shape=box, style="rounded,filled", fontname="Helvetica", fontsize=9, height=0.2];',
            *nodes,
            "}",
        ]
    )


def _step_style(status: StepStatus) -> str:
    fill = f'fillcolor="{STEP_COLOURS[status]}"'
    return fill + ', style="rounded,filled,dashed"' if status is StepStatus.SKIPPED else fill


def _short(text: str, width: int = LABEL_CHARS) -> str:
    text = " ".join(text.split())
    return text if len(text) <= width else text[: width - 1] + "…"


def pipeline_rows(specs: dict[str, tuple[int, PipelineSpec | None]]) -> list[dict[str, Any]]:
    """The pipelines table: name → (latest version, what it says)."""
    rows = []
    for name, (version, spec) in specs.items():
        rows.append(
            {
                "pipeline": name,
                "version": version,
                "description": spec.description if spec else "(no longer validates)",
                "steps": " · ".join(step_ids(spec)) if spec else "",
                "inputs": ", ".join(i.name for i in spec.inputs) if spec else "",
            }
        )
    return rows


def newest_first(runs: list[PipelineRunState]) -> list[PipelineRunState]:
    return sorted(runs, key=lambda r: r.started_at.timestamp() if r.started_at else 0.0, reverse=True)


def run_rows(runs: list[PipelineRunState], records: dict[str, PipelineRunRecord]) -> list[dict[str, Any]]:
    """The runs table, newest first: who started each comes from the store's record of it."""
    return [
        {
            "run": run.run_id,
            "status": run.status.value,
            "started": run.started_at,
            "finished": run.finished_at,
            "cost": money.cost(run.cost_usd),
            "tokens": run.tokens,
            "started by": records[run.run_id].started_by if run.run_id in records else "",
            "version": run.version,
        }
        for run in newest_first(runs)
    ]


def step_rows(run: PipelineRunState) -> list[dict[str, Any]]:
    """The run's steps table, in the document's order."""
    return [_step_row(step) for step in run.steps]


def _step_row(step: StepState) -> dict[str, Any]:
    return {
        "step": step.id,
        "status": step.status.value.replace("_", " "),
        "task": step.task or "",
        "excerpt": step.excerpt,
        "cost": money.cost(step.cost_usd),
        "tokens": step.tokens,
        "error": step.error or "",
        "approval": step.approval or "",
    }


def is_live(run: PipelineRunState) -> bool:
    return run.status is RunStatus.RUNNING


# ---------------------------------------------------------------------------- the run form


class FormProblem(InvalidInput):
    """A field of the run form that cannot be sent (JSON text that does not parse)."""


@dataclass(frozen=True)
class FieldPlan:
    """How the form asks for one input: its widget (`text`, `number`, `integer`, `boolean`,
    `json`), label and first value."""

    input: PipelineInputSpec
    widget: str
    label: str
    value: Any


def field_plan(spec: PipelineInputSpec) -> FieldPlan:
    """The widget for an input, its label (`*` marks a required one with no default) and its
    default prefilled (JSON text for an object or array)."""
    widget = "json" if spec.type in JSON_TYPES else "text" if spec.type == "string" else spec.type
    mark = " *" if spec.required and spec.default is None else ""
    label = f"{spec.name}{mark} ({spec.type})"
    value: Any = spec.default
    if widget == "json":
        value = "" if spec.default is None else json.dumps(spec.default, indent=2, ensure_ascii=False)
    elif widget == "text":
        value = "" if spec.default is None else str(spec.default)
    elif widget == "boolean":
        value = bool(spec.default)
    return FieldPlan(input=spec, widget=widget, label=label, value=value)


def form_inputs(specs: list[PipelineInputSpec], typed: dict[str, Any]) -> dict[str, Any]:
    """The API's `inputs` from what the form's widgets hold (by input name): an empty text or
    number is left out (the pipeline's default applies, or the API says it is required); JSON
    text is parsed.

    Raises:
        FormProblem: JSON text that does not parse, or is not of the input's type.
    """
    inputs: dict[str, Any] = {}
    for spec in specs:
        value = typed.get(spec.name)
        if value is None or (isinstance(value, str) and not value.strip() and spec.type != "string"):
            continue
        if spec.type == "string":
            if value != "":
                inputs[spec.name] = value
        elif spec.type in JSON_TYPES:
            inputs[spec.name] = _json(spec, value)
        elif spec.type == "integer":
            inputs[spec.name] = int(value)
        elif spec.type == "number":
            inputs[spec.name] = float(value)
        else:
            inputs[spec.name] = bool(value)
    return inputs


def _json(spec: PipelineInputSpec, text: str) -> Any:
    try:
        value = json.loads(text)
    except ValueError as error:
        raise FormProblem(f"input '{spec.name}' is not JSON: {error}") from None
    wanted = dict if spec.type == "object" else list
    if not isinstance(value, wanted):
        raise FormProblem(f"input '{spec.name}' must be a JSON {spec.type}, not {type(value).__name__}")
    return value


def run_key(nonce: str, pipeline: str, inputs: dict[str, Any]) -> str:
    """The `Idempotency-Key` of a form submission: the form's nonce (new when the reader asks
    for another run) with the pipeline and inputs sent, so a double click, or the same form sent
    again, sends one key (one run), while other inputs are another run."""
    body = json.dumps({"pipeline": pipeline, "inputs": inputs}, sort_keys=True, ensure_ascii=False)
    return f"dashboard-run-{hashlib.sha256(f'{nonce}:{body}'.encode()).hexdigest()[:32]}"


MARKDOWN_SPECIALS = frozenset("\\`*_{}[]()<>#+-.!|~$=:")
"""What Streamlit's Markdown may read as markup (`:` too: `:red[...]` and emoji shortcodes)."""


def plain(text: str) -> str:
    """`text` for a Streamlit Markdown element (a caption, an alert, a label) shown as written: each
    character Markdown could read as markup backslash-escaped, so a pipeline's or a model's text
    makes no link, image, colour or formula."""
    return "".join(f"\\{char}" if char in MARKDOWN_SPECIALS else char for char in text)
