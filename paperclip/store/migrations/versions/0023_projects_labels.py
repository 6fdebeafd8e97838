"""Projects and labels: tasks remember their project and labels; each company keeps its labels.

(The projects themselves live in the company workflow, like its goals.)

Revision ID: 0023
Revises: 0022
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0023"
down_revision: str | None = "0022"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.add_column("tasks", sa.Column("project", sa.String(10), nullable=True))
    op.add_column(
        "tasks", sa.Column("labels", JSON_DOC, nullable=True, comment="the names of the company's labels it carries")
    )
    op.create_table(
        "labels",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("name", sa.String(40), nullable=False),
        sa.Column("colour", sa.String(7), nullable=False),
        sa.Column("description", sa.Text, nullable=False, server_default=""),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "name", name="pk_labels"),
    )


def downgrade() -> None:
    op.drop_table("labels")
    # Not in batch mode: recreating `tasks` on SQLite would drop the search index's triggers.
    op.drop_column("tasks", "labels")
    op.drop_column("tasks", "project")
