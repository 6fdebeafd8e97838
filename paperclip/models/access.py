"""Who may do what: a member's role in its team, and an API key as listed."""

from datetime import datetime

from pydantic import BaseModel


class ApiKeyInfo(BaseModel):
    """An API key as listed: never its secret."""

    id: str
    user: str
    label: str
    created_at: datetime
    revoked_at: datetime | None = None
