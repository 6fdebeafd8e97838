"""The store: what Temporal should not keep (transcripts, costs, the activity log, task records).

One synchronous `Store` over SQLAlchemy Core, for SQLite (the embedded default) and PostgreSQL
(psycopg 3). Async callers (activities, the API) run its methods in a thread. Every write is
one transaction and every write that a retry may repeat is an idempotent upsert.
"""

import sqlite3
import threading
import time
from collections.abc import Callable, Collection, Iterable, Sequence
from datetime import UTC, datetime
from pathlib import Path
from types import EllipsisType
from typing import Any

import sqlalchemy as sa
from alembic import command
from alembic.config import Config
from sqlalchemy.dialects import postgresql, sqlite
from sqlalchemy.engine import Connection, Engine, make_url

from paperclip.models import (
    ActivityEntry,
    ApiKeyInfo,
    AttemptRef,
    CompanySpec,
    CostEvent,
    Endpoint,
    Message,
    RecordInput,
    SessionRef,
    SettledAttempt,
    TaskRecord,
    TaskStatus,
    TeamRole,
    Unconfirmed,
)
from paperclip.settings import Settings
from paperclip.store import credentials as credential_rows
from paperclip.store import idempotency, ledger
from paperclip.store.costs import CostGroup, CostSummary, cost_summary
from paperclip.store.credentials import StoredCredential
from paperclip.store.ledger import message_of, usage_columns, usage_of
from paperclip.store.search import SearchHit, SearchKind, search
from paperclip.store.tables import (
    activity_log,
    api_keys,
    companies,
    company_teams,
    cost_events,
    credential_limits,
    idempotency_keys,
    memberships,
    messages,
    tasks,
    teams,
    users,
)

MIGRATIONS = Path(__file__).parent / "migrations"
SQLITE_BUSY_TIMEOUT_SECONDS = 15.0
"""How long a SQLite writer waits for another process (worker, API) to finish its write."""
_MIGRATION_LOCK = 7_263_117_001
"""PostgreSQL advisory lock id held while migrating, so concurrent starts migrate once."""
_WRITE = "paperclip_write"


class UnsupportedDatabase(ValueError):
    """The URL names a database the store does not support (only SQLite and PostgreSQL)."""


def normalise_url(url: str) -> str:
    """`url` with PostgreSQL pointed at psycopg 3 (`postgresql://` would mean psycopg2)."""
    parsed = make_url(url)
    if parsed.drivername in ("postgresql", "postgres"):
        parsed = parsed.set(drivername="postgresql+psycopg")
    return parsed.render_as_string(hide_password=False)


def _now() -> datetime:
    return datetime.now(UTC)


