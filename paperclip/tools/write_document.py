"""`write_document(key, body, base_revision)`: save a new revision of a document of the agent's
own task (a new document with base revision 0).

It runs inside the task workflow, which writes through the `write_document` activity
(`activities.store`) to the agent's own task of its own company: no argument names another.
A save against a revision that is no longer the latest saves nothing and answers the current
revision's text, for the agent to merge its change into and write again.
"""

from pydantic import BaseModel, Field

from paperclip.models import ToolPolicy
from paperclip.models.documents import MAX_DOCUMENT_CHARS, DocumentKey
from paperclip.tools.base import ToolArguments
from paperclip.tools.registry import RegisteredTool, register

WRITE_DOCUMENT = "write_document"


class WriteDocumentArguments(ToolArguments):
    tool = WRITE_DOCUMENT

    key: DocumentKey = Field(description="The document to save on your task: plan, design, notes …")
    body: str = Field(max_length=MAX_DOCUMENT_CHARS, description="The whole new text, in markdown.")
    base_revision: int = Field(
        default=0,
        ge=0,
        description="The revision you read and changed (0 for a new document). If someone saved a newer "
        "one since, nothing is saved and you get the current text to merge into.",
    )


class WriteDocumentInput(BaseModel):
    """Save a revision of a document of the writer's own task (`write_document` activity)."""

    company_id: str
    task: str
    key: str
    body: str
    base_revision: int
    author: str
    """The agent writing (the revision's author)."""


class DocumentWritten(BaseModel):
    """What a save did (`write_document` activity)."""

    saved: bool
    text: str
    """The answer the model reads: the new revision, or the current one it must merge into."""
    untrusted: bool = False
    """The answer holds a body someone other than the writer saved (a refused save's current text)."""


WRITE_DOCUMENT_TOOL = register(
    RegisteredTool(
        name=WRITE_DOCUMENT,
        arguments=WriteDocumentArguments,
        description=(
            "Save a document (markdown, by key: plan, design, notes …) on your own task, where people and "
            "other agents read it. Each save is a new revision; give the revision you changed (0 for a new "
            "document). Read it first with read_document to change an existing one."
        ),
        runs="workflow",
        policy=ToolPolicy.ALLOW,
        workspace=False,
        subject=lambda arguments: arguments.key,
    )
)
