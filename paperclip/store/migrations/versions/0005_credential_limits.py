"""A token bucket and a provider cool-down per credential, shared by every worker.

Revision ID: 0005
Revises: 0004
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "credential_limits",
        sa.Column("credential", sa.String(200), nullable=False),
        sa.Column("tokens", sa.Float, nullable=False, comment="left in the token bucket at refilled_at"),
        sa.Column("refilled_at", sa.Float, nullable=False, comment="Unix time"),
        sa.Column("cooldown_until", sa.Float, nullable=True, comment="Unix time the provider said to wait until"),
        sa.PrimaryKeyConstraint("credential", name="pk_credential_limits"),
    )


def downgrade() -> None:
    op.drop_table("credential_limits")
