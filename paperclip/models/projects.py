"""Projects and labels: how a company groups its work.

A project (`WEB`) gathers tasks, routines and pipeline runs under a lead agent and goals, with a
default workspace its tasks' worktrees come from and an optional lifetime budget (the cap
`project:WEB`, reserved before spending like a task's or a goal's). The company workflow keeps
its projects (`workflows/company/projects.py`); the store keeps the labels (name, colour), and a
task carries the names of several.
"""

import re
from datetime import date, datetime
from functools import partial
from typing import Annotated

from pydantic import BaseModel, Field, field_validator

from paperclip.models.budgets import Cap
from paperclip.models.names import Checked
from paperclip.models.review import ReviewPolicy
from paperclip.models.tooling import RepositoryConfig
from paperclip.vocabulary import ProjectStatus

PROJECT_KEY = re.compile(r"^[A-Z][A-Z0-9]{1,9}$")
LABEL_NAME = re.compile(r"^[a-z0-9][a-z0-9_-]{0,39}$")
COLOUR = re.compile(r"^#[0-9a-f]{6}$")
CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _check(value: str, *, regex: re.Pattern[str], sentence: str) -> str:
    if not regex.fullmatch(value):
        raise ValueError(sentence)
    return value


def check_colour(value: str) -> str:
    """`value` lowercased if it is a `#rrggbb` colour, else ValueError."""
    return _check(value.lower(), regex=COLOUR, sentence=f"colour {value!r} must be #rrggbb (six hex digits)")


ProjectKey = Annotated[
    str,
    Checked(
        PROJECT_KEY,
        partial(
            _check,
            regex=PROJECT_KEY,
            sentence="project key must be 2-10 uppercase letters or digits, starting with a letter",
        ),
    ),
]
LabelName = Annotated[
    str,
    Checked(
        LABEL_NAME,
        partial(
            _check,
            regex=LABEL_NAME,
            sentence="label name must be 1-40 lowercase letters, digits, '-' or '_', starting with a letter or digit",
        ),
    ),
]
Colour = Annotated[str, Checked(COLOUR, check_colour)]


def _plain(value: str, what: str) -> str:
    """`value` stripped, refused when blank or holding control characters (a name is one line)."""
    value = value.strip()
    if not value:
        raise ValueError(f"a project needs a {what}")
    if CONTROL.search(value):
        raise ValueError(f"project {what} must be one line of printable text")
    return value


class ProjectInput(BaseModel):
    """A project to add to the company (`CompanyWorkflow.create_project`)."""

    key: ProjectKey
    name: str = Field(min_length=1, max_length=200)
    description: str = Field(default="", max_length=5_000)
    lead: str | None = None
    """The agent answerable for it."""
    goals: list[str] = Field(default_factory=list, max_length=50)
    """The goals it serves (`G2`)."""
    workspace: RepositoryConfig | None = None
    """The repository its tasks' worktrees come from (instead of the agent's or the company's)."""
    status: ProjectStatus = ProjectStatus.ACTIVE
    target_date: date | None = None
    budget: Cap | None = None
    """A lifetime cap on its tasks (`project:<key>`), reserved before each call."""
    review: ReviewPolicy | None = None
    """Its tasks are reviewed before they are done (a task's own policy wins; docs/review.md)."""
    actor: str = "board"

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return _plain(v, "name")


class Project(BaseModel):
    key: str
    name: str
    description: str = ""
    lead: str | None = None
    goals: list[str] = Field(default_factory=list)
    workspace: RepositoryConfig | None = None
    status: ProjectStatus = ProjectStatus.ACTIVE
    target_date: date | None = None
    review: ReviewPolicy | None = None
    created_at: datetime
    updated_at: datetime


class ProjectChanges(BaseModel):
    """What to change in a project (fields left None stay); `clear` names the optional fields to
    empty (`lead`, `workspace`, `target_date`, `review`)."""

    name: str | None = Field(default=None, min_length=1, max_length=200)
    description: str | None = Field(default=None, max_length=5_000)
    lead: str | None = None
    goals: list[str] | None = Field(default=None, max_length=50)
    workspace: RepositoryConfig | None = None
    status: ProjectStatus | None = None
    target_date: date | None = None
    review: ReviewPolicy | None = None
    clear: list[str] = Field(default_factory=list, max_length=4)

    @field_validator("name")
    @classmethod
    def _name(cls, v: str | None) -> str | None:
        return None if v is None else _plain(v, "name")

    @field_validator("clear")
    @classmethod
    def _clear(cls, v: list[str]) -> list[str]:
        unknown = sorted(set(v) - {"lead", "workspace", "target_date", "review"})
        if unknown:
            raise ValueError(
                f"clear: {', '.join(unknown)} cannot be cleared (only lead, workspace, target_date, review)"
            )
        return v


class ProjectUpdateInput(ProjectChanges):
    """Change a project (`CompanyWorkflow.update_project`)."""

    key: str
    actor: str = "board"


class ProjectList(BaseModel):
    data: list[Project]
    count: int


class LabelInput(BaseModel):
    """A label of the company's (`paperclip label add`)."""

    name: LabelName
    colour: Colour = "#888888"
    description: str = Field(default="", max_length=500)


class Label(LabelInput):
    created_at: datetime


class LabelList(BaseModel):
    data: list[Label]
    count: int
