"""Pipelines: companies' pipeline documents (every version) and their runs.

Revision ID: 0019
Revises: 0018
Create Date: 2026-12-10
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0019"
down_revision: str | None = "0018"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "pipelines",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("version", sa.Integer, nullable=False, comment="1, then one more for each different content"),
        sa.Column("content", sa.Text, nullable=False, comment="the YAML document as given"),
        sa.Column("digest", sa.String(64), nullable=False, comment="sha256 of the content"),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("created_by", sa.String(200), nullable=False, server_default=""),
        sa.PrimaryKeyConstraint("company_id", "name", "version", name="pk_pipelines"),
    )
    op.create_table(
        "pipeline_runs",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("run_id", sa.String(100), nullable=False),
        sa.Column("pipeline", sa.String(63), nullable=False),
        sa.Column("version", sa.Integer, nullable=False),
        sa.Column("digest", sa.String(64), nullable=False, comment="sha256 of the content the run started from"),
        sa.Column("status", sa.String(16), nullable=False, comment="running | done | failed | cancelled"),
        sa.Column("inputs", JSON_DOC, nullable=False),
        sa.Column("started_by", sa.String(200), nullable=False, server_default=""),
        sa.Column("started_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("finished_at", sa.DateTime(timezone=True), nullable=True),
        sa.Column("tokens", sa.BigInteger, nullable=False, server_default="0"),
        sa.Column("cost_usd", sa.Float, nullable=False, server_default="0"),
        sa.Column("idempotency_key", sa.String(200), nullable=True, comment="one run per key and company"),
        sa.Column("state", JSON_DOC, nullable=False, comment="PipelineRunState as the workflow last reported it"),
        sa.PrimaryKeyConstraint("company_id", "run_id", name="pk_pipeline_runs"),
        sa.UniqueConstraint("company_id", "idempotency_key", name="uq_pipeline_runs_company_id_idempotency_key"),
    )
    op.create_index(
        "ix_pipeline_runs_company_id_pipeline_started_at", "pipeline_runs", ["company_id", "pipeline", "started_at"]
    )


def downgrade() -> None:
    op.drop_index("ix_pipeline_runs_company_id_pipeline_started_at", table_name="pipeline_runs")
    op.drop_table("pipeline_runs")
    op.drop_table("pipelines")
