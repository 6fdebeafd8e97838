"""What model calls send besides their messages (a task's system prompt and tools), stored once
by content hash.

Revision ID: 0015
Revises: 0014
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0015"
down_revision: str | None = "0014"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "standing",
        sa.Column("digest", sa.String(64), nullable=False, comment="sha256 of the JSON below"),
        sa.Column("body", sa.Text, nullable=False, comment="a task's system prompt and tools (JSON)"),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("digest", name="pk_standing"),
    )


def downgrade() -> None:
    op.drop_table("standing")