class Store:
    """Reads and writes the store. Thread-safe; builds its engine on first use.

    Args:
        url: a SQLAlchemy URL: `sqlite:///path/to/file.db` or `postgresql://user:pw@host/db`.
    """

    def __init__(self, url: str) -> None:
        self.url = normalise_url(url)
        backend = make_url(self.url).get_backend_name()
        if backend not in ("sqlite", "postgresql"):
            raise UnsupportedDatabase(f"the store runs on SQLite or PostgreSQL, not {backend!r}")
        self.dialect = backend
        self._engine: Engine | None = None
        self._engine_lock = threading.Lock()

    @classmethod
    def from_settings(cls, settings: Settings) -> "Store":
        """The store `settings` name; creates the folder of a SQLite file if missing."""
        url = make_url(settings.resolved_database_url)
        if url.get_backend_name() == "sqlite" and url.database and url.database != ":memory:":
            Path(url.database).expanduser().parent.mkdir(parents=True, exist_ok=True)
        return cls(settings.resolved_database_url)

    def __repr__(self) -> str:
        return f"Store({make_url(self.url)!r})"

    # ------------------------------------------------------------------ engine

    @property
    def engine(self) -> Engine:
        """The engine, built on first use (never at import)."""
        if self._engine is None:
            with self._engine_lock:
                if self._engine is None:
                    self._engine = self._create_engine()
        return self._engine

    def _create_engine(self) -> Engine:
        if self.dialect == "postgresql":
            return sa.create_engine(self.url, pool_pre_ping=True)
        engine = sa.create_engine(self.url, connect_args={"timeout": SQLITE_BUSY_TIMEOUT_SECONDS})
        sa.event.listen(engine, "connect", _sqlite_on_connect)
        sa.event.listen(engine, "begin", _sqlite_on_begin)
        return engine

    def dispose(self) -> None:
        """Close the pooled connections (the store stays usable and reconnects on demand)."""
        if self._engine is not None:
            self._engine.dispose()

    def _write(self) -> Any:
        """A write transaction; on SQLite it takes the write lock up front (`BEGIN IMMEDIATE`)."""
        return self.engine.execution_options(**{_WRITE: True}).begin()

    def _insert(self, table: sa.Table) -> Any:
        if self.dialect == "postgresql":
            return postgresql.insert(table)
        return sqlite.insert(table)

    def _upsert(
        self,
        conn: Connection,
        table: sa.Table,
        rows: Sequence[dict[str, Any]],
        *,
        keys: Sequence[str],
        keep: Iterable[str] = (),
        where: Callable[[Any], sa.ColumnElement[bool]] | None = None,
    ) -> None:
        """Insert `rows`, or update the row with the same `keys` (except the columns in `keep`).

        `where`, given the proposed row (`excluded`), says when the update applies.
        """
        if not rows:
            return
        stmt = self._insert(table)
        fixed = set(keys) | set(keep)
        update = {c.name: stmt.excluded[c.name] for c in table.columns if c.name not in fixed}
        statement = stmt.on_conflict_do_update(
            index_elements=list(keys), set_=update, where=None if where is None else where(stmt.excluded)
        )
        conn.execute(statement, rows)

    # ------------------------------------------------------------------ lifecycle

    def migrate(self) -> None:
        """Bring the schema to the newest revision (Alembic `upgrade head`).

        Safe on every start and from several processes at once: the upgrade runs in one
        transaction holding a lock (SQLite's write lock, a PostgreSQL advisory lock).
        """
        config = Config()
        config.set_main_option("script_location", str(MIGRATIONS).replace("%", "%%"))
        with self._write() as conn:
            if self.dialect == "postgresql":
                conn.execute(sa.select(sa.func.pg_advisory_xact_lock(_MIGRATION_LOCK)))
            config.attributes["connection"] = conn
            command.upgrade(config, "head")

    def ping(self) -> None:
        """Raise (a SQLAlchemy `OperationalError`) unless the database answers."""
        with self.engine.connect() as conn:
            conn.execute(sa.text("SELECT 1"))

    # ------------------------------------------------------------------ credential limits

    def take_tokens(
        self,
        credential: str,
        tokens: int,
        *,
        per_minute: float | None,
        capacity: float | None = None,
        now: float | None = None,
    ) -> float:
        """Take `tokens` from the credential's token bucket (it holds `capacity`, by default
        `per_minute`, and refills at `per_minute` / 60 a second); with no `per_minute`, take
        nothing but respect a cool-down.

        Returns 0.0 when taken, else the seconds to wait before asking again (for the bucket to
        hold enough, or for the provider's cool-down to end); nothing is taken then. A call larger
        than the whole bucket waits for a full one and leaves it owing the rest.
        """
        if per_minute is None:
            with self.engine.connect() as conn:
                until = conn.execute(
                    sa.select(credential_limits.c.cooldown_until).where(credential_limits.c.credential == credential)
                ).scalar_one_or_none()
            return max(0.0, (until or 0.0) - (time.time() if now is None else now))
        with self._write() as conn:
            full = float(per_minute if capacity is None else capacity)
            tokens_now, until, at = self._bucket(conn, credential, per_minute, full, now)
            if until is not None and until > at:
                return until - at
            short = min(tokens, full) - tokens_now
            if short > 0:
                return short * 60 / per_minute
            self._set_bucket(conn, credential, tokens=tokens_now - tokens, at=at)
            return 0.0

    def return_tokens(
        self,
        credential: str,
        tokens: int,
        *,
        per_minute: int,
        capacity: float | None = None,
        now: float | None = None,
    ) -> None:
        """Put `tokens` back in the bucket (a call used less than it took); negative: it used more."""
        with self._write() as conn:
            full = float(per_minute if capacity is None else capacity)
            tokens_now, _, at = self._bucket(conn, credential, per_minute, full, now)
            self._set_bucket(conn, credential, tokens=min(full, tokens_now + tokens), at=at)

    def cool_down(self, credential: str, until: float) -> None:
        """Hold every call on the credential until `until` (Unix time), as its provider asked."""
        with self._write() as conn:
            # A new row's bucket counts as full: refilled since 1970.
            self._ensure_bucket(conn, credential, 0.0)
            c = credential_limits.c
            held = conn.execute(
                sa.select(c.cooldown_until).where(c.credential == credential).with_for_update()
            ).scalar_one()
            if held is None or held < until:
                conn.execute(credential_limits.update().where(c.credential == credential).values(cooldown_until=until))

    def _ensure_bucket(self, conn: Connection, credential: str, now: float, tokens: float = 0.0) -> None:
        stmt = self._insert(credential_limits).on_conflict_do_nothing(index_elements=["credential"])
        conn.execute(stmt, [{"credential": credential, "tokens": tokens, "refilled_at": now}])

    def _bucket(
        self, conn: Connection, credential: str, per_minute: float, full: float, now: float | None
    ) -> tuple[float, float | None, float]:
        """The bucket's tokens (refilled since last time), its cool-down and the time they are
        for, with the row locked. The time is read once the lock is held and never goes back
        (a writer that waited for the lock must not count again a refill another already did)."""
        self._ensure_bucket(conn, credential, time.time() if now is None else now, tokens=full)
        row = conn.execute(
            sa.select(credential_limits).where(credential_limits.c.credential == credential).with_for_update()
        ).one()
        at = max(time.time() if now is None else now, row.refilled_at)
        refilled = row.tokens + (at - row.refilled_at) * per_minute / 60
        return min(full, refilled), row.cooldown_until, at

    @staticmethod
    def _set_bucket(conn: Connection, credential: str, *, tokens: float, at: float) -> None:
        conn.execute(
            credential_limits.update()
            .where(credential_limits.c.credential == credential)
            .values(tokens=tokens, refilled_at=at)
        )

    # ------------------------------------------------------------------ credentials and endpoints
    # (`paperclip.store.credentials`; `team=None` is the deployment's)

    def put_credential(self, team: str | None, name: str, sealed: bytes | None, urls: Collection[str]) -> None:
        with self._write() as conn:
            credential_rows.put_credential(conn, team=team, name=name, sealed=sealed, urls=urls)

    def get_credential(self, team: str | None, name: str) -> StoredCredential | None:
        with self.engine.connect() as conn:
            return credential_rows.get_credential(conn, team, name)

    def list_credentials(self, teams: Collection[str | None] | None = None) -> list[StoredCredential]:
        with self.engine.connect() as conn:
            return credential_rows.list_credentials(conn, teams)

    def delete_credential(self, team: str | None, name: str) -> bool:
        with self._write() as conn:
            return credential_rows.delete_credential(conn, team, name)

    def put_endpoint(self, endpoint: Endpoint, sealed_key: bytes | None, url: str) -> None:
        """Register (or replace) an endpoint with its credential bound to `url`, in one transaction."""
        with self._write() as conn:
            credential_rows.put_endpoint(conn, endpoint, sealed=sealed_key, url=url)

    def get_endpoint(self, team: str | None, name: str) -> Endpoint | None:
        with self.engine.connect() as conn:
            return credential_rows.get_endpoint(conn, team, name)

    def list_endpoints(self, teams: Collection[str | None] | None = None) -> list[Endpoint]:
        with self.engine.connect() as conn:
            return credential_rows.list_endpoints(conn, teams)

    def delete_endpoint(self, team: str | None, name: str) -> bool:
        with self._write() as conn:
            return credential_rows.delete_endpoint(conn, team, name)

    # ------------------------------------------------------------------ teams, users and API keys

    def create_team(self, name: str) -> bool:
        """False when the team exists already."""
        with self._write() as conn:
            if conn.execute(sa.select(teams.c.name).where(teams.c.name == name)).first() is not None:
                return False
            conn.execute(teams.insert().values(name=name, created_at=datetime.now(UTC)))
        return True

    def team_exists(self, name: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(teams.c.name).where(teams.c.name == name)).first() is not None

    def set_member(self, user: str, team: str, role: TeamRole) -> None:
        """Make `user` (made if new) a member of `team` with `role`, or change its role."""
        with self._write() as conn:
            if conn.execute(sa.select(users.c.name).where(users.c.name == user)).first() is None:
                conn.execute(users.insert().values(name=user, created_at=datetime.now(UTC)))
            conn.execute(memberships.delete().where(memberships.c.user_name == user, memberships.c.team_name == team))
            conn.execute(memberships.insert().values(user_name=user, team_name=team, role=role.value))

    def user_exists(self, name: str) -> bool:
        with self.engine.connect() as conn:
            return conn.execute(sa.select(users.c.name).where(users.c.name == name)).first() is not None

    def roles_of(self, user: str) -> dict[str, TeamRole]:
        """The user's role in each of its teams."""
        query = sa.select(memberships.c.team_name, memberships.c.role).where(memberships.c.user_name == user)
        with self.engine.connect() as conn:
            return {row.team_name: TeamRole(row.role) for row in conn.execute(query)}

    def add_api_key(self, *, key_id: str, user: str, label: str, salt: bytes, digest: bytes) -> ApiKeyInfo:
        created = datetime.now(UTC)
        with self._write() as conn:
            conn.execute(
                api_keys.insert().values(
                    id=key_id, user_name=user, label=label, salt=salt, digest=digest, created_at=created
                )
            )
        return ApiKeyInfo(id=key_id, user=user, label=label, created_at=created)

    def get_api_key(self, key_id: str) -> tuple[ApiKeyInfo, bytes, bytes] | None:
        """The key, its salt and digest."""
        with self.engine.connect() as conn:
            row = conn.execute(sa.select(api_keys).where(api_keys.c.id == key_id)).first()
        if row is None:
            return None
        info = ApiKeyInfo(
            id=row.id, user=row.user_name, label=row.label, created_at=row.created_at, revoked_at=row.revoked_at
        )
        return info, bytes(row.salt), bytes(row.digest)

    def list_api_keys(self, user: str | None = None) -> list[ApiKeyInfo]:
        query = sa.select(api_keys).order_by(api_keys.c.created_at, api_keys.c.id)
        if user is not None:
            query = query.where(api_keys.c.user_name == user)
        with self.engine.connect() as conn:
            return [
                ApiKeyInfo(id=r.id, user=r.user_name, label=r.label, created_at=r.created_at, revoked_at=r.revoked_at)
                for r in conn.execute(query)
            ]

    def revoke_api_key(self, key_id: str) -> bool:
        """False when there is no such key (revoking twice is fine)."""
        with self._write() as conn:
            found = conn.execute(sa.select(api_keys.c.revoked_at).where(api_keys.c.id == key_id)).first()
            if found is None:
                return False
            if found.revoked_at is None:
                conn.execute(api_keys.update().where(api_keys.c.id == key_id).values(revoked_at=datetime.now(UTC)))
        return True

    def set_company_team(self, company_id: str, team: str) -> None:
        with self._write() as conn:
            conn.execute(company_teams.delete().where(company_teams.c.company_id == company_id))
            conn.execute(company_teams.insert().values(company_id=company_id, team_name=team))

    def company_team(self, company_id: str) -> str | None:
        """The team that owns the company; None: the board's only."""
        query = sa.select(company_teams.c.team_name).where(company_teams.c.company_id == company_id)
        with self.engine.connect() as conn:
            return conn.execute(query).scalar_one_or_none()

    def companies_of(self, team_names: Iterable[str]) -> set[str]:
        query = sa.select(company_teams.c.company_id).where(company_teams.c.team_name.in_(list(team_names)))
        with self.engine.connect() as conn:
            return set(conn.execute(query).scalars())

    # ------------------------------------------------------------------ idempotency keys

    def claim_request(self, scope: str, request: str, *, now: datetime | None = None) -> idempotency.Claimed:
        """Claim an idempotency key scope for a request (`paperclip.store.idempotency.claim`)."""
        with self._write() as conn:
            return idempotency.claim(
                conn, self._insert(idempotency_keys), scope=scope, request=request, now=now or _now()
            )

    def finish_request(self, scope: str, *, status: int, media_type: str | None, body: bytes | None) -> None:
        """Keep a claimed request's response (`paperclip.store.idempotency.finish`)."""
        with self._write() as conn:
            idempotency.finish(conn, scope=scope, status=status, media_type=media_type, body=body)

    # ------------------------------------------------------------------ conversations

    def load_messages(self, session: SessionRef, *, before_seq: int) -> list[Message]:
        """The session's messages of turns before `before_seq`, in conversation order."""
        query = (
            sa.select(messages)
            .where(
                messages.c.company_id == session.company_id,
                messages.c.task == session.task,
                messages.c.seq < before_seq,
            )
            .order_by(messages.c.seq, messages.c.idx)
        )
        with self.engine.connect() as conn:
            return [message_of(row) for row in conn.execute(query).mappings()]

    def save_turn(
        self,
        session: SessionRef,
        *,
        seq: int,
        new_messages: list[Message],
        reply: Message,
        cost: CostEvent | None,
        input_hash: str | None = None,
    ) -> None:
        """Keep turn `seq`: its new messages then the reply (idx 0..n), its cost event (confirmed),
        and an `agent.turn` entry in the activity log (what live event streams show of a turn).

        Idempotent: a retried turn replaces what an earlier attempt wrote for the same seq. An
        attempt that answers after a later attempt of the same turn began (its worker was thought
        lost) keeps only its cost event: the turn's messages are the later attempt's.
        """
        if cost is not None and (cost.company_id, cost.task, cost.seq) != (session.company_id, session.task, seq):
            raise ValueError("the cost event belongs to another session or turn")
        now = _now()
        turn = [*new_messages, reply]
        rows = [_message_row(session, seq, idx, message, now) for idx, message in enumerate(turn)]
        with self._write() as conn:
            if cost is not None and ledger.superseded(conn, cost):
                self._upsert(conn, cost_events, [ledger.cost_row(cost, input_hash)], keys=ledger.KEYS)
                return
            self._upsert(conn, messages, rows, keys=("company_id", "task", "seq", "idx"), keep=("created_at",))
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
                entry = _turn_entry(cost, reply)
                self._upsert(conn, activity_log, [_activity_row(entry)], keys=("id",), keep=("seq",))

    def list_messages(self, company_id: str, task: str) -> list[Message]:
        """Every message of a task's conversation, in order."""
        query = (
            sa.select(messages)
            .where(messages.c.company_id == company_id, messages.c.task == task)
            .order_by(messages.c.seq, messages.c.idx)
        )
        with self.engine.connect() as conn:
            return [message_of(row) for row in conn.execute(query).mappings()]

    def list_turns(self, company_id: str) -> list[tuple[SessionRef, int, datetime, list[Message]]]:
        """Every turn of the company's conversations, by task then seq, as (session, seq, when it
        was kept, its messages): what an export carries and `add_history` writes back."""
        query = (
            sa.select(messages)
            .where(messages.c.company_id == company_id)
            .order_by(messages.c.task, messages.c.seq, messages.c.idx)
        )
        turns: list[tuple[SessionRef, int, datetime, list[Message]]] = []
        with self.engine.connect() as conn:
            for row in conn.execute(query).mappings():
                if not turns or (turns[-1][0].task, turns[-1][1]) != (row["task"], row["seq"]):
                    session = SessionRef(company_id=company_id, task=row["task"], agent=row["agent"])
                    turns.append((session, row["seq"], row["created_at"], []))
                turns[-1][3].append(message_of(row))
        return turns

    def add_history(
        self,
        *,
        records: list[TaskRecord],
        turns: list[tuple[SessionRef, int, datetime, list[Message]]],
        costs: list[CostEvent],
        activity: list[ActivityEntry],
    ) -> None:
        """Keep a company's past as it was (an import): task records, conversations with the
        times they were kept, the cost ledger and the activity log, in one transaction. Idempotent."""
        rows = [
            _message_row(session, seq, idx, message, at)
            for session, seq, at, turn in turns
            for idx, message in enumerate(turn)
        ]
        with self._write() as conn:
            self._upsert(conn, tasks, [_task_row(r) for r in records], keys=("company_id", "identifier"))
            self._upsert(conn, messages, rows, keys=("company_id", "task", "seq", "idx"))
            self._upsert(conn, cost_events, [ledger.cost_row(c) for c in costs], keys=ledger.KEYS)
            if activity:
                stmt = self._insert(activity_log).on_conflict_do_nothing(index_elements=["id"])
                conn.execute(stmt, [_activity_row(entry) for entry in activity])

    def list_cost_events(self, company_id: str, *, task: str | None = None) -> list[CostEvent]:
        """The company's cost events (of one task if given), oldest first."""
        query = sa.select(cost_events).where(cost_events.c.company_id == company_id)
        if task is not None:
            query = query.where(cost_events.c.task == task)
        query = query.order_by(cost_events.c.at, cost_events.c.task, cost_events.c.seq)
        with self.engine.connect() as conn:
            return [ledger.cost_event(row) for row in conn.execute(query).mappings()]

    def begin_call(self, cost: CostEvent, *, input_hash: str | None = None) -> None:
        """Write an attempt's ledger row before its call is sent: unconfirmed, at its worst case
        (`cost`), so an attempt lost with its worker stays charged (`paperclip.store.ledger`)."""
        with self._write() as conn:
            ledger.begin_call(conn, self._insert(cost_events), cost, input_hash)

    def settle_attempts(self, session: SessionRef, seq: int, lost: Sequence[AttemptRef]) -> list[SettledAttempt]:
        """What the ledger says of attempts of turn `seq` lost with their worker."""
        with self.engine.connect() as conn:
            return ledger.settle_attempts(conn, session, seq, lost)

    def stored_reply(
        self, session: SessionRef, seq: int, lost: Sequence[AttemptRef], input_hash: str
    ) -> tuple[AttemptRef, Message] | None:
        """The reply a lost attempt of turn `seq` stored for the same input, if one did."""
        with self.engine.connect() as conn:
            return ledger.stored_reply(conn, session, seq, lost, input_hash)

    def cost_summary(
        self,
        company_id: str,
        *,
        group_by: CostGroup,
        since: datetime | None = None,
        until: datetime | None = None,
    ) -> CostSummary:
        """The company's calls made in [`since`, `until`) (all if not given), summed by agent,
        model, task, goal or UTC day: calls, tokens, USD of the priced ones, and unpriced calls."""
        with self.engine.connect() as conn:
            return cost_summary(conn, self.dialect, company_id, group_by=group_by, since=since, until=until)

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
        with self.engine.connect() as conn:
            return search(conn, self.dialect, company_ids, query, kinds=kinds, limit=limit)

    # ------------------------------------------------------------------ company records

    def record(self, batch: RecordInput) -> None:
        """Append activity entries (a repeated id is ignored) and upsert task records.

        A task record older (`updated_at`) than the one kept is ignored, so a late retry of an
        earlier batch cannot roll a task back. Idempotent.
        """
        entries = list({entry.id: entry for entry in batch.activity}.values())
        records = list({(t.company_id, t.identifier): t for t in batch.tasks}.values())
        with self._write() as conn:
            if entries:
                stmt = self._insert(activity_log).on_conflict_do_nothing(index_elements=["id"])
                conn.execute(stmt, [_activity_row(entry) for entry in entries])
            self._upsert(
                conn,
                tasks,
                [_task_row(record) for record in records],
                keys=("company_id", "identifier"),
                keep=("created_at",),
                where=lambda proposed: tasks.c.updated_at <= proposed.updated_at,
            )

    def list_activity(
        self,
        company_id: str,
        *,
        after: int = 0,
        before: int | None = None,
        limit: int = 100,
        kind: str | None = None,
        actor: str | None = None,
        agent: str | None = None,
        task: str | None = None,
        newest_first: bool = False,
    ) -> list[tuple[int, ActivityEntry]]:
        """Activity entries with a cursor greater than `after` (and less than `before`), as
        (cursor, entry), oldest first (newest first with `newest_first`).

        Args:
            kind: only this kind (`task.created`), or a family with a trailing `.*` (`task.*`).
            actor: only entries by this actor (`board`, `system`, an agent, `routine:<name>`).
            agent: only entries about this agent.
            task: only entries about this task.
        """
        c = activity_log.c
        query = sa.select(activity_log).where(c.company_id == company_id, c.seq > after)
        if before is not None:
            query = query.where(c.seq < before)
        if kind is not None:
            family = kind.endswith(".*")
            query = query.where(c.kind.startswith(kind[:-1], autoescape=True) if family else c.kind == kind)
        for column, value in ((c.actor, actor), (c.agent, agent), (c.task, task)):
            if value is not None:
                query = query.where(column == value)
        query = query.order_by(c.seq.desc() if newest_first else c.seq).limit(limit)
        with self.engine.connect() as conn:
            return [(row["seq"], _activity(row)) for row in conn.execute(query).mappings()]

    def upsert_company(self, spec: CompanySpec) -> None:
        """Create the company or update its spec (its `created_at` stays)."""
        row = {
            "id": spec.id,
            "name": spec.name,
            "mission": spec.mission,
            "prefix": spec.prefix,
            "created_at": _now(),
            "spec": spec.model_dump(mode="json"),
        }
        with self._write() as conn:
            self._upsert(conn, companies, [row], keys=("id",), keep=("created_at",))

    def list_companies(self) -> list[CompanySpec]:
        """Every company, oldest first."""
        query = sa.select(companies.c.spec).order_by(companies.c.created_at, companies.c.id)
        with self.engine.connect() as conn:
            return [CompanySpec.model_validate(spec) for spec in conn.execute(query).scalars()]

    def get_company(self, company_id: str) -> CompanySpec | None:
        query = sa.select(companies.c.spec).where(companies.c.id == company_id)
        with self.engine.connect() as conn:
            spec = conn.execute(query).scalar_one_or_none()
        return None if spec is None else CompanySpec.model_validate(spec)

    def list_tasks(
        self,
        company_id: str,
        *,
        status: TaskStatus | None = None,
        assignee: str | None = None,
        parent: str | None | EllipsisType = ...,
        limit: int = 100,
        offset: int = 0,
    ) -> list[TaskRecord]:
        """The company's tasks, oldest first.

        Args:
            status: only tasks with this status.
            assignee: only tasks of this agent.
            parent: `...` (default) any task; `None` only top-level tasks; an identifier only
                that task's subtasks.
        """
        query = sa.select(tasks).where(tasks.c.company_id == company_id)
        if status is not None:
            query = query.where(tasks.c.status == TaskStatus(status).value)
        if assignee is not None:
            query = query.where(tasks.c.assignee == assignee)
        if parent is None:
            query = query.where(tasks.c.parent.is_(None))
        elif not isinstance(parent, EllipsisType):
            query = query.where(tasks.c.parent == parent)
        query = query.order_by(tasks.c.created_at, tasks.c.identifier).limit(limit).offset(offset)
        with self.engine.connect() as conn:
            return [_task(row) for row in conn.execute(query).mappings()]

    def get_task(self, company_id: str, identifier: str) -> TaskRecord | None:
        query = sa.select(tasks).where(tasks.c.company_id == company_id, tasks.c.identifier == identifier)
        with self.engine.connect() as conn:
            row = conn.execute(query).mappings().one_or_none()
        return None if row is None else _task(row)


