"""Initial store: companies, tasks, messages, cost events, activity log.

Revision ID: 0001
Revises:
Create Date: 2025-01-01
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0001"
down_revision: str | None = None
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

# Spelled out here rather than imported, so this revision stays what it was when tables change.
UTC_TIME = sa.DateTime(timezone=True)
JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
BIGINT_PK = sa.BigInteger().with_variant(sa.Integer(), "sqlite")


def upgrade() -> None:
    op.create_table(
        "companies",
        sa.Column("id", sa.String(63), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("mission", sa.Text, nullable=False),
        sa.Column("prefix", sa.String(10), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("spec", JSON_DOC, nullable=False),
        sa.PrimaryKeyConstraint("id", name="pk_companies"),
    )

    op.create_table(
        "tasks",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("identifier", sa.String(200), nullable=False),
        sa.Column("title", sa.Text, nullable=False),
        sa.Column("brief", sa.Text, nullable=False),
        sa.Column("assignee", sa.String(63), nullable=False),
        sa.Column("parent", sa.String(200), nullable=True),
        sa.Column("priority", sa.String(16), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("result", sa.Text, nullable=True),
        sa.Column("turns", sa.Integer, nullable=False),
        sa.Column("input_tokens", sa.BigInteger, nullable=False),
        sa.Column("output_tokens", sa.BigInteger, nullable=False),
        sa.Column("cached_input_tokens", sa.BigInteger, nullable=False),
        sa.Column("cost_usd", sa.Float, nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("updated_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("company_id", "identifier", name="pk_tasks"),
    )
    op.create_index("ix_tasks_company_id_status", "tasks", ["company_id", "status"])
    op.create_index("ix_tasks_company_id_assignee", "tasks", ["company_id", "assignee"])
    op.create_index("ix_tasks_company_id_parent", "tasks", ["company_id", "parent"])
    op.create_index("ix_tasks_company_id_created_at", "tasks", ["company_id", "created_at"])

    op.create_table(
        "messages",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("task", sa.String(200), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("idx", sa.Integer, nullable=False),
        sa.Column("agent", sa.String(63), nullable=False),
        sa.Column("role", sa.String(16), nullable=False),
        sa.Column("content", sa.Text, nullable=False),
        sa.Column("tool_calls", JSON_DOC, nullable=False),
        sa.Column("tool_call_id", sa.String(200), nullable=True),
        sa.Column("author", sa.String(200), nullable=True),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("company_id", "task", "seq", "idx", name="pk_messages"),
    )

    op.create_table(
        "cost_events",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("task", sa.String(200), nullable=False),
        sa.Column("seq", sa.Integer, nullable=False),
        sa.Column("agent", sa.String(63), nullable=False),
        sa.Column("provider", sa.String(32), nullable=False),
        sa.Column("model", sa.String(200), nullable=False),
        sa.Column("input_tokens", sa.BigInteger, nullable=False),
        sa.Column("output_tokens", sa.BigInteger, nullable=False),
        sa.Column("cached_input_tokens", sa.BigInteger, nullable=False),
        sa.Column("cost_usd", sa.Float, nullable=True, comment="NULL when the price is unknown"),
        sa.Column("simulated", sa.Boolean, nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("company_id", "task", "seq", name="pk_cost_events"),
    )
    op.create_index("ix_cost_events_company_id_at", "cost_events", ["company_id", "at"])
    op.create_index("ix_cost_events_company_id_agent", "cost_events", ["company_id", "agent"])

    op.create_table(
        "activity_log",
        sa.Column("seq", BIGINT_PK, autoincrement=True, nullable=False),
        sa.Column("id", sa.String(200), nullable=False),
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("at", UTC_TIME, nullable=False),
        sa.Column("kind", sa.String(64), nullable=False),
        sa.Column("actor", sa.String(200), nullable=False),
        sa.Column("task", sa.String(200), nullable=True),
        sa.Column("agent", sa.String(63), nullable=True),
        sa.Column("summary", sa.Text, nullable=False),
        sa.Column("data", JSON_DOC, nullable=False),
        sa.PrimaryKeyConstraint("seq", name="pk_activity_log"),
        sa.UniqueConstraint("id", name="uq_activity_log_id"),
        sqlite_autoincrement=True,
    )
    op.create_index("ix_activity_log_company_id_seq", "activity_log", ["company_id", "seq"])


def downgrade() -> None:
    op.drop_table("activity_log")
    op.drop_table("cost_events")
    op.drop_table("messages")
    op.drop_table("tasks")
    op.drop_table("companies")
