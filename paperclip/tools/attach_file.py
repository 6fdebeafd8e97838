"""`attach_file(path)`: a file of the task's workspace attached to the task, for people to
download (`paperclip.attachments`)."""

from pydantic import Field

from paperclip.models import ToolPolicy
from paperclip.tools.base import ToolArguments
from paperclip.tools.registry import RegisteredTool, register

ATTACH_FILE = "attach_file"


class AttachFileArguments(ToolArguments):
    tool = ATTACH_FILE

    path: str = Field(min_length=1, max_length=1_000, description="The file, relative to the workspace's top.")
    name: str | None = Field(
        default=None, max_length=255, description="The name people download it as (default: the file's own)."
    )
    content_type: str | None = Field(
        default=None, max_length=100, description="Its type, e.g. text/csv (default: guessed from its name)."
    )


register(
    RegisteredTool(
        name=ATTACH_FILE,
        arguments=AttachFileArguments,
        description=(
            "Attach a file of your workspace to your task, for people to download (a report, a chart, "
            "a data file). Its type must match its content; HTML, SVG and scripts are not attached."
        ),
        policy=ToolPolicy.ALLOW,
        subject=lambda arguments: arguments.path,
    )
)
