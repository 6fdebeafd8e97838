"""Webhooks: a company's incoming hooks and the deliveries they took, and its outgoing subscriptions.

Revision ID: 0020
Revises: 0018
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0020"
down_revision: str | None = "0019"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "hooks",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False, comment="github or generic: how deliveries are signed"),
        sa.Column("sealed", sa.LargeBinary, nullable=False, comment="the secret, AES-256-GCM: nonce + ciphertext"),
        sa.Column("config", JSON_DOC, nullable=False, comment="HookSpec's target, inputs and when: never the secret"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "name", name="pk_hooks"),
    )
    op.create_table(
        "hook_deliveries",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("hook", sa.String(63), nullable=False),
        sa.Column(
            "delivery", sa.String(200), nullable=False, comment="X-GitHub-Delivery, or a generic one's signature"
        ),
        sa.Column("received_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("outcome", sa.String(200), nullable=False, comment="pending, skipped, or task <identifier>"),
        sa.PrimaryKeyConstraint("company_id", "hook", "delivery", name="pk_hook_deliveries"),
    )
    op.create_table(
        "webhook_subscriptions",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("url", sa.Text, nullable=False),
        sa.Column("events", JSON_DOC, nullable=False, comment="WebhookEvent values it is told of"),
        sa.Column("format", sa.String(16), nullable=False, comment="json or slack"),
        sa.Column("sealed", sa.LargeBinary, nullable=False, comment="the signing secret, AES-256-GCM"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "name", name="pk_webhook_subscriptions"),
    )


def downgrade() -> None:
    op.drop_table("webhook_subscriptions")
    op.drop_table("hook_deliveries")
    op.drop_table("hooks")
