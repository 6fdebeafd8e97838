"""An agent configured after hiring: the company's update that changes its spec, what it
answers, and the signal that brings the change to the running tasks it concerns.

What may change, and which changes reach running tasks at once, is `paperclip.configure`."""

from pydantic import BaseModel, Field

from paperclip.models.agents import AgentSpec
from paperclip.models.company import AgentState
from paperclip.models.revisions import SpecChange


class ConfigureAgentInput(BaseModel):
    """The company's `configure_agent` update: the agent's whole new spec (checked by the API as
    at hire), and the revision it was made from, so that a change made meanwhile is not undone
    unseen (the update is then refused as a conflict)."""

    agent: AgentSpec
    revision: int = Field(ge=0)
    """The agent's revision the new spec was made from (`AgentState.revision`)."""
    actor: str = "board"
    restored_from: int | None = Field(default=None, ge=1)
    """Set when the new spec is a former revision's configuration, restored (a rollback)."""


class ConfigureAgentResult(BaseModel):
    """What a configure (or a rollback) did: the agent now, its revision, what changed, and the
    running tasks of the agent that take the live changes from their next turn."""

    agent: AgentState
    revision: int
    changes: list[SpecChange] = Field(default_factory=list)
    """Empty: the spec asked for is the one it has, and nothing was done."""
    reached: list[str] = Field(default_factory=list)
    """Its running tasks, told at once (they take the changes marked `live`)."""


class AgentChanged(BaseModel):
    """Signal to a running task: an agent's spec changed. The task's own agent takes the live
    fields (`paperclip.configure.live_update`) from its next turn; a task whose team holds the
    agent delegates to it with the whole new spec from now on."""

    agent: AgentSpec
    revision: int
    """The agent's revision: a task drops a signal older than one it took."""
