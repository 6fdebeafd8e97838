"""Tasks remember the routine that created them.

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0002"
down_revision: str | None = "0001"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("routine", sa.String(63), nullable=True))
    op.create_index("ix_tasks_company_id_routine", "tasks", ["company_id", "routine"])


def downgrade() -> None:
    op.drop_index("ix_tasks_company_id_routine", table_name="tasks")
    with op.batch_alter_table("tasks") as batch:
        batch.drop_column("routine")
