"""`add_blocker(task, blocked_by, input)`: make a queued task of the agent's own team wait for
another task of the company (and take its result as an input when it starts).

It runs inside the task workflow, which asks the company's `add_blocker` update through the
`add_blocker` activity: the company refuses a task that has started, one assigned outside the
calling agent's subtree of the org chart (itself and everyone below it), an unknown blocker, and a
cycle (named). The refusal is the tool's answer.
"""

from pydantic import Field

from paperclip.models import ToolPolicy
from paperclip.tools.base import ToolArguments
from paperclip.tools.comment import TaskIdentifier
from paperclip.tools.registry import RegisteredTool, register

ADD_BLOCKER = "add_blocker"


class AddBlockerArguments(ToolArguments):
    tool = ADD_BLOCKER

    task: TaskIdentifier = Field(description="The queued task that should wait (yours or your team's), e.g. ACME-4.")
    blocked_by: TaskIdentifier = Field(description="The task it waits for, e.g. ACME-3.")
    input: bool = Field(default=False, description="Also give it that task's result when it starts.")


ADD_BLOCKER_TOOL = register(
    RegisteredTool(
        name=ADD_BLOCKER,
        arguments=AddBlockerArguments,
        description=(
            "Make a queued task assigned to you or someone in your team wait until another task of the "
            "company is done (optionally receiving its result when it starts). Refused for a task that "
            "has started, one outside your team, or a wait that would close a cycle."
        ),
        runs="workflow",
        policy=ToolPolicy.ALLOW,
        workspace=False,
        subject=lambda arguments: arguments.task,
    )
)
