"""Review before done: tasks remember their review policy, resolved when they were queued.

Revision ID: 0028
Revises: 0027
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0028"
down_revision: str | None = "0027"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column(
        "tasks",
        sa.Column("review", JSON_DOC, nullable=True, comment="its review policy, resolved when it was queued"),
    )


def downgrade() -> None:
    # Not in batch mode: recreating `tasks` on SQLite would drop the search index's triggers.
    op.drop_column("tasks", "review")
