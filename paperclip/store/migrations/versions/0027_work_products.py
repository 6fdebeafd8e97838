"""Work products: what each task produced (commits, branches, pull requests, files, documents, URLs).

Revision ID: 0027
Revises: 0026
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0027"
down_revision: str | None = "0026"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.create_table(
        "work_products",
        sa.Column("id", sa.BigInteger().with_variant(sa.Integer(), "sqlite"), autoincrement=True, nullable=False),
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("task", sa.String(200), nullable=False),
        sa.Column(
            "kind", sa.String(16), nullable=False, comment="commit | branch | pull_request | file | document | url"
        ),
        sa.Column("value", sa.Text, nullable=False, comment="hash, branch, URL, path in the workspace, document key"),
        sa.Column("value_digest", sa.String(64), nullable=False, comment="sha256 of value: the unique key's part"),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("recorded_by", sa.String(100), nullable=False, comment="the tool that recorded it, or agent"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_work_products"),
        sa.UniqueConstraint(
            "company_id", "task", "kind", "value_digest", name="uq_work_products_company_id_task_kind_value_digest"
        ),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_work_products_company_id_id", "work_products", ["company_id", "id"])


def downgrade() -> None:
    op.drop_index("ix_work_products_company_id_id", table_name="work_products")
    op.drop_table("work_products")
