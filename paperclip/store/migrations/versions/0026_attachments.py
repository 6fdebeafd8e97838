"""Attachments: files uploaded to a task, their bytes kept by the attachment storage.

Revision ID: 0026
Revises: 0025
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0026"
down_revision: str | None = "0025"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "attachments",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("id", sa.String(40), nullable=False, comment="att-<hex>: the key of the bytes in the backend"),
        sa.Column("task", sa.String(200), nullable=False),
        sa.Column("filename", sa.String(255), nullable=False, comment="the uploader's name, made safe"),
        sa.Column("content_type", sa.String(100), nullable=False),
        sa.Column("size", sa.BigInteger, nullable=False),
        sa.Column("sha256", sa.String(64), nullable=False),
        sa.Column("uploaded_by", sa.String(200), nullable=False),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "id", name="pk_attachments"),
    )
    op.create_index("ix_attachments_company_id_task", "attachments", ["company_id", "task"])


def downgrade() -> None:
    op.drop_index("ix_attachments_company_id_task", table_name="attachments")
    op.drop_table("attachments")
