"""Documents on a task: keyed markdown texts (`plan`, `design`, `notes`) that agents and people
write, where every save is a new revision and a save against a stale revision is refused.

Not re-exported by `paperclip.models` (its `__init__` is full): import them from here.
"""

from datetime import datetime
from typing import Annotated

from pydantic import BaseModel, Field

from paperclip.models.names import slug

MAX_DOCUMENT_CHARS = 200_000
"""The longest body a document revision may have (characters): a long design, not a data dump."""

DocumentKey = Annotated[str, slug("document key")]
"""What names a document on its task: `plan`, `design`, `notes` (1-63 of a-z, 0-9, '-', '_')."""


class DocumentRevision(BaseModel):
    """One revision of a document: the whole body as that save left it."""

    company_id: str
    task: str
    """The task's identifier (`ACME-12`)."""
    key: DocumentKey
    revision: int = Field(ge=1)
    """1 for the first save, one more for each save after it."""
    body: str
    author: str
    """Who saved it: an agent's name, `board`, or a user."""
    created_at: datetime
    restored_from: int | None = None
    """The earlier revision whose body this one restored, if it is a restore."""


class DocumentSummary(BaseModel):
    """A document as its task's list shows it: its key and its latest revision, without the body."""

    key: str
    revision: int
    author: str
    """Who saved the latest revision."""
    updated_at: datetime
    chars: int
    """The latest body's length in characters."""


class DocumentList(BaseModel):
    data: list[DocumentSummary]
    count: int


class DocumentHistory(BaseModel):
    """A document's revisions, newest first, without their bodies (`body` is empty in each)."""

    data: list[DocumentRevision]
    count: int
    total: int


class SaveDocument(BaseModel):
    """A save: the new body, and the revision it was written against (0: a new document)."""

    body: str = Field(
        max_length=MAX_DOCUMENT_CHARS, description=f"Markdown, at most {MAX_DOCUMENT_CHARS:,} characters."
    )
    base_revision: int = Field(
        ge=0,
        description="The revision this body was written from (0 for a new document); "
        "if the document has moved on since, the save is refused with 409 and the current revision.",
    )


class RestoreDocument(BaseModel):
    """Make an earlier revision's body the document's newest revision."""

    revision: int = Field(ge=1, description="The revision whose body becomes the newest revision.")
    base_revision: int | None = Field(
        default=None,
        ge=0,
        description="The revision you saw as the latest; 409 if it has moved on (not checked if left out).",
    )
