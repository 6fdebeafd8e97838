"""CLI sessions' running totals: what a tool that reports only its session's total (Codex's
`turn.completed.usage` counts the whole thread) was last booked at. A turn reads it before it
books (`cli_session_total`); `save_turn` writes the new total in the transaction that writes the
turn's ledger row, so the two never disagree, whichever worker runs the session's next turn."""

from typing import Any

import sqlalchemy as sa

from paperclip.models import CliSessionTotal, Usage
from paperclip.store.engine import StoreCore, utc_now
from paperclip.store.tables import cli_usage_baselines

KEYS = ("company_id", "tool", "session_id")


def total_row(total: CliSessionTotal) -> dict[str, Any]:
    """The `cli_usage_baselines` row of `total`, stamped now."""
    return {
        "company_id": total.company_id,
        "tool": total.tool,
        "session_id": total.session_id,
        "task": total.task,
        **total.usage.model_dump(),
        "updated_at": utc_now(),
    }


class CliUsageStore(StoreCore):
    def cli_session_total(self, company_id: str, tool: str, session_id: str) -> Usage | None:
        """The session's total as last booked; None when none of its turns was booked yet."""
        c = cli_usage_baselines.c
        query = sa.select(c.input_tokens, c.output_tokens, c.cached_input_tokens, c.cache_write_tokens).where(
            c.company_id == company_id, c.tool == tool, c.session_id == session_id
        )
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().first()
        return None if row is None else Usage(**row)
