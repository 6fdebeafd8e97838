"""`write_file(path, content)`: a file of the task's workspace made or replaced."""

from pydantic import Field

from paperclip.models import ToolPolicy
from paperclip.tools.base import ToolArguments
from paperclip.tools.registry import RegisteredTool, register

WRITE_FILE = "write_file"
MAX_WRITE = 1_000_000
"""Characters one file written by a tool holds at most."""


class WriteFileArguments(ToolArguments):
    tool = WRITE_FILE

    path: str = Field(min_length=1, max_length=1_000, description="The file, relative to the workspace's top.")
    content: str = Field(max_length=MAX_WRITE, description="The whole new content of the file.")


register(
    RegisteredTool(
        name=WRITE_FILE,
        arguments=WriteFileArguments,
        description=(
            "Write a file of your workspace (made with its folders if new, replaced whole if not). "
            "To change part of a file, use edit_file."
        ),
        policy=ToolPolicy.ALLOW,
        subject=lambda arguments: arguments.path,
    )
)
