"""A running task told that an agent changed (`AgentChanged`, from the company's `configure_agent`):
the one signal of `TaskWorkflow` kept out of `workflows.task`.

The task's own agent takes the fields that reach running tasks at once (`paperclip.configure.LIVE`:
tools, tool rules, hosts, permissions, budgets, heartbeat) from its next turn or tool call; the
rest of the change waits for its next task. An agent of the task's team is replaced whole, so a
subtask delegated to it from now on starts with its new spec. A signal older than one taken (by the
agent's revision) is dropped.
"""

from temporalio import workflow

with workflow.unsafe.imports_passed_through():
    from paperclip.configure import live_update
    from paperclip.constants import TaskSignal
    from paperclip.models import AgentChanged, TaskInput
    from workflows.task_core import TaskCore


class AgentChangesPart(TaskCore):
    """`TaskWorkflow`'s `agent_changed` signal (see the module docstring)."""

    def __init__(self, input: TaskInput) -> None:
        super().__init__(input)
        self.agent_revisions: dict[str, int] = {}
        """Agent → the latest revision this run took."""

    @workflow.signal(name=TaskSignal.AGENT_CHANGED)
    def agent_changed(self, changed: AgentChanged) -> None:
        """An agent of this task (its own, or one of its team) was configured."""
        spec = changed.agent
        if changed.revision <= self.agent_revisions.get(spec.name, 0):
            return
        self.agent_revisions[spec.name] = changed.revision
        update: dict[str, object] = {}
        if spec.name == self.input.agent.name:
            update["agent"] = live_update(self.input.agent, spec)
        if any(member.name == spec.name for member in self.input.team):
            update["team"] = [spec if member.name == spec.name else member for member in self.input.team]
        if update:
            self.input = self.input.model_copy(update=update)
