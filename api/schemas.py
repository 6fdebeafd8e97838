"""Request and response bodies of the API that are not shared models themselves."""

import re
import unicodedata
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints, field_validator, model_validator

from paperclip.models import (
    NOT_BLANK,
    AgentSpec,
    Approval,
    ApprovalStatus,
    CompanyId,
    CompanySpec,
    Goal,
    GoalStatus,
    Prefix,
    RepositoryConfig,
    ToolDecision,
    ToolRule,
)
from paperclip.models.review import ReviewPolicy

MAX_PREFIX_FROM_NAME = 6

GoalTitle = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=300),
    Field(json_schema_extra={"pattern": NOT_BLANK}),
]


def slug_from_name(name: str) -> str:
    """`"Acme Rockets, Inc."` → `"acme-rockets-inc"`: a company id from its name."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    return re.sub(r"[^a-z0-9]+", "-", ascii_name.lower()).strip("-")[:63].rstrip("-")


def prefix_from_name(name: str) -> str:
    """`"Acme Rockets"` → `"ACMERO"`: the letters of the name, uppercased, at most six."""
    ascii_name = unicodedata.normalize("NFKD", name).encode("ascii", "ignore").decode()
    letters = re.sub(r"[^A-Za-z]", "", ascii_name).upper()
    return letters[:MAX_PREFIX_FROM_NAME] or "T"


class CompanyCreate(BaseModel):
    """A company to found; `id` and `prefix` are derived from `name` when absent."""

    id: CompanyId | None = None
    name: str = Field(min_length=1, max_length=200, json_schema_extra={"pattern": NOT_BLANK})
    mission: str = Field(default="", max_length=10_000)
    prefix: Prefix | None = None
    goals: list[GoalTitle] = Field(default_factory=list, max_length=50)
    """Titles of its company goals (`G1`, `G2`, … in this order); at least one, here or from the template."""
    agents: list[AgentSpec] = Field(default_factory=list, max_length=500)
    template: str | None = None
    """A company template to found it from: its mission, prefix, goals and agents, unless given here."""
    team: str | None = Field(default=None, max_length=63)
    """The team that owns it (only its members see it); with an API key, by default the one team
    the caller may change things in. None from the board: the board's only."""
    require_hire_approval: bool = False
    """Agents hired by agents wait until the board approves."""
    require_strategy_approval: bool = False
    """The CEO's plan for each of its tasks needs the board's approval before it delegates."""
    approval_timeout_seconds: int | None = Field(default=None, ge=60)
    """An approval undecided this long is escalated."""
    budget_usd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    """Its monthly cap in USD, over every agent; None: no cap."""
    budget_tokens: int | None = Field(default=None, ge=0)
    """Its monthly cap in tokens, over every agent; None: no cap."""
    repository: RepositoryConfig | None = None
    """The repository its agents' tasks work in (owners only): a path under the workspace roots or an https URL."""
    tool_policy: list[ToolRule] = Field(default_factory=list, max_length=200)
    """Tool rules over every agent's (owners only)."""
    review: ReviewPolicy | None = None
    """Its tasks are reviewed before they are done (docs/review.md)."""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("name must not be blank")
        return v.strip()


class CompanyPublic(CompanySpec):
    """A company as listed: its spec and where it runs."""

    workflow_id: str


class CompanyCreated(CompanyPublic):
    """The answer to founding a company: the spec and the agents it starts with."""

    agents: list[AgentSpec]
    goals: list[str]
    """The titles of its founding company goals."""
    notes: list[str] = Field(default_factory=list)
    """What the API changed from a template (e.g. a model without a credential here, run simulated)."""


class CompanyListed(CompanyPublic):
    """A company in the list, with where it stands: `active` (takes work), `paused` (by a
    person, its budget or the emergency brake: `pause_reason`), `archived` (ended; its history
    stays), or `unknown` when its workflow could not be read; null when the list was asked for
    without (`with_status=false`)."""

    status: Literal["active", "paused", "archived", "unknown"] | None
    pause_reason: str | None = None


class CompanyList(BaseModel):
    data: list[CompanyListed]
    count: int
    """Companies on this page."""
    total: int
    """Companies the caller may see, on every page."""


class GoalList(BaseModel):
    """The goal tree as a flat list: each goal before the goals under it (`parent` links them)."""

    data: list[Goal]
    count: int


class GoalPatch(BaseModel):
    """What to change in a goal; `note` says why (shown in the activity log)."""

    status: GoalStatus | None = None
    title: GoalTitle | None = None
    description: str | None = Field(default=None, max_length=5_000)
    note: str = Field(default="", max_length=2_000)

    @model_validator(mode="after")
    def _something(self) -> "GoalPatch":
        if self.status is None and self.title is None and self.description is None:
            raise ValueError("nothing to change: give status, title or description")
        return self


class ApprovalList(BaseModel):
    """Pending approvals first (escalated ones first, then oldest first), then decided ones, latest first."""

    data: list[Approval]
    count: int
    """Approvals on this page."""
    total: int
    """Approvals matching the filters, on every page."""


class Decision(BaseModel):
    """The board's answer to an approval; `note` says why, or what to revise."""

    decision: Literal[ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.REVISION_REQUESTED]
    note: str = Field(default="", max_length=5_000)
    tool: ToolDecision | None = None
    """For an approved `tool_call`: `scope` `task` allows the same tool (and pattern) for the rest
    of the task; `arguments` replace the model's (checked against the tool's model)."""


class BatchDecision(Decision):
    """One answer to several approvals (`tool.arguments` edit one call: they are refused here)."""

    ids: list[Annotated[str, StringConstraints(min_length=1, max_length=50)]] = Field(min_length=1, max_length=100)

    @model_validator(mode="after")
    def _distinct(self) -> "BatchDecision":
        if len(set(self.ids)) != len(self.ids):
            raise ValueError("an approval is listed twice")
        if self.tool is not None and self.tool.arguments is not None:
            raise ValueError("edited arguments are for one call: decide that approval on its own")
        return self


class BatchFailure(BaseModel):
    id: str
    code: str
    message: str


class BatchDecided(BaseModel):
    """Each approval decided, or why it was not (the others are decided all the same)."""

    decided: list[Approval]
    failed: list[BatchFailure]


class TemporalHealth(BaseModel):
    ok: bool
    address: str
    error: str | None = None


class StoreHealth(BaseModel):
    ok: bool
    error: str | None = None


class Health(BaseModel):
    status: Literal["ok", "degraded"]
    temporal: TemporalHealth
    store: StoreHealth


class ErrorBody(BaseModel):
    code: str
    message: str
    details: object | None = None


class ErrorResponse(BaseModel):
    """The shape of every 4xx and 5xx answer."""

    error: ErrorBody
