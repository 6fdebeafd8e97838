"""`comment(body, task)`: a comment on the agent's own task, on its parent or on one of its
subtasks, on record in the company's activity log for people to read.

It runs inside the task workflow (a signal to the company, which posts it as `post_comment`
does for a person): a comment on the agent's own task is on record but never its own next
input; one on its parent or a subtask is that task's agent's next input.
"""

import re
from typing import Annotated

from pydantic import Field, StringConstraints

from paperclip.models import NOT_BLANK, ToolPolicy
from paperclip.models.names import Checked
from paperclip.tools.base import ToolArguments
from paperclip.tools.registry import RegisteredTool, register

COMMENT = "comment"
MAX_COMMENT = 10_000
"""Characters of one comment at most."""
IDENTIFIER = re.compile(r"^[A-Z][A-Z0-9]{0,9}-[0-9]{1,9}(\.[0-9]{1,9}){0,10}$")
"""A task's identifier: the company's prefix and its number, then a subtask's number per level."""


def check_identifier(value: str) -> str:
    """`value` if it is shaped like a task identifier (`ACME-12`, `ACME-12.1`), else ValueError."""
    if not IDENTIFIER.fullmatch(value):
        raise ValueError(f"{value[:100]!r} is not a task identifier (like ACME-12 or ACME-12.1)")
    return value


TaskIdentifier = Annotated[str, StringConstraints(strip_whitespace=True), Checked(IDENTIFIER, check_identifier)]
"""A task's identifier, checked for its shape only (whether the task exists is the company's)."""
CommentBody = Annotated[
    str,
    StringConstraints(strip_whitespace=True, min_length=1, max_length=MAX_COMMENT),
    Field(json_schema_extra={"pattern": NOT_BLANK}),
]


class CommentArguments(ToolArguments):
    tool = COMMENT

    body: CommentBody = Field(
        description="What you want to say: a progress note, a question or an answer. `@name` also wakes that agent."
    )
    task: TaskIdentifier | None = Field(
        default=None,
        description="The task to comment on: your own (leave it out), its parent, or one of your subtasks.",
    )


COMMENT_TOOL = register(
    RegisteredTool(
        name=COMMENT,
        arguments=CommentArguments,
        description=(
            "Post a comment on your task, on the task it is part of (its parent), or on one of your "
            "subtasks. People read it in the task's activity; the agent of a parent or subtask reads it "
            "on its next turn. Your own task's comments are a record, not a message to yourself."
        ),
        runs="workflow",
        policy=ToolPolicy.ALLOW,
        workspace=False,
        subject=lambda arguments: arguments.task or "",
    )
)
