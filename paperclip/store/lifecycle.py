"""What the store forgets: expired rows by kind, and every row of a deleted company.

A company's rows are found from the tables' metadata, not a list kept by hand: every table with a
`company_id` column (and `companies` itself, keyed by `id`), so a table added later is purged
with the rest without anyone remembering it. On SQLite the search index (`search_keys`,
`search_index`) follows `messages` and `tasks` by their delete triggers (migration 0008); on
PostgreSQL it is an index of those tables.
"""

from datetime import datetime

import sqlalchemy as sa

from paperclip.models import TERMINAL_STATUSES
from paperclip.store.engine import StoreCore
from paperclip.store.tables import activity_log, companies, github_monitors, messages, metadata, tasks, tool_outputs
from paperclip.store.task_tables import attachments


def company_tables() -> list[tuple[sa.Table, sa.Column[str]]]:
    """Each table holding a company's rows with the column naming the company, children first
    (a table another refers to comes after it), `companies` last."""
    found: list[tuple[sa.Table, sa.Column[str]]] = [
        (table, table.c.company_id) for table in reversed(metadata.sorted_tables) if "company_id" in table.c
    ]
    return [*found, (companies, companies.c.id)]


class LifecycleStore(StoreCore):
    """Purges: by age (the retention settings) and by company (its deletion)."""

    def purge_conversations(self, before: datetime) -> int:
        """Remove the messages of every finished task (done, failed, cancelled) that last changed
        before `before`: whole conversations, never part of one a task may still load. Answers
        how many messages went."""
        finished = sa.exists().where(
            tasks.c.company_id == messages.c.company_id,
            tasks.c.identifier == messages.c.task,
            tasks.c.status.in_([str(s) for s in TERMINAL_STATUSES]),
            tasks.c.updated_at < before,
        )
        with self._write() as conn:
            return conn.execute(sa.delete(messages).where(finished)).rowcount or 0

    def purge_tool_outputs(self, before: datetime) -> int:
        """Remove the stored tool outputs kept before `before`; how many went."""
        with self._write() as conn:
            return conn.execute(sa.delete(tool_outputs).where(tool_outputs.c.created_at < before)).rowcount or 0

    def purge_attachments(self, before: datetime) -> list[str]:
        """Forget the attachments uploaded before `before` to finished tasks (done, failed,
        cancelled): their records go, and their ids are answered so the caller removes the bytes."""
        finished = sa.exists().where(
            tasks.c.company_id == attachments.c.company_id,
            tasks.c.identifier == attachments.c.task,
            tasks.c.status.in_([str(s) for s in TERMINAL_STATUSES]),
        )
        with self._write() as conn:
            gone = conn.execute(
                sa.delete(attachments).where(attachments.c.created_at < before, finished).returning(attachments.c.id)
            )
            return sorted(gone.scalars())

    def company_attachment_ids(self, company_id: str) -> list[str]:
        """The ids of the company's attachments (whose bytes go with it)."""
        with self.engine.connect() as conn:
            query = sa.select(attachments.c.id).where(attachments.c.company_id == company_id)
            return sorted(conn.execute(query).scalars())

    def purge_activity(self, before: datetime) -> int:
        """Remove the activity log's entries from before `before`; how many went."""
        with self._write() as conn:
            return conn.execute(sa.delete(activity_log).where(activity_log.c.at < before)).rowcount or 0

    def monitor_names(self, company_id: str) -> list[str]:
        """The names of the company's GitHub monitors (each has a schedule to delete with it)."""
        c = github_monitors.c
        with self.engine.connect() as conn:
            return list(conn.execute(sa.select(c.name).where(c.company_id == company_id).order_by(c.name)).scalars())

    def delete_company_rows(self, company_id: str) -> dict[str, int]:
        """Remove every row of the company, in every table that has one, in one transaction;
        answers how many went from each table that had some."""
        removed: dict[str, int] = {}
        with self._write() as conn:
            for table, column in company_tables():
                count = conn.execute(sa.delete(table).where(column == company_id)).rowcount or 0
                if count:
                    removed[table.name] = count
        return removed
