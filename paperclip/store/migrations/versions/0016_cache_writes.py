"""Prompt-cache writes: the tokens a call wrote to its provider's prompt cache (Anthropic bills
them at 1.25x input), kept per ledger row and per task beside the cached (read) tokens.

Revision ID: 0016
Revises: 0015
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0016"
down_revision: str | None = "0015"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("tasks", "cost_events")


def upgrade() -> None:
    for table in TABLES:
        op.add_column(table, sa.Column("cache_write_tokens", sa.BigInteger, nullable=False, server_default="0"))


def downgrade() -> None:
    # Not in batch mode: recreating `tasks` on SQLite would drop the search index's triggers.
    for table in TABLES:
        op.drop_column(table, "cache_write_tokens")
