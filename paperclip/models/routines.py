"""A routine as the API, the export and the routine workflow see it: when it fires, the task it
gives whom (or the pipeline it runs, with which inputs), the input of one scheduled run, and what
its schedule says of it. The Temporal Schedules themselves are made and read by
`paperclip.routines`."""

import re
from datetime import datetime
from typing import Annotated, Any, Self

from pydantic import BaseModel, ConfigDict, Field, WithJsonSchema, field_validator, model_validator

from paperclip.models.company import CreateTaskInput
from paperclip.models.names import NOT_BLANK, RoutineName, Slug
from paperclip.models.projects import LabelName, ProjectKey
from paperclip.vocabulary import Priority

DEFAULT_CATCHUP_SECONDS = 60
"""Runs missed while Temporal was down are made up if at most this late."""

MIN_EVERY_SECONDS = 60
"""The shortest interval: nothing fires more than once a minute (a cron has no seconds field)."""

_DURATION = re.compile(r"^(?:(\d+)d)?(?:(\d+)h)?(?:(\d+)m)?(?:(\d+)s)?$")

CRON_MACROS = ("@hourly", "@daily", "@midnight", "@weekly", "@monthly", "@yearly", "@annually")
"""The shorthands Temporal reads for a five-field cron (`@daily` is `0 0 * * *`)."""

CRON_FIELD = r"[0-9A-Za-z*,/-]+"
"""One field of a five-field cron, loosely: digits, names, and `* , - /`."""

CRON_PATTERN = (
    rf"^[ \t]*(@(hourly|daily|midnight|weekly|monthly|yearly|annually)|{CRON_FIELD}([ \t]+{CRON_FIELD}){{4}})[ \t]*$"
)
"""What the API takes as a cron (its OpenAPI schema says so): five fields on one line, or a macro."""

DURATION_PATTERN = (
    r"^\s*([0-9]+|[0-9]+[dD]([0-9]+[hH])?([0-9]+[mM])?([0-9]+[sS])?|[0-9]+[hH]([0-9]+[mM])?([0-9]+[sS])?"
    r"|[0-9]+[mM]([0-9]+[sS])?|[0-9]+[sS])\s*$"
)
"""A duration text `parse_duration` reads (`90s`, `15m`, `1h30m`, `2d`, `3600`), for the schema."""

_DURATION_SCHEMA = {"type": "string", "pattern": DURATION_PATTERN}

MAX_CATCHUP_SECONDS = 366 * 86_400

EverySeconds = Annotated[
    int,
    Field(ge=MIN_EVERY_SECONDS),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": MIN_EVERY_SECONDS}, _DURATION_SCHEMA]}),
]
"""An interval in seconds, also taken as a duration text (`RoutineSpec._duration`), as the schema says."""

CatchupSeconds = Annotated[
    int,
    Field(ge=0, le=MAX_CATCHUP_SECONDS),
    WithJsonSchema({"anyOf": [{"type": "integer", "minimum": 0, "maximum": MAX_CATCHUP_SECONDS}, _DURATION_SCHEMA]}),
]


def parse_duration(text: str | int) -> int:
    """`"1h30m"`, `"90s"`, `"2d"` or a number of seconds → seconds.

    Raises:
        ValueError: the text is not a duration.
    """
    if isinstance(text, int):
        return text
    value = text.strip().lower()
    if value.isdigit():
        return int(value)
    match = _DURATION.match(value)
    if not value or match is None:
        raise ValueError(f"'{text}' is not a duration (e.g. 90s, 15m, 1h, 1h30m, 1d)")
    days, hours, minutes, seconds = (int(part or 0) for part in match.groups())
    return ((days * 24 + hours) * 60 + minutes) * 60 + seconds


