"""Teams, users and their roles, API keys (hashed), and which team owns a company.

Revision ID: 0007
Revises: 0006
Create Date: 2026-11-21
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0007"
down_revision: str | None = "0006"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

UTC_TIME = sa.DateTime(timezone=True)


def upgrade() -> None:
    op.create_table(
        "teams",
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_teams"),
    )
    op.create_table(
        "users",
        sa.Column("name", sa.String(63), nullable=False),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.PrimaryKeyConstraint("name", name="pk_users"),
    )
    op.create_table(
        "memberships",
        sa.Column("user_name", sa.String(63), nullable=False),
        sa.Column("team_name", sa.String(63), nullable=False),
        sa.Column("role", sa.String(16), nullable=False, comment="owner | operator | viewer"),
        sa.PrimaryKeyConstraint("user_name", "team_name", name="pk_memberships"),
        sa.ForeignKeyConstraint(
            ["user_name"], ["users.name"], name="fk_memberships_user_name_users", ondelete="CASCADE"
        ),
        sa.ForeignKeyConstraint(
            ["team_name"], ["teams.name"], name="fk_memberships_team_name_teams", ondelete="CASCADE"
        ),
    )
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(32), nullable=False),
        sa.Column("user_name", sa.String(63), nullable=False),
        sa.Column("label", sa.String(100), nullable=False),
        sa.Column("salt", sa.LargeBinary, nullable=False),
        sa.Column("digest", sa.LargeBinary, nullable=False, comment="scrypt(secret, salt)"),
        sa.Column("created_at", UTC_TIME, nullable=False),
        sa.Column("revoked_at", UTC_TIME, nullable=True),
        sa.PrimaryKeyConstraint("id", name="pk_api_keys"),
        sa.ForeignKeyConstraint(["user_name"], ["users.name"], name="fk_api_keys_user_name_users", ondelete="CASCADE"),
    )
    op.create_table(
        "company_teams",
        sa.Column("company_id", sa.String(63), nullable=False),
        sa.Column("team_name", sa.String(63), nullable=False),
        sa.PrimaryKeyConstraint("company_id", name="pk_company_teams"),
        sa.ForeignKeyConstraint(["team_name"], ["teams.name"], name="fk_company_teams_team_name_teams"),
    )
    op.create_index("ix_company_teams_team_name", "company_teams", ["team_name"])


def downgrade() -> None:
    op.drop_index("ix_company_teams_team_name", table_name="company_teams")
    op.drop_table("company_teams")
    op.drop_table("api_keys")
    op.drop_table("memberships")
    op.drop_table("users")
    op.drop_table("teams")
