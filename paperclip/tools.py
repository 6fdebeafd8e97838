"""The tools an agent is offered, as provider-neutral JSON-schema specs.

The task workflow builds the list for each turn and acts on the calls; the providers translate
the specs to their wire formats.
"""

from paperclip.models import AgentSpec, ToolSpec

DELEGATE_TASK = "delegate_task"
COMPLETE_TASK = "complete_task"
ESCALATE = "escalate"
REQUEST_APPROVAL = "request_approval"
HIRE_AGENT = "hire_agent"


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


def request_approval_tool(*, strategy: bool) -> ToolSpec:
    """`request_approval(kind, title, details)`: ask a person and wait for the decision."""
    kinds = ["board", "strategy"] if strategy else ["board"]
    return ToolSpec(
        name=REQUEST_APPROVAL,
        description=(
            "Ask the board (a person) to approve something before you go on. You wait, without working, "
            "until they decide; the decision and their note come back to you. "
            + (
                "Use kind 'strategy' for your plan for this task: you cannot delegate before it is approved. "
                if strategy
                else ""
            )
        ),
        parameters={
            "type": "object",
            "properties": {
                "kind": {"type": "string", "enum": kinds, "description": "What you ask about."},
                "title": {"type": "string", "description": "One line: what should be approved."},
                "details": {"type": "string", "description": "Everything the board needs to decide."},
            },
            "required": ["kind", "title", "details"],
        },
    )


def hire_agent_tool(templates: list[str] | None = None) -> ToolSpec:
    """`hire_agent(template, name, …)`: add an agent to one's team from a template."""
    template: dict[str, object] = {"type": "string", "description": "The agent template to hire from."}
    if templates:
        template["enum"] = templates
    return ToolSpec(
        name=HIRE_AGENT,
        description=(
            "Hire a new agent into your team from a template. If the company requires the board's "
            "approval for hires, the agent starts work once the board approves."
        ),
        parameters={
            "type": "object",
            "properties": {
                "template": template,
                "name": {"type": "string", "description": "Its name: lowercase letters, digits, '-' or '_'."},
                "title": {"type": "string", "description": "Its job title."},
                "reports_to": {"type": "string", "description": "Its manager: you (default) or one of your team."},
                "reason": {"type": "string", "description": "Why the team needs it (the board reads this)."},
            },
            "required": ["template", "name", "reason"],
        },
    )


def tools_for(
    team: list[AgentSpec],
    *,
    manager: str | None = None,
    can_hire: bool = False,
    strategy: bool = False,
) -> list[ToolSpec]:
    """The tools of one turn: delegation only when there is somebody to delegate to, escalation
    only when there is somebody above, hiring only with the permission."""
    return (
        ([delegate_task_tool(team)] if team else [])
        + [complete_task_tool()]
        + ([escalate_tool(manager)] if manager else [])
        + [request_approval_tool(strategy=strategy)]
        + ([hire_agent_tool()] if can_hire else [])
    )
