"""The cost ledger: one row per attempt of a call, so spend is counted across crashes.

An attempt's row is written *before* its call is sent, unconfirmed, at the call's worst case
(`LedgerStore.begin_call`); the moment the provider answers it is confirmed with what the
provider reported (`ConversationStore.save_turn`, with `cost_row` and `superseded` here). An
attempt lost with its worker leaves its row unconfirmed: still charged at its worst case. The next
attempt of the same turn reads what became of the lost ones (`settle_attempts`) and, when one of
them answered and stored its reply for the very same input, answers with that reply instead of
calling the provider again (`stored_reply`). What the ledger sums to is `paperclip.store.costs`'.
"""

from collections.abc import Sequence
from typing import Any

import sqlalchemy as sa
from sqlalchemy.engine import Connection

from paperclip.models import AttemptRef, CostEvent, Message, SessionRef, SettledAttempt, Usage
from paperclip.store.engine import StoreCore
from paperclip.store.tables import cost_events, messages

KEYS = ("company_id", "task", "seq", "model_index", "attempt")
"""What identifies a ledger row: one attempt of one turn's call on one model."""


def usage_columns(usage: Usage) -> dict[str, int]:
    return {
        "input_tokens": usage.input_tokens,
        "output_tokens": usage.output_tokens,
        "cached_input_tokens": usage.cached_input_tokens,
        "cache_write_tokens": usage.cache_write_tokens,
    }


def usage_of(row: Any) -> Usage:
    return Usage(
        input_tokens=row["input_tokens"],
        output_tokens=row["output_tokens"],
        cached_input_tokens=row["cached_input_tokens"],
        cache_write_tokens=row["cache_write_tokens"],
    )


def message_of(row: Any) -> Message:
    """A message as a row of `messages` keeps it."""
    return Message(
        role=row["role"],
        content=row["content"],
        tool_calls=row["tool_calls"],
        tool_call_id=row["tool_call_id"],
        author=row["author"],
    )


def cost_row(cost: CostEvent, input_hash: str | None = None) -> dict[str, Any]:
    return {
        "company_id": cost.company_id,
        "task": cost.task,
        "seq": cost.seq,
        "model_index": cost.model_index,
        "attempt": cost.attempt,
        "agent": cost.agent,
        "goal": cost.goal,
        "provider": str(cost.provider),
        "model": cost.model,
        **usage_columns(cost.usage),
        "cost_usd": cost.cost_usd,
        "simulated": cost.simulated,
        "at": cost.at,
        "confirmed": cost.confirmed,
        "input_hash": input_hash,
    }


def cost_event(row: Any) -> CostEvent:
    return CostEvent(
        company_id=row["company_id"],
        agent=row["agent"],
        task=row["task"],
        goal=row["goal"],
        seq=row["seq"],
        provider=row["provider"],
        model=row["model"],
        usage=usage_of(row),
        cost_usd=row["cost_usd"],
        simulated=row["simulated"],
        at=row["at"],
        model_index=row["model_index"],
        attempt=row["attempt"],
        confirmed=row["confirmed"],
    )


def _turn_rows(company_id: str, task: str, seq: int) -> list[sa.ColumnElement[bool]]:
    c = cost_events.c
    return [c.company_id == company_id, c.task == task, c.seq == seq]


def superseded(conn: Connection, cost: CostEvent) -> bool:
    """Whether a later attempt of the same turn has begun since this one did (this one's worker
    was thought lost): its answer is then kept in the ledger only, not as the turn's messages."""
    c = cost_events.c
    later = sa.or_(
        c.model_index > cost.model_index,
        sa.and_(c.model_index == cost.model_index, c.attempt > cost.attempt),
    )
    query = sa.select(sa.literal(1)).where(*_turn_rows(cost.company_id, cost.task, cost.seq), later).limit(1)
    return conn.execute(query).first() is not None


def _rows(conn: Connection, session: SessionRef, seq: int, lost: Sequence[AttemptRef]) -> dict[tuple[int, int], Any]:
    if not lost:
        return {}
    c = cost_events.c
    wanted = sa.or_(*(sa.and_(c.model_index == a.model_index, c.attempt == a.attempt) for a in lost))
    query = sa.select(cost_events).where(*_turn_rows(session.company_id, session.task, seq), wanted)
    return {(row["model_index"], row["attempt"]): row for row in conn.execute(query).mappings()}


class LedgerStore(StoreCore):
    """The attempts of a turn's calls: begun before they are sent, settled when lost."""

    def begin_call(self, cost: CostEvent, *, input_hash: str | None = None) -> None:
        """Write an attempt's ledger row before its call is sent: unconfirmed, at its worst case
        (`cost`), so an attempt lost with its worker stays charged. A row already there (a repeat
        of the same attempt) stays as it is."""
        row = cost_row(cost.model_copy(update={"confirmed": False}), input_hash)
        with self._write() as conn:
            conn.execute(self._insert(cost_events).on_conflict_do_nothing(index_elements=list(KEYS)), [row])

    def book_attempt(self, cost: CostEvent) -> None:
        """Keep what a failed attempt spent, as its tool reported it before failing: the
        attempt's row, confirmed at `cost` (in place of its worst case, if one was written)."""
        with self._write() as conn:
            self._upsert(conn, cost_events, [cost_row(cost.model_copy(update={"confirmed": True}), None)], keys=KEYS)

    def settle_attempts(self, session: SessionRef, seq: int, lost: Sequence[AttemptRef]) -> list[SettledAttempt]:
        """Each attempt of turn `seq` lost with its worker, as the ledger has it: confirmed (its
        usage and cost), never sent (no row: it died before its call), or unconfirmed (it may
        have been answered; nobody knows)."""
        with self.engine.connect() as conn:
            rows = _rows(conn, session, seq, lost)
        settled = []
        for attempt in lost:
            row = rows.get((attempt.model_index, attempt.attempt))
            ref = {"model_index": attempt.model_index, "attempt": attempt.attempt}
            if row is None:
                settled.append(SettledAttempt(**ref, outcome="not_sent"))
            elif row["confirmed"]:
                settled.append(
                    SettledAttempt(**ref, outcome="confirmed", usage=usage_of(row), cost_usd=row["cost_usd"])
                )
            else:
                settled.append(SettledAttempt(**ref, outcome="unconfirmed"))
        return settled

    def stored_reply(
        self, session: SessionRef, seq: int, lost: Sequence[AttemptRef], input_hash: str
    ) -> tuple[AttemptRef, Message] | None:
        """The reply a lost attempt of turn `seq` stored for exactly this input (a confirmed row
        with the same input hash whose turn messages it wrote), or None."""
        with self.engine.connect() as conn:
            for (model_index, attempt), row in sorted(_rows(conn, session, seq, lost).items(), reverse=True):
                if not row["confirmed"] or row["input_hash"] != input_hash:
                    continue
                m = messages.c
                query = (
                    sa.select(messages)
                    .where(m.company_id == session.company_id, m.task == session.task, m.seq == seq)
                    .order_by(m.idx.desc())
                    .limit(1)
                )
                last = conn.execute(query).mappings().first()
                if last is None or last["role"] != "assistant":
                    return None
                return AttemptRef(model_index=model_index, attempt=attempt), message_of(last)
        return None
