"""Conversations: each task's messages, kept turn by turn, and a company's past brought back.

A turn activity loads the earlier messages of its session (`load_messages`) and keeps its own
(`save_turn`: the new messages, the reply, the attempt's ledger row confirmed and an
`agent.turn` entry of the activity log, in one transaction). An export reads every turn
(`list_turns`); an import writes them back with the rest of the company's past (`add_history`).
"""

from datetime import datetime
from typing import Any

import sqlalchemy as sa

from paperclip import money
from paperclip.compaction import SUMMARY_AUTHOR
from paperclip.models import ActivityEntry, CliSessionTotal, CostEvent, Message, SessionRef, TaskRecord
from paperclip.store import cli_usage, ledger
from paperclip.store.engine import StoreCore, utc_now
from paperclip.store.records import TASK_KEYS, activity_row, task_row
from paperclip.store.tables import activity_log, cli_usage_baselines, cost_events, messages, tasks

MESSAGE_KEYS = ("company_id", "task", "seq", "idx")
"""What identifies a message: its place in a turn of a task's conversation."""

StoredTurn = tuple[SessionRef, int, datetime, list[Message]]
"""A kept turn: its session, its seq, when it was kept and its messages (the reply last)."""


class ConversationStore(StoreCore):
    """Messages by session and turn, and the import of a company's past."""

    def load_messages(self, session: SessionRef, *, before_seq: int) -> list[Message]:
        """The session's messages of turns before `before_seq`, in conversation order, as a
        request carries them: after a compaction, the task's first message, the latest summary
        and the messages after it (`paperclip.compaction`; every message stays stored)."""
        mine = sa.and_(
            messages.c.company_id == session.company_id,
            messages.c.task == session.task,
            messages.c.seq < before_seq,
        )
        last_summary = sa.select(sa.func.max(messages.c.seq)).where(mine, messages.c.author == SUMMARY_AUTHOR)
        query = sa.select(messages).where(mine).order_by(messages.c.seq, messages.c.idx)
        with self.engine.connect() as conn:
            compacted = conn.execute(last_summary).scalar()
            if compacted is None:
                return [ledger.message_of(row) for row in conn.execute(query).mappings()]
            first = conn.execute(query.limit(1)).mappings().first()
            summary = conn.execute(
                query.where(messages.c.seq == compacted, messages.c.author == SUMMARY_AUTHOR)
            ).mappings()
            after = conn.execute(query.where(messages.c.seq > compacted)).mappings()
            rows = ([first] if first is not None else []) + list(summary) + list(after)
            return [ledger.message_of(row) for row in rows]

    def save_turn(
        self,
        session: SessionRef,
        *,
        seq: int,
        new_messages: list[Message],
        reply: Message,
        cost: CostEvent | None,
        input_hash: str | None = None,
        session_total: CliSessionTotal | None = None,
    ) -> None:
        """Keep turn `seq`: its new messages then the reply (idx 0..n), its cost event (confirmed),
        and an `agent.turn` entry in the activity log (what live event streams show of a turn);
        with `session_total`, the CLI session's running total the cost event was booked against
        (`paperclip.store.cli_usage`), in the same transaction.

        Idempotent: a retried turn replaces what an earlier attempt wrote for the same seq. An
        attempt that answers after a later attempt of the same turn began (its worker was thought
        lost) keeps only its cost event: the turn's messages are the later attempt's.

        Raises:
            ValueError: `cost` is another session's or another turn's.
        """
        if cost is not None and (cost.company_id, cost.task, cost.seq) != (session.company_id, session.task, seq):
            raise ValueError("the cost event belongs to another session or turn")
        now = utc_now()
        turn = [*new_messages, reply]
        rows = [message_row(session, seq=seq, idx=idx, message=message, at=now) for idx, message in enumerate(turn)]
        with self._write() as conn:
            if session_total is not None:
                self._upsert(conn, cli_usage_baselines, [cli_usage.total_row(session_total)], keys=cli_usage.KEYS)
            if cost is not None and ledger.superseded(conn, cost):
                self._upsert(conn, cost_events, [ledger.cost_row(cost, input_hash)], keys=ledger.KEYS)
                return
            self._upsert(conn, messages, rows, keys=MESSAGE_KEYS, keep=("created_at",))
            conn.execute(
                sa.delete(messages).where(
                    messages.c.company_id == session.company_id,
                    messages.c.task == session.task,
                    messages.c.seq == seq,
                    messages.c.idx >= len(turn),
                )
            )
            if cost is not None:
                self._upsert(conn, cost_events, [ledger.cost_row(cost, input_hash)], keys=ledger.KEYS)
                entry = turn_entry(cost, reply)
                self._upsert(conn, activity_log, [activity_row(entry)], keys=("id",), keep=("seq",))

    def list_messages(self, company_id: str, task: str) -> list[Message]:
        """Every message of a task's conversation, in order."""
        query = (
            sa.select(messages)
            .where(messages.c.company_id == company_id, messages.c.task == task)
            .order_by(messages.c.seq, messages.c.idx)
        )
        with self.engine.connect() as conn:
            return [ledger.message_of(row) for row in conn.execute(query).mappings()]

    def list_turns(self, company_id: str) -> list[StoredTurn]:
        """Every turn of the company's conversations, by task then seq, as (session, seq, when it
        was kept, its messages): what an export carries and `add_history` writes back."""
        query = (
            sa.select(messages)
            .where(messages.c.company_id == company_id)
            .order_by(messages.c.task, messages.c.seq, messages.c.idx)
        )
        turns: list[StoredTurn] = []
        with self.engine.connect() as conn:
            for row in conn.execute(query).mappings():
                if not turns or (turns[-1][0].task, turns[-1][1]) != (row["task"], row["seq"]):
                    session = SessionRef(company_id=company_id, task=row["task"], agent=row["agent"])
                    turns.append((session, row["seq"], row["created_at"], []))
                turns[-1][3].append(ledger.message_of(row))
        return turns

    def add_history(
        self,
        *,
        records: list[TaskRecord],
        turns: list[StoredTurn],
        costs: list[CostEvent],
        activity: list[ActivityEntry],
    ) -> None:
        """Keep a company's past as it was (an import): task records, conversations with the
        times they were kept, the cost ledger and the activity log, in one transaction. Idempotent."""
        rows = [
            message_row(session, seq=seq, idx=idx, message=message, at=at)
            for session, seq, at, turn in turns
            for idx, message in enumerate(turn)
        ]
        with self._write() as conn:
            self._upsert(conn, tasks, [task_row(r) for r in records], keys=TASK_KEYS)
            self._upsert(conn, messages, rows, keys=MESSAGE_KEYS)
            self._upsert(conn, cost_events, [ledger.cost_row(c) for c in costs], keys=ledger.KEYS)
            if activity:
                stmt = self._insert(activity_log).on_conflict_do_nothing(index_elements=["id"])
                conn.execute(stmt, [activity_row(entry) for entry in activity])


