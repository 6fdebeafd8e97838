"""`create_pull_request(title, body)`: a GitHub pull request of the task's branch."""

from pydantic import Field

from paperclip.models import ToolPolicy
from paperclip.tools.base import Line, LongText, ToolArguments
from paperclip.tools.registry import RegisteredTool, register

CREATE_PULL_REQUEST = "create_pull_request"


class CreatePullRequestArguments(ToolArguments):
    tool = CREATE_PULL_REQUEST

    title: Line = Field(description="The pull request's title.")
    body: LongText = Field(default="", description="What it changes and why (Markdown).")
    draft: bool = Field(default=False, description="Open it as a draft.")


register(
    RegisteredTool(
        name=CREATE_PULL_REQUEST,
        arguments=CreatePullRequestArguments,
        description=(
            "Open a pull request on GitHub from your task's branch (push it first) into the "
            "repository's base branch. Answers the pull request's URL."
        ),
        policy=ToolPolicy.ASK,
        risky=True,
        # The URL is only known once it exists: a rule matches on the title.
        subject=lambda arguments: arguments.title,
    )
)
