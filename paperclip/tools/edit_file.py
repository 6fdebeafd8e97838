"""`edit_file(path, old_string, new_string, replace_all)`: an exact string replaced in a file."""

from pydantic import Field, model_validator

from paperclip.models import ToolPolicy
from paperclip.tools.base import ToolArguments
from paperclip.tools.registry import RegisteredTool, register
from paperclip.tools.write_file import MAX_WRITE

EDIT_FILE = "edit_file"


class EditFileArguments(ToolArguments):
    tool = EDIT_FILE

    path: str = Field(min_length=1, max_length=1_000, description="The file, relative to the workspace's top.")
    old_string: str = Field(
        min_length=1, max_length=MAX_WRITE, description="The exact text to replace (spaces and line ends included)."
    )
    new_string: str = Field(max_length=MAX_WRITE, description="What replaces it.")
    replace_all: bool = Field(
        default=False, description="Replace every occurrence; otherwise `old_string` must occur exactly once."
    )

    @model_validator(mode="after")
    def _changes(self) -> "EditFileArguments":
        if self.old_string == self.new_string:
            raise ValueError("old_string and new_string are the same: nothing would change")
        return self


register(
    RegisteredTool(
        name=EDIT_FILE,
        arguments=EditFileArguments,
        description=(
            "Replace an exact piece of text in a file of your workspace. `old_string` must occur "
            "exactly once (give a few surrounding lines to make it unique) unless `replace_all`."
        ),
        policy=ToolPolicy.ALLOW,
        subject=lambda arguments: arguments.path,
    )
)
