"""Files uploaded to a task (`paperclip.attachments`): what the store keeps of each.

The bytes are kept by the storage backend under the attachment's opaque id, never under the
name the uploader gave; the name is only what a download suggests to save it as.
"""

from datetime import datetime

from pydantic import BaseModel, Field

ATTACHMENT_ID = r"^att-[0-9a-f]{32}$"
"""`att-` and 32 hex digits: the only names a backend ever stores bytes under."""


class Attachment(BaseModel):
    """One file of a task, as the API lists it (its bytes are downloaded separately)."""

    id: str = Field(pattern=ATTACHMENT_ID)
    task: str = Field(min_length=1, max_length=200)
    filename: str = Field(min_length=1, max_length=255)
    """The uploader's name for it, made safe (no folders, no control characters)."""
    content_type: str = Field(min_length=1, max_length=100)
    """The checked type: declared by the uploader and matching the content."""
    size: int = Field(ge=0)
    sha256: str = Field(pattern=r"^[0-9a-f]{64}$")
    uploaded_by: str = Field(min_length=1, max_length=200)
    """Who uploaded it: a user, the board, or the agent whose tool attached it."""
    created_at: datetime


class AttachmentList(BaseModel):
    data: list[Attachment]
    count: int
