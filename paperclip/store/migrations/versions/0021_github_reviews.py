"""The pull-request reviewer: companies' GitHub monitors and the review of each head commit.

Revision ID: 0021
Revises: 0020
Create Date: 2026-12-03
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op
from sqlalchemy.dialects import postgresql

revision: str = "0021"
down_revision: str | None = "0020"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

JSON_DOC = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")


def upgrade() -> None:
    op.create_table(
        "github_monitors",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column(
            "config", JSON_DOC, nullable=False, comment="GitHubMonitorSpec: repo, branch, pipeline, api_url, mode"
        ),
        sa.Column(
            "credential", sa.String(200), nullable=False, comment="the token's credential, by name: never the key"
        ),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "name", name="pk_github_monitors"),
    )
    op.create_table(
        "pull_request_reviews",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("repo", sa.String(200), nullable=False, comment="OWNER/NAME, lowercased"),
        sa.Column("number", sa.Integer, nullable=False),
        sa.Column("head_sha", sa.String(40), nullable=False),
        sa.Column("monitor", sa.String(63), nullable=False),
        sa.Column("run_id", sa.String(100), nullable=False, comment="the pipeline run that reviews it"),
        sa.Column("state", sa.String(16), nullable=False, comment="running | posted | failed | superseded"),
        sa.Column("review_id", sa.BigInteger, nullable=True),
        sa.Column("review_url", sa.Text, nullable=True),
        sa.Column("error", sa.Text, nullable=True),
        sa.Column("created_at", sa.DateTime(timezone=True), nullable=False),
        sa.Column("updated_at", sa.DateTime(timezone=True), nullable=False),
        sa.PrimaryKeyConstraint("company_id", "repo", "number", "head_sha", name="pk_pull_request_reviews"),
    )


def downgrade() -> None:
    op.drop_table("pull_request_reviews")
    op.drop_table("github_monitors")
