"""The cost ledger keeps every attempt of a call: a row per (task, turn, model, attempt), written
unconfirmed at the call's worst case before it is sent and confirmed when the provider answers,
with the hash of the call's input so a retry can reuse a stored answer. Task records keep their
unconfirmed attempts.

Rows recorded before this are the first attempt on the agent's own model, confirmed.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02
"""

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("cost_events", recreate="always") as batch:
        batch.add_column(sa.Column("model_index", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("attempt", sa.Integer, nullable=False, server_default="1"))
        batch.add_column(sa.Column("confirmed", sa.Boolean, nullable=False, server_default=sa.true()))
        batch.add_column(sa.Column("input_hash", sa.String(64), nullable=True))
        batch.drop_constraint("pk_cost_events", type_="primary")
        batch.create_primary_key("pk_cost_events", ["company_id", "task", "seq", "model_index", "attempt"])
    with op.batch_alter_table("tasks") as batch:
        batch.add_column(sa.Column("unconfirmed_attempts", sa.Integer, nullable=False, server_default="0"))
        batch.add_column(sa.Column("unconfirmed_tokens", sa.BigInteger, nullable=False, server_default="0"))
        batch.add_column(sa.Column("unconfirmed_usd", sa.Float, nullable=False, server_default="0"))


def downgrade() -> None:
    # Not in batch mode: recreating `tasks` on SQLite would drop the search index's triggers.
    for column in ("unconfirmed_usd", "unconfirmed_tokens", "unconfirmed_attempts"):
        op.drop_column("tasks", column)
    op.execute("DELETE FROM cost_events WHERE model_index <> 0 OR attempt <> 1")
    with op.batch_alter_table("cost_events", recreate="always") as batch:
        batch.drop_constraint("pk_cost_events", type_="primary")
        batch.create_primary_key("pk_cost_events", ["company_id", "task", "seq"])
        batch.drop_column("input_hash")
        batch.drop_column("confirmed")
        batch.drop_column("attempt")
        batch.drop_column("model_index")
