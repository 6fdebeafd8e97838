"""Pipelines: a YAML document of steps, each a task for an agent, run by a `PipelineWorkflow`.

A document (`PipelineSpec`) is stored per company with versions; a run (`PipelineRunInput`) pins
the version and content hash it started from. Its form is the one our users' guide shows —
`workflow: {name, steps: [{agent, task, input, output}]}` — with more a step may say: an `id`,
`needs`, a `template` to hire a temporary agent, an `output_schema` its result must fit, an
`approval` gate, a `when` condition (JMESPath over the run's inputs and outputs), and the run's
`budget`. Names a step's `input` gives are the run's inputs or earlier steps' outputs; `${…}` in
its `task` text are filled from them (`${inputs.repo}`, `${steps.lint.output}`, `${lint_results}`).
"""

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field, field_validator

from paperclip.models.names import AgentName, Slug

InputType = Literal["string", "number", "integer", "boolean", "object", "array"]


class PipelineInputSpec(BaseModel):
    """An input a run is given (`--input k=v`, the API's `inputs`, a webhook's mapping)."""

    name: Slug
    type: InputType = "string"
    required: bool = True
    default: Any = None
    description: str = Field(default="", max_length=2_000)


class StepApproval(BaseModel):
    """A gate before a step: the run waits for a person's approval (kind `board`) first."""

    title: str = Field(default="", max_length=300)
    """What the person is asked; empty: "Run step <id> of <pipeline>"."""


class PipelineStep(BaseModel):
    """One step: a task for `agent` (or a temporary agent hired from `template`)."""

    id: Slug = ""
    """Its name in the run; empty: its `output`'s name, else `<agent>-<n>` (n its place)."""
    agent: AgentName | None = None
    template: str | None = Field(default=None, max_length=100)
    """An agent template the run hires a temporary agent from (for this run only)."""
    task: str = Field(min_length=1, max_length=20_000)
    """The task's text; `${inputs.NAME}`, `${steps.ID.output}` and `${NAME}` (an input or an
    earlier output named in `input`) are filled in."""
    input: list[str] = Field(default_factory=list, max_length=50)
    """Names of run inputs or earlier outputs it reads (the guide's `input: "a"` or `[a, b]`):
    their values go with its task, by reference."""
    needs: list[Slug] = Field(default_factory=list, max_length=50)
    """Steps that must finish first (besides those whose outputs it reads)."""
    output: str | None = Field(default=None, max_length=100)
    """The name its result is known by to later steps."""
    output_schema: dict[str, Any] | None = None
    """A JSON schema its result (JSON) must fit: a result that does not is sent back to the agent."""
    schema_tries: int = Field(default=3, ge=1, le=10)
    """How many results that do not fit it the agent may give before the step fails."""
    approval: StepApproval | None = None
    when: str | None = Field(default=None, max_length=2_000)
    """A JMESPath expression over `{inputs, steps}` (each step `{status, output}`): the step runs
    only when it is truthy, else it is skipped."""
    continue_on_error: bool = False
    """A failure of this step does not fail the run (later steps see it `failed`, no output)."""

    @field_validator("input", mode="before")
    @classmethod
    def _one_or_many(cls, value: Any) -> Any:
        return [value] if isinstance(value, str) else value


class PipelineBudget(BaseModel):
    """A lifetime cap over a run's steps (what their tasks spend in all)."""

    usd: float | None = Field(default=None, ge=0)
    tokens: int | None = Field(default=None, ge=0)


class PipelineSpec(BaseModel):
    """A pipeline document, as validated (`paperclip.pipelines.parse`)."""

    name: Slug
    description: str = Field(default="", max_length=2_000)
    inputs: list[PipelineInputSpec] = Field(default_factory=list, max_length=50)
    steps: list[PipelineStep] = Field(min_length=1, max_length=100)
    budget: PipelineBudget | None = None


class StepStatus(StrEnum):
    PENDING = "pending"
    WAITING_APPROVAL = "waiting_approval"
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    SKIPPED = "skipped"
    CANCELLED = "cancelled"


class RunStatus(StrEnum):
    RUNNING = "running"
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"


class PipelineRunInput(BaseModel):
    """A run of a pipeline (`PipelineWorkflow`, id `pipeline:{company}:{run}`)."""

    company_id: str
    run_id: str
    pipeline: str
    version: int
    digest: str
    """The sha256 of the document's content the run started from."""
    spec: PipelineSpec
    inputs: dict[str, Any] = Field(default_factory=dict)
    started_by: str = "board"
    started_at: datetime | None = None
    project: str | None = None
    """The project its steps' tasks belong to."""
    state: "PipelineRunState | None" = None
    """The run so far, when it continues as new (its history stays short)."""
    continue_as_new_after_events: int | None = None
    """Continue as new after this many handled messages (tests); Temporal's suggestion always applies."""


class StepState(BaseModel):
    """A step of a run as it stands."""

    id: str
    status: StepStatus = StepStatus.PENDING
    task: str | None = None
    """The identifier of its task (`ACME-12`)."""
    output_ref: str | None = None
    """Where its output is stored (outputs pass by reference)."""
    error: str | None = None
    tokens: int = 0
    cost_usd: float = 0.0
    started_at: datetime | None = None
    finished_at: datetime | None = None
    excerpt: str = ""
    """The start of its output (at most `OUTPUT_EXCERPT` characters; the whole is `output_ref`)."""
    size: int = 0
    """Its output's length in characters."""
    approval: str | None = None
    """Its gate's approval (`AP-3`), once asked."""
    agent: str | None = None
    """The temporary agent the run hired for it (a `template` step), once asked."""


class PipelineRunState(BaseModel):
    """A run as its workflow reports it (query, and the store's record)."""

    company_id: str
    run_id: str
    pipeline: str
    version: int
    status: RunStatus = RunStatus.RUNNING
    steps: list[StepState] = Field(default_factory=list)
    error: str | None = None
    tokens: int = 0
    cost_usd: float = 0.0
    started_at: datetime | None = None
    finished_at: datetime | None = None


PipelineRunInput.model_rebuild()
