"""What a pipeline run and its company tell each other about the run's steps.

A run (`PipelineWorkflow`) asks its company for each step — a task, an approval gate, or to
cancel the run's open tasks — by the company's `pipeline_step` signal
(`paperclip.models.company.PipelineStepRequest`); the company answers with `StepNews` signals:
the task it queued (or why it refused), what the task has spent, how it ended, the gate's
approval and its decision. Outputs never travel whole: a finished step's news carries a bounded
excerpt and the task whose result (in the store) is the whole output.
"""

from typing import Any, Literal

from pydantic import BaseModel, Field

from paperclip.models.pipelines import PipelineRunInput, PipelineRunState
from paperclip.vocabulary import ApprovalStatus, TaskStatus

OUTPUT_EXCERPT = 4_000
"""Characters of a step's output its news carries (and later steps' briefs show) at most."""


class PipelineStepRef(BaseModel):
    """A step of a run: what a task made for it (or a gate opened for it) belongs to."""

    run_id: str
    step: str
    budgeted: bool = False
    """The run has a budget: the company tells it what the step's task spends as it goes."""


class PipelineTaskLink(PipelineStepRef):
    """A queued or running task of a run, as its company keeps it until the task ends."""

    output_schema: dict[str, Any] | None = None
    """The JSON schema the task's result must fit (checked in the task)."""
    schema_tries: int = 3


class StepNews(BaseModel):
    """Signal from the company to a run (`PipelineWorkflow.step_news`) about one of its steps."""

    step: str
    kind: Literal["task", "refused", "progress", "finished", "approval"]
    identifier: str | None = None
    """The step's task (`task`, `progress`, `finished`)."""
    status: TaskStatus | None = None
    """How the task ended (`finished`)."""
    excerpt: str = Field(default="", max_length=OUTPUT_EXCERPT)
    """The start of its result (`finished`); the store holds the whole under `identifier`."""
    size: int = 0
    """The result's length in characters."""
    tokens: int = 0
    """What the task (with its subtasks) has spent so far (`progress`, `finished`)."""
    cost_usd: float = 0.0
    approval: str | None = None
    """The gate's approval (`AP-3`) (`approval`)."""
    decision: ApprovalStatus | None = None
    """Pending when just opened, then the board's decision (`approval`)."""
    note: str = ""
    """Why a request was refused, or the decision's note."""


class PipelineCancel(BaseModel):
    """Update of a run (`PipelineWorkflow.cancel`): stop it, cancelling every step's task."""

    reason: str = Field(default="", max_length=2_000)
    actor: str = "board"


class PipelineRecordInput(BaseModel):
    """A run's record for the store (`record_pipeline_run` activity): written as it starts (with
    the run: its pinned version, digest and inputs) and as it ends (its steps, outputs' excerpts
    and references, spend)."""

    state: PipelineRunState
    run: PipelineRunInput | None = None
