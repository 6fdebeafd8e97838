"""Request and response bodies of the API that are not shared models themselves."""

import re
import unicodedata
from typing import Literal

from pydantic import BaseModel, Field, field_validator

from paperclip.models import AgentSpec, CompanySpec, TaskRecord, check_prefix, check_slug

MAX_PREFIX_FROM_NAME = 6


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

    id: str | None = None
    name: str = Field(min_length=1, max_length=200)
    mission: str = Field(default="", max_length=10_000)
    prefix: str | None = None
    agents: list[AgentSpec] = Field(default_factory=list, max_length=500)
    template: str | None = None
    """A company template to found it from: its mission, prefix and agents, unless given here."""

    @field_validator("id")
    @classmethod
    def _id(cls, v: str | None) -> str | None:
        return None if v is None else check_slug(v, "company id")

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, v: str | None) -> str | None:
        return None if v is None else check_prefix(v)

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
    notes: list[str] = Field(default_factory=list)
    """What the API changed from a template (e.g. a model without a credential here, run simulated)."""


class CompanyList(BaseModel):
    data: list[CompanyPublic]
    count: int


class TaskList(BaseModel):
    data: list[TaskRecord]
    count: int


class TaskDetail(TaskRecord):
    """A task with the subtasks it delegated (direct children, oldest first)."""

    subtasks: list[TaskRecord] = Field(default_factory=list)


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
