"""The tools an agent is offered, as provider-neutral JSON-schema specs.

The task workflow builds the list for each turn and acts on the calls; the providers translate
the specs to their wire formats.
"""

from paperclip.models import AgentSpec, ToolSpec

DELEGATE_TASK = "delegate_task"
COMPLETE_TASK = "complete_task"
ESCALATE = "escalate"


def delegate_task_tool(team: list[AgentSpec]) -> ToolSpec:
    """`delegate_task(agent, title, brief)`: hand part of the work to someone in the team."""
    return ToolSpec(
        name=DELEGATE_TASK,
        description=(
            "Delegate a subtask to a member of your team. The subtask runs on its own; its result "
            "comes back to you when it finishes. Team: "
            + "; ".join(f"{a.name} ({a.role}{', ' + a.title if a.title else ''})" for a in team)
        ),
        parameters={
            "type": "object",
            "properties": {
                "agent": {"type": "string", "enum": [a.name for a in team], "description": "Who does it."},
                "title": {"type": "string", "description": "One line naming the work."},
                "brief": {"type": "string", "description": "What to do and what to deliver."},
            },
            "required": ["agent", "title", "brief"],
        },
    )


def complete_task_tool() -> ToolSpec:
    """`complete_task(result)`: finish the task with its result."""
    return ToolSpec(
        name=COMPLETE_TASK,
        description="Finish your task and report its result to whoever gave it to you.",
        parameters={
            "type": "object",
            "properties": {"result": {"type": "string", "description": "The outcome, for your manager."}},
            "required": ["result"],
        },
    )


def escalate_tool(manager: str) -> ToolSpec:
    """`escalate(reason)`: hand the task to one's manager."""
    return ToolSpec(
        name=ESCALATE,
        description=(
            f"Hand this task to your manager, {manager}, when you cannot or should not finish it yourself. "
            "Say why: your manager carries on from this conversation."
        ),
        parameters={
            "type": "object",
            "properties": {"reason": {"type": "string", "description": "Why the task goes up."}},
            "required": ["reason"],
        },
    )


def tools_for(team: list[AgentSpec], *, manager: str | None = None) -> list[ToolSpec]:
    """The tools of one turn: delegation only when there is somebody to delegate to, escalation
    only when there is somebody above."""
    return (
        ([delegate_task_tool(team)] if team else [])
        + [complete_task_tool()]
        + ([escalate_tool(manager)] if manager else [])
    )
