"""The details and hire spec of each approval, which the company carries by reference when long.

Revision ID: 0012
Revises: 0011
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0012"
down_revision: str | None = "0011"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "approvals",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("id", sa.String(63), nullable=False, comment="AP-1, AP-2, … in the company"),
        sa.Column("request_id", sa.Text, nullable=False, comment="the asking task's own id for it"),
        sa.Column("details", sa.Text, nullable=False, server_default=""),
        sa.Column("agent", JSON_DOC, nullable=True, comment="for a hire: the agent to hire"),
        sa.PrimaryKeyConstraint("company_id", "id", name="pk_approvals"),
    )


def downgrade() -> None:
    op.drop_table("approvals")
