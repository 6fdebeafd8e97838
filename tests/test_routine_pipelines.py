"""The pipeline routine's vocabulary and its schedule (no server needed): exactly one of a task
and a pipeline, named after the pipeline, and a schedule whose run carries the pipeline and its
inputs and no task."""

import pytest
from pydantic import ValidationError
from temporalio.client import ScheduleActionStartWorkflow

from paperclip.models import RoutineInput, RoutineSpec
from paperclip.routine_runs import run_id_of, started_by
from paperclip.routines import build_schedule


def test_a_pipeline_routine_is_named_after_its_pipeline_and_its_schedule_runs_it() -> None:
    spec = RoutineSpec.model_validate({"pipeline": "nightly", "inputs": {"scope": "billing"}, "every": "1h"})
    assert (spec.name, spec.agent, spec.title) == ("nightly", None, None)
    action = build_schedule("acme", spec, task_queue="q").action
    assert isinstance(action, ScheduleActionStartWorkflow)
    (run,) = action.args
    assert run == RoutineInput(company_id="acme", routine="nightly", pipeline="nightly", inputs={"scope": "billing"})
    assert run.task is None


@pytest.mark.parametrize(
    ("fields", "reason"),
    [
        ({"pipeline": "nightly", "agent": "pm", "title": "t"}, "not both"),
        ({"pipeline": "nightly", "brief": "b"}, "not both"),
        ({"name": "r"}, "give agent and title"),
        ({"name": "r", "agent": "pm"}, "give agent and title"),
        ({"agent": "pm", "title": "t", "inputs": {"a": 1}}, "inputs are a pipeline's"),
        ({"pipeline": "Not A Name"}, "pipeline"),
    ],
)
def test_a_routine_is_a_task_or_a_pipeline_run_exactly(fields: dict[str, object], reason: str) -> None:
    with pytest.raises(ValidationError, match=reason):
        RoutineSpec.model_validate({"every": 3600} | fields)


def test_a_fire_names_its_run_and_the_routine_its_starter() -> None:
    nine, ten = "routine-run:acme:nightly-2026-12-03T09:00:00Z", "routine-run:acme:nightly-2026-12-03T10:00:00Z"
    assert run_id_of(nine, "run-a") == run_id_of(nine, "run-a")
    assert run_id_of(nine, "run-a") != run_id_of(ten, "run-a")
    assert run_id_of(nine, "run-a") != run_id_of(nine, "run-b")  # two triggers in one second
    assert len(run_id_of("x", "y")) == 16 and started_by("nightly") == "routine:nightly"
