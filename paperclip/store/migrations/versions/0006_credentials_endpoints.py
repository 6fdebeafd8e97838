"""Encrypted credentials, and model endpoints registered by name.

Revision ID: 0006
Revises: 0005
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0006"
down_revision: str | None = "0005"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here rather than imported, so this revision stays what it was when tables change.
UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "credentials",
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("sealed", sa.LargeBinary, nullable=False, comment="AES-256-GCM: nonce + ciphertext"),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_credentials"),
    )
    op.create_table(
        "endpoints",
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("kind", sa.String(32), nullable=False),
        sa.Column("url", sa.String(2000), nullable=False),
        sa.Column("model", sa.String(200), nullable=True),
        sa.Column("has_key", sa.Boolean, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_endpoints"),
    )


def downgrade() -> None:
    op.drop_table("endpoints")
    op.drop_table("credentials")