# ---------------------------------------------------------------------- SQLite connection setup


def _sqlite_on_connect(dbapi_connection: Any, _record: Any) -> None:
    # Let SQLAlchemy's `begin` event issue BEGIN (pysqlite's own would be deferred, and late).
    dbapi_connection.isolation_level = None
    cursor = dbapi_connection.cursor()
    cursor.execute(f"PRAGMA busy_timeout = {int(SQLITE_BUSY_TIMEOUT_SECONDS * 1000)}")
    _use_wal(cursor)
    cursor.execute("PRAGMA synchronous = NORMAL")
    cursor.close()


def _use_wal(cursor: Any) -> None:
    """Switch the file to WAL (it stays so). Changing the journal mode ignores the busy timeout:
    a process opening the file while another migrates it is told "locked" at once, so wait."""
    deadline = time.monotonic() + SQLITE_BUSY_TIMEOUT_SECONDS
    while True:
        try:
            if cursor.execute("PRAGMA journal_mode").fetchone()[0].lower() != "wal":
                cursor.execute("PRAGMA journal_mode = WAL")
            return
        except sqlite3.OperationalError as err:
            if "locked" not in str(err) or time.monotonic() > deadline:
                raise
            time.sleep(0.02)


def _sqlite_on_begin(conn: Connection) -> None:
    # A writer takes the lock at BEGIN, where the busy timeout applies; a deferred transaction
    # that upgrades to a write later may fail at once with SQLITE_BUSY instead of waiting.
    conn.exec_driver_sql("BEGIN IMMEDIATE" if conn.get_execution_options().get(_WRITE) else "BEGIN")


