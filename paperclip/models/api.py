"""The API's answers that the dashboard reads too: the API returns them, the dashboard parses into
them, so a field renamed in one is renamed in the other.

Only pydantic and the vocabulary here, so the dashboard imports them without FastAPI, Temporal or
the workflows (docs/architecture.md).
"""

from typing import Literal

from pydantic import BaseModel, Field

from paperclip.models.company import AgentState
from paperclip.models.records import ActivityEntry, CostLine, TaskRecord
from paperclip.vocabulary import CostGroup

BudgetStatus = Literal["ok", "warning", "paused"]


class ActivityPublic(ActivityEntry):
    """An activity entry with its cursor (`seq`: increasing, the `after`/`before` of the next page)."""

    seq: int


class AgentDetail(AgentState):
    """An agent as the company holds it now, with the open tasks assigned to it."""

    month: str | None = None
    """The month `spend` counts (`2026-01`)."""
    open_tasks: list[TaskRecord] = Field(default_factory=list)
    """Queued, running and blocked tasks assigned to it, oldest first."""


class TaskList(BaseModel):
    """A page of tasks: `count` on this page, `total` matching (as every list of the API)."""

    data: list[TaskRecord]
    count: int
    total: int


class CostReport(BaseModel):
    group_by: CostGroup
    data: list[CostLine]
    """One line per agent, model (`provider:model`), task, goal (`key` null: no goal) or day
    (`YYYY-MM-DD`, UTC); days in order, the others most expensive first."""
    total: CostLine
    """Every call counted (`key` null)."""
    warnings: list[str]
    """One per model without a price: its calls count in tokens only, their USD is unknown."""


class BudgetLine(BaseModel):
    """One scope's budget and what it has spent of it this month."""

    scope: str
    """`company` or an agent's name."""
    monthly_usd: float | None
    monthly_tokens: int | None
    month: str | None
    """The UTC month spend is counted in (`2026-11`); null before the company's first spend."""
    spent_usd: float
    spent_tokens: int
    unconfirmed_usd: float = 0.0
    """Of `spent_usd`: model calls lost with their worker before they answered, charged at their
    worst case (the provider may have charged less, or nothing)."""
    unconfirmed_tokens: int = 0
    reserved_usd: float
    """What model calls running now may still cost at most."""
    reserved_tokens: int
    share: float | None
    """The larger spent share of its caps (above 1 only if a cap was lowered below what is
    already spent); null with no cap."""
    status: BudgetStatus
    """`paused` when its budget stopped it, `warning` past the company's soft limit, else `ok`."""


class CapLine(BaseModel):
    """One lifetime cap and what its scope has spent since it was set."""

    scope: str
    """`task:<identifier>` (the task with its subtasks) or `goal:<id>` (with the goals under it)."""
    usd: float | None
    tokens: int | None
    spent_usd: float
    spent_tokens: int
    unconfirmed_usd: float = 0.0
    """Of `spent_usd`: model calls lost with their worker before they answered, charged at their
    worst case (the provider may have charged less, or nothing)."""
    unconfirmed_tokens: int = 0
    reserved_usd: float
    reserved_tokens: int
    share: float
    status: BudgetStatus
    """`paused` when it holds its tasks, `warning` past the company's soft limit, else `ok`."""


class BudgetReport(BaseModel):
    """The company's budget first, then each agent's (terminated agents left out), and the
    lifetime caps on tasks and goals."""

    data: list[BudgetLine]
    count: int
    caps: list[CapLine] = Field(default_factory=list)
    soft_limit: float
    """The share of a budget at which the board is warned."""
    warnings: list[str]
    """Scopes past their soft limit or stopped by their budget this month, as sentences."""
