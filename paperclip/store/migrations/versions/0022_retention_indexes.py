"""Indexes the daily purge deletes by (`paperclip.store.lifecycle`): the activity log by time,
stored tool outputs by when they were kept, tasks by status and last change (a finished task's
conversation goes with it). Without them each purge would read the whole table.

Revision ID: 0022
Revises: 0021
Create Date: 2026-12-03
"""

from collections.abc import Sequence

from alembic import op

revision: str = "0022"
down_revision: str | None = "0021"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

INDEXES = {
    "ix_activity_log_at": ("activity_log", ["at"]),
    "ix_tool_outputs_created_at": ("tool_outputs", ["created_at"]),
    "ix_tasks_status_updated_at": ("tasks", ["status", "updated_at"]),
}


def upgrade() -> None:
    for name, (table, columns) in INDEXES.items():
        op.create_index(name, table, columns)


def downgrade() -> None:
    for name, (table, _) in INDEXES.items():
        op.drop_index(name, table_name=table)