class RoutineSpec(BaseModel):
    """A routine as defined: when it fires (exactly one of `cron` and `every`) and what it does:
    the task it gives whom (`agent`, `title`, `brief`), or a run of a pipeline (`pipeline`,
    `inputs`) — exactly one of the two."""

    name: RoutineName = ""
    """Its name in the company; none: the title's words (`Daily stand-up` → `daily-stand-up`), or
    the pipeline's name."""
    cron: Annotated[str, Field(json_schema_extra={"pattern": CRON_PATTERN})] | None = Field(
        default=None,
        max_length=200,
        description="Five fields, minute hour day-of-month month day-of-week (`0 9 * * 1-5`), or one of "
        "@hourly, @daily, @midnight, @weekly, @monthly, @yearly, @annually; in `time_zone`, UTC by default. "
        "No seconds or years field: a routine fires at most once a minute. Give this or `every`, not both.",
    )
    every: EverySeconds | None = Field(
        default=None,
        description="Or an interval: seconds (at least 60) or a duration text such as `90s`, `15m`, `1h30m`, `1d`.",
    )
    time_zone: str | None = Field(default=None, max_length=64, description="The cron's IANA time zone (UTC if none).")
    agent: str | None = None
    title: str | None = Field(default=None, min_length=1, max_length=500, json_schema_extra={"pattern": NOT_BLANK})
    brief: str = Field(default="", max_length=100_000)
    priority: Priority = Priority.MEDIUM
    pipeline: Slug | None = Field(
        default=None, description="Or: the company's pipeline each fire starts a run of (its latest version then)."
    )
    inputs: dict[str, Any] = Field(default_factory=dict, max_length=50, description="The pipeline run's inputs.")
    skip_if_open: bool = True
    """Overlap policy: no new task (or run) while the routine's last one is still open (running)."""
    project: ProjectKey | None = Field(default=None, description="The project its tasks (or runs' tasks) belong to.")
    labels: list[LabelName] = Field(default_factory=list, max_length=20, description="The labels its tasks carry.")
    catchup_seconds: CatchupSeconds = Field(
        default=DEFAULT_CATCHUP_SECONDS,
        description="How late a run missed while Temporal was down may still happen: seconds or a duration "
        "text (0: the server's minimum, 10 s).",
    )

    model_config = ConfigDict(
        json_schema_extra={
            "oneOf": [
                {"required": ["cron"], "properties": {"cron": {"type": "string"}, "every": {"type": "null"}}},
                {
                    "required": ["every"],
                    "properties": {"every": {"type": ["integer", "string"]}, "cron": {"type": "null"}},
                },
            ]
        }
    )

    @model_validator(mode="before")
    @classmethod
    def _name_from_title(cls, data: Any) -> Any:
        """No name: the title's words, lowercased and joined by '-' (`Daily stand-up` → `daily-stand-up`),
        or a pipeline routine's pipeline."""
        if isinstance(data, dict) and not data.get("name"):
            source = data.get("title") if isinstance(data.get("title"), str) else data.get("pipeline")
            if isinstance(source, str):
                return data | {"name": re.sub(r"[^a-z0-9]+", "-", source.lower()).strip("-")[:63].rstrip("-")}
        return data

    @field_validator("every", "catchup_seconds", mode="before")
    @classmethod
    def _duration(cls, v: Any) -> Any:
        return parse_duration(v) if isinstance(v, str) else v

    @field_validator("cron")
    @classmethod
    def _cron(cls, v: str | None) -> str | None:
        if v is not None and (not v.strip() or "\n" in v):
            raise ValueError("cron must be one line, e.g. '0 9 * * 1-5'")
        return None if v is None else v.strip()

    @field_validator("title")
    @classmethod
    def _title(cls, v: str | None) -> str | None:
        if v is not None and not v.strip():
            raise ValueError("title must not be blank")
        return None if v is None else v.strip()

    @model_validator(mode="after")
    def _one_timing(self) -> Self:
        if (self.cron is None) == (self.every is None):
            raise ValueError("give either cron or every")
        return self

    @model_validator(mode="after")
    def _one_form(self) -> Self:
        task = self.agent is not None or self.title is not None or self.brief != ""
        if self.pipeline is not None and task:
            raise ValueError("give pipeline (a run) or agent and title (a task), not both")
        if self.pipeline is None:
            if self.agent is None or self.title is None:
                raise ValueError("give agent and title (each fire gives that task), or pipeline (it starts a run)")
            if self.inputs:
                raise ValueError("inputs are a pipeline's: give pipeline too, or no inputs")
        return self

    def task(self) -> CreateTaskInput:
        """The task each fire gives (a task routine's)."""
        assert self.agent is not None and self.title is not None, "a pipeline routine gives no task"
        return CreateTaskInput(
            title=self.title,
            brief=self.brief,
            assignee=self.agent,
            priority=self.priority,
            project=self.project,
            labels=self.labels,
        )


class RoutineInput(BaseModel):
    """Input of one scheduled run of a routine (`RoutineWorkflow`): a task, or a pipeline run."""

    company_id: str
    routine: str
    task: CreateTaskInput | None = None
    pipeline: str | None = None
    """A pipeline routine's pipeline, whose latest version each fire runs with `inputs` (no `task`)."""
    inputs: dict[str, Any] = Field(default_factory=dict)
    skip_if_open: bool = True
    project: str | None = None
    """The project a pipeline routine's runs give their tasks."""


class RoutineRunResult(BaseModel):
    fire_id: str
    """The run's workflow id, which the company keys repeats by."""
    run_id: str | None = None
    """The pipeline run it started (a pipeline routine's)."""
    skipped: str | None = None
    """Why it started no run (its last is still running)."""


class RoutineRun(BaseModel):
    """One action the schedule took."""

    scheduled_at: datetime
    started_at: datetime
    workflow_id: str
    run_id: str = ""
    """The run the action started: two fires in one second share a workflow id, not a run."""


class RoutineInfo(RoutineSpec):
    """A routine with its schedule's state."""

    company_id: str
    schedule_id: str
    paused: bool
    note: str | None = None
    next_runs: list[datetime]
    recent_actions: list[RoutineRun]
    """The latest runs, oldest first (Temporal keeps the last 10)."""
    actions: int
    skipped_overlap: int
    missed_catchup: int
    created_at: datetime
