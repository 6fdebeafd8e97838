"""Agents' revisions: every configuration each agent had (as hired, then after each configure or
rollback), so a change can be listed and undone.

Revision ID: 0018
Revises: 0017
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0018"
down_revision: str | None = "0017"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "agent_revisions",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("agent", sa.String(63), nullable=False),
        sa.Column("revision", sa.Integer, nullable=False, comment="1 as hired, one more per configure or rollback"),
        sa.Column(
            "at",
            sa.DateTime(timezone=True),
            nullable=True,
            comment="NULL: an agent's spec from before revisions were kept",
        ),
        sa.Column("actor", sa.String(200), nullable=False, server_default=""),
        sa.Column("spec", JSON_DOC, nullable=False, comment="AgentSpec: never a secret, only credentials' names"),
        sa.Column("changes", JSON_DOC, nullable=False, comment="SpecChange list: what it changed from the one before"),
        sa.Column("restored_from", sa.Integer, nullable=True, comment="a rollback: the revision it restored"),
        sa.PrimaryKeyConstraint("company_id", "agent", "revision", name="pk_agent_revisions"),
    )


def downgrade() -> None:
    op.drop_table("agent_revisions")
