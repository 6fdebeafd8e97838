"""`search_files(regex, glob)`: lines of the workspace's files that match a regular expression."""

from pydantic import Field

from paperclip.models import ToolPolicy
from paperclip.tools.base import ToolArguments
from paperclip.tools.registry import RegisteredTool, register

SEARCH_FILES = "search_files"
MAX_MATCHES = 1_000
"""Matching lines one call answers at most."""


class SearchFilesArguments(ToolArguments):
    tool = SEARCH_FILES

    regex: str = Field(min_length=1, max_length=1_000, description="A Python regular expression, matched per line.")
    glob: str = Field(
        default="**", min_length=1, max_length=500, description="Only files matching this glob (`**/*.py`)."
    )
    ignore_case: bool = Field(default=False, description="Match regardless of case.")
    max_matches: int = Field(default=200, ge=1, le=MAX_MATCHES, description="How many matching lines to answer.")


register(
    RegisteredTool(
        name=SEARCH_FILES,
        arguments=SearchFilesArguments,
        description=(
            "Search the text files of your workspace for lines matching a regular expression; each "
            "answer line is `path:line: text` (long lines are cut; `.git` and binary files are skipped)."
        ),
        policy=ToolPolicy.ALLOW,
        concurrent=True,
        subject=lambda arguments: arguments.glob,
    )
)
