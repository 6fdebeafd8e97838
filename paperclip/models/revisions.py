"""What the store keeps of an agent's configurations: each revision of its spec, and what it
changed from the one before (also the activity log's `agent.configured` data)."""

from datetime import datetime
from typing import Any

from pydantic import BaseModel, Field

from paperclip.models.agents import AgentSpec


class SpecChange(BaseModel):
    """One field of an agent's spec that a change set: its dotted path (`model.model`,
    `cli.env.DEBUG`; a list is one field), the value before and after (long ones cut short: the
    revision keeps the whole spec), and whether it reached running tasks at once."""

    field: str
    before: Any = None
    after: Any = None
    live: bool = False
    """True: running tasks take it from their next turn; False: it applies from the next task."""


class AgentRevision(BaseModel):
    """One configuration an agent had: the spec as hired (revision 1), or as a configure or a
    rollback left it. The store keeps every one (`agent_revisions`), written by the company."""

    company_id: str
    agent: str
    revision: int = Field(ge=1)
    at: datetime | None = None
    """None: not known (an agent hired before revisions were kept, shown as it is now)."""
    actor: str = ""
    spec: AgentSpec
    changes: list[SpecChange] = Field(default_factory=list)
    """What it changed from the revision before (none for the first)."""
    restored_from: int | None = None
    """The former revision it restored (a rollback), if any."""
