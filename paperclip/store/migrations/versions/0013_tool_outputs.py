"""Tool outputs too long for a tool result, kept by reference.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "tool_outputs",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("ref", sa.String(40), nullable=False, comment="to-<digest of the task and the call>"),
        sa.Column("task", sa.String(200), nullable=False),
        sa.Column("call_id", sa.String(200), nullable=False),
        sa.Column("agent", sa.String(63), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("size", sa.Integer, nullable=False, comment="characters"),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("company_id", "ref", name="pk_tool_outputs"),
    )


def downgrade() -> None:
    op.drop_table("tool_outputs")
