"""Who may do what: a member's role in its team, and an API key as listed."""

from datetime import datetime
from enum import StrEnum

from pydantic import BaseModel


class TeamRole(StrEnum):
    """What a member may do in its team's companies."""

    OWNER = "owner"
    """Everything, and manages the team's members."""
    OPERATOR = "operator"
    """Reads and changes: companies, agents, tasks, approvals."""
    VIEWER = "viewer"
    """Reads only."""


class ApiKeyInfo(BaseModel):
    """An API key as listed: never its secret."""

    id: str
    user: str
    label: str
    created_at: datetime
    revoked_at: datetime | None = None
