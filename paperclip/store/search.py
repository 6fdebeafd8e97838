"""Full-text search over conversation messages, task titles and task documents, best match
first.

The indexes are migration 0008's, and 0024's for documents (at their latest revision): on SQLite
an FTS5 table kept by triggers, on PostgreSQL GIN indexes over `to_tsvector('english', …)`, whose
expressions the queries here repeat exactly (or the index goes unused). Both stem English words,
so `rockets` finds `rocket`.

The query is user input, read as words and "quoted phrases" that must all appear. Each is handed
to the database inside double quotes (it has none of its own), so no character of it is ever an
operator of FTS5 or of `websearch_to_tsquery`.
"""

import re
from collections.abc import Collection
from datetime import datetime
from enum import StrEnum
from typing import Any

import sqlalchemy as sa
from pydantic import BaseModel

from paperclip.store.engine import StoreCore
from paperclip.store.tables import messages, tasks
from paperclip.store.task_tables import documents

SEARCHED_CHARS = 100_000
"""How much of a message is indexed (migration 0008 spells the same number)."""
SNIPPET_WORDS = 24
START, STOP = "\x02", "\x03"
"""What the database puts around a match in a snippet (then taken out, as `marks`)."""
SQLITE_INDEX = sa.table("search_index", sa.column("rowid"))
SQLITE_FTS: sa.ColumnClause[Any] = sa.literal_column("search_index")
"""The FTS5 table as its hidden column, which MATCH, bm25() and snippet() take."""
SQLITE_KEYS = sa.table("search_keys", *(sa.column(c) for c in ("id", "kind", "company_id", "task", "seq", "idx")))
"""The key of each row of the FTS5 table (its id is the row's rowid)."""
ENGLISH: sa.ColumnClause[Any] = sa.literal_column("'english'")
"""PostgreSQL's text search configuration, as a literal: the index expressions name it so."""
HEADLINE_OPTIONS = f"StartSel={START}, StopSel={STOP}, MaxWords={SNIPPET_WORDS}, MinWords={SNIPPET_WORDS // 2}"
_TERM = re.compile(r'"([^"]*)"|([^\s"]+)')
_WORD = re.compile(r"[^\W_]")
_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


class SearchKind(StrEnum):
    """What a hit is."""

    MESSAGE = "message"
    """A message of a task's conversation."""
    TASK = "task"
    """A task's title."""
    DOCUMENT = "document"
    """A document of a task, at its latest revision."""


class SearchHit(BaseModel):
    company_id: str
    task: str
    """The task's identifier (of the conversation, for a message)."""
    kind: SearchKind
    title: str | None
    """The task's title; None when the store has no record of the task."""
    agent: str
    """The agent of the conversation; a task's assignee."""
    author: str | None = None
    """Who said the message: an agent, `board`, or a task identifier."""
    seq: int | None = None
    """The message's turn in the conversation."""
    document: str | None = None
    """The document's key (`plan`), for a document."""
    revision: int | None = None
    """The document's latest revision (the one found), for a document."""
    snippet: str
    """Where the match is, in a few words of the text."""
    marks: list[tuple[int, int]]
    """Each match in `snippet`, as [start, end) character offsets."""
    at: datetime
    """When the message was written or the task created."""


def terms(query: str) -> list[str]:
    """The words and "quoted phrases" of `query` that have a letter or digit to search for."""
    found = (phrase or word for phrase, word in _TERM.findall(query))
    return [term for term in (_CONTROL.sub(" ", t).strip() for t in found) if _WORD.search(term)]


class SearchStore(StoreCore):
    """Full-text search over the store's messages, task titles and documents."""

    def search(
        self,
        company_ids: Collection[str] | None,
        query: str,
        *,
        kinds: Collection[SearchKind] = tuple(SearchKind),
        limit: int = 20,
    ) -> list[SearchHit]:
        """Messages and task titles with every word and "quoted phrase" of `query`, best first,
        in the companies `company_ids` (every company for None); none when it has no words."""
        quoted = " ".join(f'"{term}"' for term in terms(query))
        if not quoted or not kinds or (company_ids is not None and not company_ids):
            return []
        scope = None if company_ids is None else list(company_ids)
        wanted = {SearchKind(kind) for kind in kinds}
        m, t, d = messages.alias("m"), tasks.alias("t"), documents.alias("d")
        if self.dialect == "postgresql":
            top = _postgresql_best(quoted, scope, wanted, limit)
            text = sa.func.coalesce(_indexed(m.c.content), _indexed(d.c.body), t.c.title)
            snippet = sa.func.ts_headline(ENGLISH, text, _tsquery(quoted), HEADLINE_OPTIONS)
        else:
            top = _sqlite_best(quoted, scope, wanted, limit)
            snippet = top.c.snippet
        is_message = top.c.kind == SearchKind.MESSAGE.value
        is_document = top.c.kind == SearchKind.DOCUMENT.value
        found = (
            sa.select(
                top.c.kind,
                top.c.company_id,
                top.c.task,
                t.c.title,
                sa.func.coalesce(m.c.agent, t.c.assignee, d.c.author).label("agent"),
                sa.func.coalesce(m.c.author, d.c.author).label("author"),
                m.c.seq,
                d.c.key.label("document"),
                d.c.revision,
                snippet.label("snippet"),
                sa.func.coalesce(m.c.created_at, d.c.updated_at, t.c.created_at).label("at"),
            )
            .select_from(top)
            .outerjoin(
                m,
                sa.and_(
                    is_message,
                    m.c.company_id == top.c.company_id,
                    m.c.task == top.c.task,
                    m.c.seq == top.c.seq,
                    m.c.idx == top.c.idx,
                ),
            )
            .outerjoin(d, sa.and_(is_document, d.c.id == top.c.seq))
            .outerjoin(t, sa.and_(t.c.company_id == top.c.company_id, t.c.identifier == top.c.task))
            .order_by(top.c.rank, top.c.company_id, top.c.task, top.c.seq, top.c.idx)
        )
        with self.engine.connect() as conn:
            return [_hit(row) for row in conn.execute(found).mappings()]


