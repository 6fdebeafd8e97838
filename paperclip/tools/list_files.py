"""`list_files(pattern)`: the workspace's files that match a glob."""

from pydantic import Field

from paperclip.models import ToolPolicy
from paperclip.tools.base import ToolArguments
from paperclip.tools.registry import RegisteredTool, register

LIST_FILES = "list_files"
MAX_LISTED = 2_000
"""Paths one call lists at most."""


class ListFilesArguments(ToolArguments):
    tool = LIST_FILES

    pattern: str = Field(
        default="**",
        min_length=1,
        max_length=500,
        description="A glob relative to the workspace's top: `*` within a folder, `**` across folders "
        "(`**/*.py`, `src/*.md`).",
    )
    limit: int = Field(default=500, ge=1, le=MAX_LISTED, description="How many paths to list at most.")


register(
    RegisteredTool(
        name=LIST_FILES,
        arguments=ListFilesArguments,
        description="List the files of your workspace that match a glob (folders end with `/`; `.git` is left out).",
        policy=ToolPolicy.ALLOW,
        concurrent=True,
        subject=lambda arguments: arguments.pattern,
    )
)