# ---------------------------------------------------------------------- rows ⇄ models


def _message_row(session: SessionRef, seq: int, idx: int, message: Message, now: datetime) -> dict[str, Any]:
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
        "created_at": now,
    }


def _turn_entry(cost: CostEvent, reply: Message) -> ActivityEntry:
    """A turn as the activity log tells it: who, which model, tokens, cost, the tools it called."""
    usage = cost.usage
    calls = [call.name for call in reply.tool_calls]
    price = "price unknown" if cost.cost_usd is None else f"${cost.cost_usd:.4f}"
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
            "cost_usd": cost.cost_usd,
            "tool_calls": calls,
        },
    )


def _activity_row(entry: ActivityEntry) -> dict[str, Any]:
    return entry.model_dump(mode="python") | {"data": entry.model_dump(mode="json")["data"]}


def _activity(row: Any) -> ActivityEntry:
    return ActivityEntry.model_validate({key: row[key] for key in ActivityEntry.model_fields})


_TRANSIENT = {"usage", "unconfirmed", "retry", "held"}
"""Task fields kept in columns of their own (usage, unconfirmed) or not kept (what the running
company says of a task now: its retry, its hold)."""


def _task_row(record: TaskRecord) -> dict[str, Any]:
    row = record.model_dump(mode="python", exclude=_TRANSIENT)
    unconfirmed = {
        "unconfirmed_attempts": record.unconfirmed.attempts,
        "unconfirmed_tokens": record.unconfirmed.tokens,
        "unconfirmed_usd": record.unconfirmed.usd,
    }
    return (
        row
        | {"priority": record.priority.value, "status": record.status.value}
        | usage_columns(record.usage)
        | (unconfirmed)
    )


def _task(row: Any) -> TaskRecord:
    fields = {key: row[key] for key in TaskRecord.model_fields if key not in _TRANSIENT}
    unconfirmed = Unconfirmed(
        attempts=row["unconfirmed_attempts"], tokens=row["unconfirmed_tokens"], usd=row["unconfirmed_usd"]
    )
    return TaskRecord.model_validate(fields | {"usage": usage_of(row), "unconfirmed": unconfirmed})
