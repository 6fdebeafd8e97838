"""Requests made with an Idempotency-Key and their responses, kept a day.

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0011"
down_revision: str | None = "0010"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "idempotency_keys",
        sa.Column("scope", sa.String(32), nullable=False, comment="digest of the caller, the route and the key"),
        sa.Column("request", sa.String(32), nullable=False, comment="digest of the request's query and body"),
        sa.Column("status", sa.String(16), nullable=False, comment="pending | done | failed"),
        sa.Column("response_status", sa.Integer, nullable=True),
        sa.Column("response_type", sa.String(200), nullable=True),
        sa.Column("response_body", sa.LargeBinary, nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False, comment="claimed at; kept a day"),
        sa.PrimaryKeyConstraint("scope", name="pk_idempotency_keys"),
    )
    op.create_index("ix_idempotency_keys_created_at", "idempotency_keys", ["created_at"])


def downgrade() -> None:
    op.drop_index("ix_idempotency_keys_created_at", table_name="idempotency_keys")
    op.drop_table("idempotency_keys")
