"""The pipeline run a pipeline routine's fire starts, as the routine workflow asks for it and the
`routine_pipeline_run` activity answers (`workflows.routine_pipeline`,
`activities.routine_pipelines`): the request, the plan, the run's id and who starts it."""

import hashlib

from pydantic import BaseModel, Field

from paperclip.models.pipelines import PipelineRunInput
from paperclip.models.routines import RoutineInput


class RoutineRunRequest(BaseModel):
    """The `routine_pipeline_run` activity's input: a pipeline routine's fire."""

    fire_id: str
    """The fire's workflow id (`routine-run:{company}:{name}-<scheduled time>`)."""
    routine: RoutineInput = Field(description="What the routine's schedule gave the fire.")


class RoutineRunPlan(BaseModel):
    """The run the fire starts (pinned to the pipeline's latest version), or why none."""

    run: PipelineRunInput | None = None
    skipped: str | None = None


def started_by(routine: str) -> str:
    """Who a routine's runs are started by (`PipelineRunInput.started_by`)."""
    return f"routine:{routine}"


def run_id_of(fire_id: str, fire_run: str) -> str:
    """A fire's run id: the same fire, the same run. The fire is its workflow id and that
    workflow's run: a schedule names a fire by its second, so two triggers in one second share
    the workflow id (the second starting once the first has closed) but not the run."""
    return hashlib.sha256(f"{fire_id}/{fire_run}".encode()).hexdigest()[:16]
