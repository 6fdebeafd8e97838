"""Tool outputs too long for a tool result: kept whole, passed to the model by reference.

A reference names one call of one task (`to-<digest>`), so storing an output again (a retried
activity) keeps the first and answers the same reference. It is read back only within its
company: another company's reference is no output at all.
"""

import hashlib
from dataclasses import dataclass
from datetime import datetime

import sqlalchemy as sa

from paperclip.models import SessionRef
from paperclip.store.engine import StoreCore, utc_now
from paperclip.store.tables import tool_outputs


@dataclass(frozen=True)
class ToolOutputRecord:
    ref: str
    task: str
    call_id: str
    agent: str
    content: str
    size: int
    created_at: datetime


def tool_output_ref(session: SessionRef, call_id: str) -> str:
    """The reference of a call's output: the same for the same task and call."""
    digest = hashlib.sha256(f"{session.company_id}\0{session.task}\0{call_id}".encode()).hexdigest()
    return f"to-{digest[:32]}"


class ToolOutputStore(StoreCore):
    """Long tool outputs, by reference."""

    def save_tool_output(self, session: SessionRef, call_id: str, text: str) -> str:
        """Keep a call's whole output; answers its reference. Idempotent by (company, task, call):
        a repeat keeps what was stored first. NUL characters are kept as U+FFFD (PostgreSQL's
        text holds none)."""
        ref = tool_output_ref(session, call_id)
        row = {
            "company_id": session.company_id,
            "ref": ref,
            "task": session.task,
            "call_id": call_id,
            "agent": session.agent,
            "content": text.replace("\0", "\ufffd"),
            "size": len(text),
            "created_at": utc_now(),
        }
        with self._write() as conn:
            conn.execute(
                self._insert(tool_outputs).values(row).on_conflict_do_nothing(index_elements=["company_id", "ref"])
            )
        return ref

    def tool_output(self, company_id: str, ref: str) -> ToolOutputRecord | None:
        """A stored output of the company's; None when it has none by that reference."""
        c = tool_outputs.c
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(tool_outputs).where(c.company_id == company_id, c.ref == ref)).first()
        if row is None:
            return None
        return ToolOutputRecord(row.ref, row.task, row.call_id, row.agent, row.content, row.size, row.created_at)
