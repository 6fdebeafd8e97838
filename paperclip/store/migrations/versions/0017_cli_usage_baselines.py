"""CLI usage baselines: a CLI session's running total of tokens as last booked (Codex reports
only the total over its thread), so each turn books what it added, on any worker.

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0017"
down_revision: str | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "cli_usage_baselines",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("tool", sa.String(32), nullable=False, comment="codex, …: whose session id"),
        sa.Column("session_id", sa.String(200), nullable=False, comment="the tool's own (Codex: its thread id)"),
        sa.Column("task", sa.String(200), nullable=False, comment="the task whose turns ran in the session"),
        sa.Column("input_tokens", sa.BigInteger, nullable=False),
        sa.Column("output_tokens", sa.BigInteger, nullable=False),
        sa.Column("cached_input_tokens", sa.BigInteger, nullable=False),
        sa.Column("cache_write_tokens", sa.BigInteger, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("company_id", "tool", "session_id", name="pk_cli_usage_baselines"),
    )


def downgrade() -> None:
    op.drop_table("cli_usage_baselines")
