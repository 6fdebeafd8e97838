"""The MCP servers each company attaches as tools.

Revision ID: 0014
Revises: 0012
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0014"
down_revision: str | None = "0013"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "mcp_servers",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("name", sa.String(63), nullable=False, comment="the namespace of its tools (server__tool)"),
        sa.Column("config", JSON_DOC, nullable=False, comment="McpServerConfig: never a key, only a credential's name"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "name", name="pk_mcp_servers"),
    )


def downgrade() -> None:
    op.drop_table("mcp_servers")
