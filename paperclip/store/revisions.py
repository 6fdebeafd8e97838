"""Agents' revisions: every configuration each agent had, by company, agent and number.

The company workflow sends them with its record batches (`RecordStore.record` writes them with
the rest, in one transaction); a revision never changes once written, so a repeated write of one
is a no-op. The API lists them and reads one back to restore it.
"""

from typing import Any

import sqlalchemy as sa

from paperclip.models import AgentRevision
from paperclip.store.engine import StoreCore
from paperclip.store.tables import agent_revisions

REVISION_KEYS = ("company_id", "agent", "revision")
"""What identifies a revision."""


class RevisionStore(StoreCore):
    """Agents' revisions."""

    def list_agent_revisions(
        self, company_id: str, agent: str, *, limit: int = 100, offset: int = 0, newest_first: bool = False
    ) -> tuple[list[AgentRevision], int]:
        """The agent's revisions, oldest first (newest first with `newest_first`), and how many there are."""
        c = agent_revisions.c
        where = (c.company_id == company_id, c.agent == agent)
        order = c.revision.desc() if newest_first else c.revision
        query = sa.select(agent_revisions).where(*where).order_by(order).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            rows = [revision_of(row) for row in conn.execute(query).mappings()]
            total = conn.execute(sa.select(sa.func.count()).select_from(agent_revisions).where(*where)).scalar_one()
        return rows, total

    def get_agent_revision(self, company_id: str, agent: str, revision: int) -> AgentRevision | None:
        c = agent_revisions.c
        query = sa.select(agent_revisions).where(c.company_id == company_id, c.agent == agent, c.revision == revision)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().one_or_none()
        return None if row is None else revision_of(row)


def revision_row(revision: AgentRevision) -> dict[str, Any]:
    """A revision as a row of `agent_revisions`."""
    as_json = revision.model_dump(mode="json", include={"spec", "changes"})
    return revision.model_dump(mode="python", exclude={"spec", "changes"}) | as_json


def revision_of(row: Any) -> AgentRevision:
    """A revision as a row of `agent_revisions` keeps it."""
    return AgentRevision.model_validate({key: row[key] for key in AgentRevision.model_fields})
