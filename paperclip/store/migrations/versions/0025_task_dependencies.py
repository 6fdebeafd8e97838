"""Tasks remember what they wait for: their blockers, the inputs among them, and why a task that
never started is blocked.

Revision ID: 0025
Revises: 0024
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0025"
down_revision: str | None = "0024"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("blocked_by", JSON_DOC, nullable=True, comment="identifiers it waits for"))
        batch.add_column(sa.Column("inputs", JSON_DOC, nullable=True, comment="those whose results it is given"))
        batch.add_column(sa.Column("blocked_reason", sa.Text, nullable=True))


def downgrade() -> None:
    # Not in batch mode: recreating `tasks` on SQLite would drop the search index's triggers.
    op.drop_column("tasks", "blocked_reason")
    op.drop_column("tasks", "inputs")
    op.drop_column("tasks", "blocked_by")
