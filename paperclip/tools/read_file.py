"""`read_file(path, offset, limit)`: lines of a file of the task's workspace."""

from pydantic import Field

from paperclip.models import ToolPolicy
from paperclip.tools.base import ToolArguments
from paperclip.tools.registry import RegisteredTool, register

READ_FILE = "read_file"
MAX_LINES = 5_000
"""Lines one call reads at most."""


class ReadFileArguments(ToolArguments):
    tool = READ_FILE

    path: str = Field(min_length=1, max_length=1_000, description="The file, relative to the workspace's top.")
    offset: int = Field(default=1, ge=1, description="The first line to read (1 is the file's first).")
    limit: int = Field(default=2_000, ge=1, le=MAX_LINES, description="How many lines to read at most.")


register(
    RegisteredTool(
        name=READ_FILE,
        arguments=ReadFileArguments,
        description=(
            "Read a text file of your workspace: `limit` lines from line `offset`. The answer says "
            "when the file goes on, and from which line to read on."
        ),
        policy=ToolPolicy.ALLOW,
        concurrent=True,
        subject=lambda arguments: arguments.path,
    )
)
