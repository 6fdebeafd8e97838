"""Cost events remember the goal their task serves, so spend can be summed by goal.

Events recorded before this take the goal of their task as the store has it.

Revision ID: 0004
Revises: 0003
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0004"
down_revision: str | None = "0003"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cost_events") as batch:
        batch.add_column(sa.Column("goal", sa.String(20), nullable=True))
    op.execute(
        "UPDATE cost_events SET goal = (SELECT tasks.goal FROM tasks"
        " WHERE tasks.company_id = cost_events.company_id AND tasks.identifier = cost_events.task)"
    )


def downgrade() -> None:
    with op.batch_alter_table("cost_events") as batch:
        batch.drop_column("goal")
