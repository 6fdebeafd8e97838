"""Review before done (docs/review.md): the policy a company, a project or a task sets, and what
the task workflow is given of it.

A reviewer is `board` (a person decides an approval of kind `review`), `agent:<name>` or
`role:<role>` (an agent of the company reviews in a review task of its own and gives its verdict
with the `review_verdict` tool). The company resolves a task's effective policy (the task's, else
its project's, else the company's) when it queues the task: a role becomes one agent then, so the
task workflow's input names whom it waits for and stays deterministic.
"""

from typing import Literal

from pydantic import BaseModel, Field, field_validator

from paperclip.models.agents import AgentSpec
from paperclip.vocabulary import MAX_REVIEW_CYCLES, Role

BOARD = "board"
MAX_CYCLES = MAX_REVIEW_CYCLES


def check_reviewer(value: str) -> str:
    """`board`, `agent:<name>` or `role:<role>`; anything else is refused with what is allowed."""
    kind, _, name = value.partition(":")
    if value == BOARD or (kind == "agent" and name.strip() == name and name):
        return value
    if kind == "role":
        if name in {r.value for r in Role}:
            return value
        raise ValueError(f"unknown role '{name}' (one of {', '.join(r.value for r in Role)})")
    raise ValueError(f"reviewer '{value}' is not board, agent:<name> or role:<role>")


class ReviewPolicy(BaseModel):
    """Who reviews a completed task before it is done, and how often it may be sent back."""

    reviewer: str = Field(min_length=1, max_length=100)
    """`board`, `agent:<name>` or `role:<role>`."""
    max_cycles: int = Field(default=3, ge=1, le=MAX_CYCLES)
    """Reviews at most: sent back this many times, the task fails (docs/review.md)."""

    @field_validator("reviewer")
    @classmethod
    def _reviewer(cls, v: str) -> str:
        return check_reviewer(v)

    @property
    def agent(self) -> str | None:
        """The reviewing agent's name once resolved (`agent:<name>`); None for the board or a role."""
        kind, _, name = self.reviewer.partition(":")
        return name if kind == "agent" else None


class TaskReview(BaseModel):
    """A task's resolved policy, in its workflow's input: the board, or one agent (with its spec,
    as the review task starts it)."""

    max_cycles: int = 3
    agent: AgentSpec | None = None
    """The reviewing agent; None: the board reviews, through an approval of kind `review`."""


class ReviewVerdict(BaseModel):
    """A reviewer's decision on a task under review."""

    decision: Literal["approve", "request_changes"]
    notes: str = ""
    reviewer: str = BOARD


class DeliveriesInput(BaseModel):
    """What a task has delivered so far, asked of the store before an empty completion is let through."""

    company_id: str
    task: str


class Deliveries(BaseModel):
    """What a task delivered, each as one line a reviewer reads (`url https://…`, `document notes`)."""

    work_products: list[str] = Field(default_factory=list)
    documents: list[str] = Field(default_factory=list)

    @property
    def lines(self) -> list[str]:
        return [*self.work_products, *self.documents]
