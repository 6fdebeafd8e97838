"""`delegate_task(agent, title, brief)`: hand part of the work to someone in the team (also
`POST …/tasks/{id}/subtasks`)."""

from pydantic import Field

from paperclip.models import AgentSpec, ToolSpec
from paperclip.tools.base import Line, LongText, ToolArguments

DELEGATE_TASK = "delegate_task"


class DelegateTaskArguments(ToolArguments):
    tool = DELEGATE_TASK

    agent: Line = Field(description="Who does it.")
    """Someone in the caller's team."""
    title: Line = Field(description="One line naming the work.")
    brief: LongText = Field(default="", description="What to do and what to deliver.")


def delegate_task_tool(team: list[AgentSpec]) -> ToolSpec:
    """The tool for a turn of someone with `team` below them: `agent` is one of them."""
    return DelegateTaskArguments.spec(
        "Delegate a subtask to a member of your team. The subtask runs on its own; its result "
        "comes back to you when it finishes. Team: "
        + "; ".join(f"{a.name} ({a.role}{', ' + a.title if a.title else ''})" for a in team),
        agent=[a.name for a in team],
    )
