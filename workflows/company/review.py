"""Whom a task's review policy names, resolved when the company queues the task (docs/review.md).

The effective policy is the task's own, else its project's, else the company's. `role:<role>`
becomes one agent then (the first of that role, in hiring order, that is neither terminated nor
the assignee), so the task's record and its workflow's input name whom it waits for. A reviewer
is never the assignee: a task is not approved by the agent who did it.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from paperclip.models import AgentSpec, AgentStatus, CompanyState, CreateTaskInput, TaskRecord
    from paperclip.models.review import BOARD, ReviewPolicy, TaskReview

UNAVAILABLE = (AgentStatus.TERMINATED, AgentStatus.PENDING_APPROVAL)


def effective(state: CompanyState, input: CreateTaskInput) -> tuple[ReviewPolicy | None, str]:
    """The policy that applies to a new task and where it comes from (`task`, `project WEB`,
    `company`); None: the task is not reviewed."""
    if input.review is not None:
        return input.review, "task"
    project = state.projects.get(input.project) if input.project is not None else None
    if project is not None and project.review is not None:
        return project.review, f"project {project.key}"
    return state.spec.review, "company"


def resolved(state: CompanyState, input: CreateTaskInput) -> tuple[ReviewPolicy | None, str | None]:
    """The task's policy with its reviewer made `board` or `agent:<name>`, or why it cannot be
    (the named agent is unknown, gone or the assignee; no other agent has the role)."""
    policy, source = effective(state, input)
    if policy is None or policy.reviewer == BOARD:
        return policy, None
    kind, _, name = policy.reviewer.partition(":")
    if kind == "agent":
        agent = state.agents.get(name)
        if agent is None:
            return None, f"the review policy ({source}) names unknown agent '{name}'"
        if agent.status in UNAVAILABLE:
            return None, f"the review policy ({source}) names {name}, who is {agent.status}"
        if name == input.assignee:
            return None, f"{name} cannot review its own task (the review policy of the {source})"
        return policy, None
    for agent in state.agents.values():
        if agent.spec.role == name and agent.status not in UNAVAILABLE and agent.spec.name != input.assignee:
            return policy.model_copy(update={"reviewer": f"agent:{agent.spec.name}"}), None
    return None, f"the review policy ({source}) asks for a {name}, and no agent but the assignee is one"


def task_review(state: CompanyState, record: TaskRecord) -> TaskReview | None:
    """What the task workflow is given of its record's policy at dispatch: the reviewing agent's
    spec, or none (the board reviews; so it does when the named agent has left since)."""
    policy = record.review
    if policy is None:
        return None
    agent = state.agents.get(policy.agent) if policy.agent is not None else None
    spec: AgentSpec | None = agent.spec if agent is not None and agent.status not in UNAVAILABLE else None
    return TaskReview(max_cycles=policy.max_cycles, agent=spec)
