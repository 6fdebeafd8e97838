"""Work products: what a task produced, kept so people can find it from the task and in one list.

A product is a commit or a branch, a pull request, a file in the task's workspace, a document or
a URL. Tools record theirs as they make them (`git` a commit and its branch, `create_pull_request`
the pull request, the reviewer its review); an agent declares the rest when it completes
(`complete_task(work_products=[…])`). One row per (company, task, kind, value): a retried
activity records a product once.

A declared product is the model's words, so each is checked before anything is kept: a URL is
http(s) with a host and no credentials in it, a file is a path relative to the workspace that
stays inside it (whether it exists there is checked on the workspace's host), a commit is a hash.
"""

import re
from datetime import datetime
from typing import Annotated
from urllib.parse import urlsplit

from pydantic import BaseModel, Field, StringConstraints, model_validator

from paperclip.models.conversation import SessionRef
from paperclip.models.tooling import WorkspaceRef
from paperclip.vocabulary import WorkProductKind

MAX_VALUE = 2_000
"""Characters of a product's value at most (a URL, a path)."""
MAX_DECLARED = 20
"""Products one `complete_task` call may declare."""
AGENT = "agent"
"""`recorded_by` of a product the agent declared."""

_SHA = re.compile(r"^[0-9a-f]{7,64}$")
_BRANCH = re.compile(r"^(?!-)(?!/)(?!.*\.\.)(?!.*//)[A-Za-z0-9._/-]{1,250}(?<!/)(?<!\.lock)$")
_DOCUMENT = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._/-]{0,199}$")
_CONTROL = re.compile(r"[\x00-\x20\x7f]")


def check_url(value: str) -> str:
    """`value` if it is an http(s) URL with a host and no user or password in it; else ValueError."""
    if _CONTROL.search(value):
        raise ValueError("a URL has no spaces or control characters")
    parts = urlsplit(value)
    if parts.scheme.lower() not in ("http", "https") or not parts.hostname:
        raise ValueError(f"{value[:100]!r} is not an http(s) URL (file://, javascript: and the like are refused)")
    if parts.username is not None or parts.password is not None:
        raise ValueError("a URL with a user or password in it is refused (it may carry a secret)")
    return value


def check_relative_path(value: str) -> str:
    """`value` as a clean path relative to the workspace (`a/b.txt`), if it cannot leave it; else
    ValueError. Whether it exists (and is no link out) is the workspace host's to check."""
    if "\0" in value or _CONTROL.sub("", value) != value.replace(" ", ""):
        raise ValueError("a path has no control characters")
    path = value.replace("\\", "/")
    parts = [p for p in path.split("/") if p not in ("", ".")]
    if path.startswith("/") or "://" in path or (parts and ":" in parts[0]) or ".." in parts or not parts:
        raise ValueError(f"{value[:100]!r}: a file is a path relative to the task's workspace, without '..'")
    if ".git" in parts:
        raise ValueError(f"{value[:100]!r}: git's own folder is no work product")
    return "/".join(parts)


def check_value(kind: WorkProductKind, value: str) -> str:
    """The value of a product of `kind`, checked (and a file's path made clean); else ValueError."""
    match kind:
        case WorkProductKind.URL | WorkProductKind.PULL_REQUEST:
            return check_url(value)
        case WorkProductKind.FILE:
            return check_relative_path(value)
        case WorkProductKind.COMMIT:
            if not _SHA.fullmatch(value.lower()):
                raise ValueError(f"{value[:100]!r} is not a commit hash (7 to 64 hex digits)")
            return value.lower()
        case WorkProductKind.BRANCH:
            if not _BRANCH.fullmatch(value):
                raise ValueError(f"{value[:100]!r} is not a branch name")
            return value
        case WorkProductKind.DOCUMENT:
            if not _DOCUMENT.fullmatch(value):
                raise ValueError(f"{value[:100]!r} is not a document key (letters, digits, . _ / -)")
            return value


class DeclaredProduct(BaseModel):
    """One product, as a tool records it or an agent declares it."""

    kind: WorkProductKind = Field(
        description="commit, branch, pull_request (its URL), file (path in your workspace), document (its key), url."
    )
    value: Annotated[str, StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_VALUE)] = Field(
        description="The commit hash, branch name, pull request URL, file path relative to your workspace, "
        "document key, or http(s) URL."
    )
    title: Annotated[str, StringConstraints(strip_whitespace=True, max_length=300)] = Field(
        default="", description="A few words that say what it is."
    )

    @model_validator(mode="after")
    def _checked(self) -> "DeclaredProduct":
        self.value = check_value(self.kind, self.value)
        return self


class WorkProduct(DeclaredProduct):
    """A product kept for a task."""

    id: int
    company_id: str
    task: str
    recorded_by: str
    """The tool that recorded it (`git`, `create_pull_request`, `reviewer`), or `agent`."""
    created_at: datetime


class WorkProductList(BaseModel):
    data: list[WorkProduct]
    count: int


class RecordProductsInput(BaseModel):
    """`record_work_products`: the products an agent declared on completing its task, checked on
    the host of its workspace (files) and kept."""

    session: SessionRef
    products: list[DeclaredProduct] = Field(max_length=MAX_DECLARED)
    workspace: WorkspaceRef | None = None
    """The task's workspace (needed when a file is declared)."""


class RecordProductsResult(BaseModel):
    recorded: int = 0
    """Products newly kept (a retry keeps none again)."""
    refused: str = ""
    """Why nothing was kept (a file that is not in the workspace), for the model; empty: kept."""