def message_row(session: SessionRef, *, seq: int, idx: int, message: Message, at: datetime) -> dict[str, Any]:
    """`message`, at `idx` of turn `seq` of the session and kept `at`, as a row of `messages`."""
    return {
        "company_id": session.company_id,
        "task": session.task,
        "seq": seq,
        "idx": idx,
        "agent": session.agent,
        "role": message.role,
        "content": message.content,
        "tool_calls": [call.model_dump(mode="json") for call in message.tool_calls],
        "tool_call_id": message.tool_call_id,
        "author": message.author,
        "created_at": at,
    }


def turn_entry(cost: CostEvent, reply: Message) -> ActivityEntry:
    """A turn as the activity log tells it: who, which model, tokens, cost, the tools it called."""
    usage = cost.usage
    calls = [call.name for call in reply.tool_calls]
    price = "price unknown" if cost.cost_usd is None else money.cost(cost.cost_usd)
    model = f"{cost.model} (simulated)" if cost.simulated else cost.model
    summary = f"{cost.task} turn {cost.seq}: {model}, {usage.input_tokens:,} in / {usage.output_tokens:,} out, {price}"
    if calls:
        summary += f"; called {', '.join(calls)}"
    return ActivityEntry(
        id=f"turn:{cost.company_id}:{cost.task}:{cost.seq}",
        company_id=cost.company_id,
        at=cost.at,
        kind="agent.turn",
        actor=cost.agent,
        task=cost.task,
        agent=cost.agent,
        summary=summary,
        data={
            "seq": cost.seq,
            "provider": cost.provider,
            "model": cost.model,
            "simulated": cost.simulated,
            "input_tokens": usage.input_tokens,
            "output_tokens": usage.output_tokens,
            "cached_input_tokens": usage.cached_input_tokens,
            "cache_write_tokens": usage.cache_write_tokens,
            "cost_usd": cost.cost_usd,
            "tool_calls": calls,
        },
    )