def _sqlite_best(quoted: str, scope: list[str] | None, kinds: set[SearchKind], limit: int) -> Any:
    """The best hits' keys, rank (lower is better) and snippet."""
    index, keys = SQLITE_INDEX, SQLITE_KEYS
    match = SQLITE_FTS.op("MATCH")(quoted)
    best = (
        sa.select(keys.c.id, keys.c.kind, keys.c.company_id, keys.c.task, keys.c.seq, keys.c.idx)
        .add_columns(sa.func.bm25(SQLITE_FTS).label("rank"))
        .select_from(index.join(keys, keys.c.id == index.c.rowid))
        .where(match, keys.c.kind.in_([kind.value for kind in kinds]))
        .order_by(sa.literal_column("rank"))
        .limit(limit)
    )
    if scope is not None:
        best = best.where(keys.c.company_id.in_(scope))
    ranked = best.cte("best")
    # snippet() needs the FTS5 table queried by MATCH again; it runs for these few rows only.
    top = (
        sa.select(ranked, sa.func.snippet(SQLITE_FTS, 0, START, STOP, "…", SNIPPET_WORDS).label("snippet"))
        .select_from(ranked.join(index, index.c.rowid == ranked.c.id))
        .where(match)
        .subquery("top")
    )
    return top


def _postgresql_best(quoted: str, scope: list[str] | None, kinds: set[SearchKind], limit: int) -> Any:
    """The best hits' keys and rank (negated, so lower is better)."""
    zero: sa.ColumnClause[Any] = sa.literal_column("0")
    arms = []
    for kind, table, task, seq, idx, text in (
        (SearchKind.MESSAGE, messages, messages.c.task, messages.c.seq, messages.c.idx, _indexed(messages.c.content)),
        (SearchKind.TASK, tasks, tasks.c.identifier, zero, zero, tasks.c.title),
        (SearchKind.DOCUMENT, documents, documents.c.task, documents.c.id, zero, _indexed(documents.c.body)),
    ):
        if kind not in kinds:
            continue
        vector = sa.func.to_tsvector(ENGLISH, text)
        arm = sa.select(
            sa.literal(kind.value).label("kind"),
            table.c.company_id,
            task.label("task"),
            seq.label("seq"),
            idx.label("idx"),
            (-sa.func.ts_rank(vector, _tsquery(quoted))).label("rank"),
        ).where(vector.bool_op("@@")(_tsquery(quoted)))
        arms.append(arm if scope is None else arm.where(table.c.company_id.in_(scope)))
    hits = sa.union_all(*arms).subquery("hits")
    return sa.select(hits).order_by(hits.c.rank, hits.c.company_id, hits.c.task).limit(limit).subquery("top")


def _indexed(content: Any) -> Any:
    """The part of a message (or a document) PostgreSQL indexes (a literal length, as in the index expression)."""
    return sa.func.left(content, sa.literal_column(str(SEARCHED_CHARS)))


def _tsquery(quoted: str) -> Any:
    return sa.func.websearch_to_tsquery(ENGLISH, quoted)


def _hit(row: Any) -> SearchHit:
    snippet, marks = _unmark(row["snippet"])
    return SearchHit.model_validate(dict(row) | {"snippet": snippet, "marks": marks})


def _unmark(marked: str) -> tuple[str, list[tuple[int, int]]]:
    """The snippet without its match markers, and where each match is (touching ones merged)."""
    first, *matches = marked.split(START)
    text = first.replace(STOP, "")
    marks: list[tuple[int, int]] = []
    for part in matches:
        match, _, rest = part.partition(STOP)
        start, end = len(text), len(text) + len(match)
        if match and marks and marks[-1][1] == start:
            marks[-1] = (marks[-1][0], end)
        elif match:
            marks.append((start, end))
        text += match + rest.replace(STOP, "")
    return text, marks
