"""`hire_agent(template, name, …)`: add an agent to one's team from a template."""

from pydantic import Field

from paperclip.models import ToolSpec
from paperclip.tools.base import Line, LongText, ToolArguments

HIRE_AGENT = "hire_agent"


class HireAgentArguments(ToolArguments):
    tool = HIRE_AGENT

    template: Line = Field(description="The agent template to hire from.")
    name: Line = Field(description="Its name: lowercase letters, digits, '-' or '_'.")
    """Checked as any agent's name where the hire is made (`agent_from_template`)."""
    title: LongText = Field(default="", description="Its job title.")
    reports_to: str = Field(default="", description="Its manager: you (default) or one of your team.")
    reason: LongText = Field(description="Why the team needs it (the board reads this).")


def hire_agent_tool(templates: list[str] | None = None) -> ToolSpec:
    """The tool for a turn; `templates` narrows `template` to those names."""
    return HireAgentArguments.spec(
        "Hire a new agent into your team from a template. If the company requires the board's "
        "approval for hires, the agent starts work once the board approves.",
        **({"template": templates} if templates else {}),
    )
