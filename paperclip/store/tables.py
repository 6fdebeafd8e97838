"""The store's tables (SQLAlchemy Core), one per concern.

The initial migration (`migrations/versions/0001_initial.py`) creates exactly these; a change
here needs a new migration. Times are stored in UTC and always read back timezone-aware.
"""

from datetime import UTC, datetime
from typing import Any

import sqlalchemy as sa
from sqlalchemy.dialects import postgresql
from sqlalchemy.engine import Dialect

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "ck": "ck_%(table_name)s_%(constraint_name)s",
        "fk": "fk_%(table_name)s_%(column_0_name)s_%(referred_table_name)s",
        "pk": "pk_%(table_name)s",
    }
)


class UTCDateTime(sa.TypeDecorator[datetime]):
    """A timezone-aware datetime stored in UTC.

    PostgreSQL keeps `timestamptz`; SQLite keeps no zone, so values are converted to UTC on the
    way in and marked UTC on the way out. A naive value is taken to be UTC already.
    """

    impl = sa.DateTime(timezone=True)
    cache_ok = True

    def process_bind_param(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)

    def process_result_value(self, value: datetime | None, dialect: Dialect) -> datetime | None:
        if value is None:
            return None
        if value.tzinfo is None:
            return value.replace(tzinfo=UTC)
        return value.astimezone(UTC)


JSONDoc: sa.types.TypeEngine[Any] = sa.JSON().with_variant(postgresql.JSONB(), "postgresql")
"""JSON on SQLite, JSONB on PostgreSQL."""

BigIntegerPK: sa.types.TypeEngine[int] = sa.BigInteger().with_variant(sa.Integer(), "sqlite")
"""SQLite only autoincrements an `INTEGER PRIMARY KEY` (the rowid)."""

companies = sa.Table(
    "companies",
    metadata,
    sa.Column("id", sa.String(63), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False),
    sa.Column("mission", sa.Text, nullable=False, default=""),
    sa.Column("prefix", sa.String(10), nullable=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("spec", JSONDoc, nullable=False),
)

tasks = sa.Table(
    "tasks",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("identifier", sa.String(200), primary_key=True),
    sa.Column("title", sa.Text, nullable=False),
    sa.Column("brief", sa.Text, nullable=False, default=""),
    sa.Column("assignee", sa.String(63), nullable=False),
    sa.Column("parent", sa.String(200), nullable=True),
    sa.Column("priority", sa.String(16), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("result", sa.Text, nullable=True),
    sa.Column("turns", sa.Integer, nullable=False, default=0),
    sa.Column("input_tokens", sa.BigInteger, nullable=False, default=0),
    sa.Column("output_tokens", sa.BigInteger, nullable=False, default=0),
    sa.Column("cached_input_tokens", sa.BigInteger, nullable=False, default=0),
    sa.Column("cache_write_tokens", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("cost_usd", sa.Float, nullable=False, default=0.0),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
    sa.Column("routine", sa.String(63), nullable=True),
    sa.Column("goal", sa.String(20), nullable=True),
    sa.Column("unconfirmed_attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("unconfirmed_tokens", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("unconfirmed_usd", sa.Float, nullable=False, server_default="0"),
    sa.Column("blocked_by", JSONDoc, nullable=True, comment="identifiers it waits for"),
    sa.Column("inputs", JSONDoc, nullable=True, comment="those whose results it is given"),
    sa.Column("blocked_reason", sa.Text, nullable=True),
    sa.Column("project", sa.String(10), nullable=True),
    sa.Column("labels", JSONDoc, nullable=True, comment="the names of the company's labels it carries"),
    sa.Column("review", JSONDoc, nullable=True, comment="its review policy, resolved when it was queued"),
    sa.Index(None, "company_id", "status"),
    sa.Index(None, "company_id", "assignee"),
    sa.Index(None, "company_id", "parent"),
    sa.Index(None, "company_id", "created_at"),
    sa.Index(None, "company_id", "routine"),
    sa.Index(None, "status", "updated_at"),
)

approvals = sa.Table(
    "approvals",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("id", sa.String(63), primary_key=True, comment="AP-1, AP-2, … in the company"),
    sa.Column("request_id", sa.Text, nullable=False, comment="the asking task's own id for it"),
    sa.Column("details", sa.Text, nullable=False, server_default=""),
    sa.Column("agent", JSONDoc, nullable=True, comment="for a hire: the agent to hire"),
)
"""Each approval's details and hire spec as it was asked (they never change): the company
carries long details by reference (`workflows/company/texts.py`)."""

messages = sa.Table(
    "messages",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("task", sa.String(200), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("idx", sa.Integer, primary_key=True),
    sa.Column("agent", sa.String(63), nullable=False),
    sa.Column("role", sa.String(16), nullable=False),
    sa.Column("content", sa.Text, nullable=False, default=""),
    sa.Column("tool_calls", JSONDoc, nullable=False),
    sa.Column("tool_call_id", sa.String(200), nullable=True),
    sa.Column("author", sa.String(200), nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

cost_events = sa.Table(
    "cost_events",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("task", sa.String(200), primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("model_index", sa.Integer, primary_key=True, server_default="0", comment="0: the agent's own model"),
    sa.Column("attempt", sa.Integer, primary_key=True, server_default="1"),
    sa.Column("agent", sa.String(63), nullable=False),
    sa.Column("provider", sa.String(32), nullable=False),
    sa.Column("model", sa.String(200), nullable=False),
    sa.Column("input_tokens", sa.BigInteger, nullable=False, default=0),
    sa.Column("output_tokens", sa.BigInteger, nullable=False, default=0),
    sa.Column("cached_input_tokens", sa.BigInteger, nullable=False, default=0),
    sa.Column("cache_write_tokens", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("cost_usd", sa.Float, nullable=True, comment="NULL when the price is unknown"),
    sa.Column("simulated", sa.Boolean, nullable=False, default=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("goal", sa.String(20), nullable=True),
    sa.Column(
        "confirmed",
        sa.Boolean,
        nullable=False,
        server_default=sa.true(),
        comment="false: the worker was lost before the answer; usage and cost are the worst case",
    ),
    sa.Column("input_hash", sa.String(64), nullable=True, comment="sha256 of the call's input"),
    sa.Index(None, "company_id", "at"),
    sa.Index(None, "company_id", "agent"),
)

activity_log = sa.Table(
    "activity_log",
    metadata,
    sa.Column("seq", BigIntegerPK, primary_key=True, autoincrement=True),
    sa.Column("id", sa.String(200), nullable=False, unique=True),
    sa.Column("company_id", sa.String(63), nullable=False),
    sa.Column("at", UTCDateTime, nullable=False),
    sa.Column("kind", sa.String(64), nullable=False),
    sa.Column("actor", sa.String(200), nullable=False),
    sa.Column("task", sa.String(200), nullable=True),
    sa.Column("agent", sa.String(63), nullable=True),
    sa.Column("summary", sa.Text, nullable=False, default=""),
    sa.Column("data", JSONDoc, nullable=False),
    sa.Index(None, "company_id", "seq"),
    sa.Index(None, "at"),
    sqlite_autoincrement=True,
)
"""`seq` is the cursor of live event streams; `sqlite_autoincrement` so it is never reused."""

MAX_SEQ = 2**63 - 1
"""The largest activity sequence number either database holds (a signed 64-bit integer): a cursor
past it names no entry, and the API refuses it rather than let the database fail on it."""

credential_limits = sa.Table(
    "credential_limits",
    metadata,
    sa.Column("credential", sa.String(200), primary_key=True),
    sa.Column("tokens", sa.Float, nullable=False, comment="left in the token bucket at refilled_at"),
    sa.Column("refilled_at", sa.Float, nullable=False, comment="Unix time"),
    sa.Column("cooldown_until", sa.Float, nullable=True, comment="Unix time the provider said to wait until"),
)
"""One row per provider credential that has a tokens-a-minute limit or was told to wait."""

DEPLOYMENT = ""
"""The owner of the deployment's credentials and endpoints (a team's are owned by its name)."""

credentials = sa.Table(
    "credentials",
    metadata,
    sa.Column("owner", sa.String(63), primary_key=True, comment="a team's name; '' for the deployment's"),
    sa.Column("name", sa.String(200), primary_key=True),
    sa.Column("sealed", sa.LargeBinary, nullable=True, comment="AES-256-GCM: nonce + ciphertext; NULL: no key"),
    sa.Column("urls", JSONDoc, nullable=False, comment="normalised base URLs the key may be sent to"),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
"""Provider keys by owner and name, encrypted (`paperclip.secrets`) with `<team>/<name>` (or the
name, for the deployment's) as associated data, and where each may go; never returned by the API."""

endpoints = sa.Table(
    "endpoints",
    metadata,
    sa.Column("owner", sa.String(63), primary_key=True, comment="a team's name; '' for the deployment's"),
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("kind", sa.String(32), nullable=False),
    sa.Column("url", sa.String(2000), nullable=False),
    sa.Column("model", sa.String(200), nullable=True),
    sa.Column("has_key", sa.Boolean, nullable=False, default=False),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
"""Model servers registered by name (`paperclip agent register`); each has the credential of the
same owner and name, bound to its URL (keyless: `sealed` is NULL)."""

teams = sa.Table(
    "teams",
    metadata,
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
"""Who owns companies: a team's companies are invisible to everyone else."""

users = sa.Table(
    "users",
    metadata,
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
)

memberships = sa.Table(
    "memberships",
    metadata,
    sa.Column("user_name", sa.String(63), sa.ForeignKey("users.name", ondelete="CASCADE"), primary_key=True),
    sa.Column("team_name", sa.String(63), sa.ForeignKey("teams.name", ondelete="CASCADE"), primary_key=True),
    sa.Column("role", sa.String(16), nullable=False, comment="owner | operator | viewer"),
)

api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(32), primary_key=True),
    sa.Column("user_name", sa.String(63), sa.ForeignKey("users.name", ondelete="CASCADE"), nullable=False),
    sa.Column("label", sa.String(100), nullable=False, default=""),
    sa.Column("salt", sa.LargeBinary, nullable=False),
    sa.Column("digest", sa.LargeBinary, nullable=False, comment="scrypt(secret, salt)"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("revoked_at", UTCDateTime, nullable=True),
)
"""Bearer API keys (`paperclip token create`): the secret is shown once and kept only as a KDF digest."""

company_teams = sa.Table(
    "company_teams",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("team_name", sa.String(63), sa.ForeignKey("teams.name"), nullable=False, index=True),
)
"""Which team a company belongs to; a company with no row is the board's only."""

idempotency_keys = sa.Table(
    "idempotency_keys",
    metadata,
    sa.Column("scope", sa.String(32), primary_key=True, comment="digest of the caller, the route and the key"),
    sa.Column("request", sa.String(32), nullable=False, comment="digest of the request's query and body"),
    sa.Column("status", sa.String(16), nullable=False, comment="pending | done | failed"),
    sa.Column("response_status", sa.Integer, nullable=True),
    sa.Column("response_type", sa.String(200), nullable=True),
    sa.Column("response_body", sa.LargeBinary, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False, index=True, comment="claimed at; kept a day"),
)
"""Requests with an `Idempotency-Key` (`paperclip.store.idempotency`): a repeat of one that
succeeded is answered with its response, the key with another request is refused."""

tool_outputs = sa.Table(
    "tool_outputs",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("ref", sa.String(40), primary_key=True, comment="to-<digest of the task and the call>"),
    sa.Column("task", sa.String(200), nullable=False),
    sa.Column("call_id", sa.String(200), nullable=False),
    sa.Column("agent", sa.String(63), nullable=False),
    sa.Column("content", sa.Text, nullable=False),
    sa.Column("size", sa.Integer, nullable=False, comment="characters"),
    sa.Column("created_at", UTCDateTime, nullable=False, index=True),
)
"""Tool outputs longer than a tool result carries (`paperclip.store.tool_outputs`): the model
reads the start and the reference; people read the rest through the API."""


labels = sa.Table(
    "labels",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("name", sa.String(40), primary_key=True),
    sa.Column("colour", sa.String(7), nullable=False),
    sa.Column("description", sa.Text, nullable=False, server_default=""),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
"""Each company's labels (`paperclip.store.labels`); tasks carry their names."""


mcp_servers = sa.Table(
    "mcp_servers",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("name", sa.String(63), primary_key=True, comment="the namespace of its tools (server__tool)"),
    sa.Column("config", JSONDoc, nullable=False, comment="McpServerConfig: never a key, only a credential's name"),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
"""The MCP servers each company attaches as tools (`paperclip.store.mcp`)."""


standing = sa.Table(
    "standing",
    metadata,
    sa.Column("digest", sa.String(64), primary_key=True, comment="sha256 of the JSON below"),
    sa.Column("body", sa.Text, nullable=False, comment="a task's system prompt and tools (JSON)"),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
"""What model calls send besides their messages, stored once by hash (`ModelTurnInput.standing`)."""

cli_usage_baselines = sa.Table(
    "cli_usage_baselines",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("tool", sa.String(32), primary_key=True, comment="codex, …: whose session id"),
    sa.Column("session_id", sa.String(200), primary_key=True, comment="the tool's own (Codex: its thread id)"),
    sa.Column("task", sa.String(200), nullable=False, comment="the task whose turns ran in the session"),
    sa.Column("input_tokens", sa.BigInteger, nullable=False),
    sa.Column("output_tokens", sa.BigInteger, nullable=False),
    sa.Column("cached_input_tokens", sa.BigInteger, nullable=False),
    sa.Column("cache_write_tokens", sa.BigInteger, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
"""A CLI session's running total as last booked (`CliSessionTotal`): the next turn of the
session books what the tool's total grew by since."""

agent_revisions = sa.Table(
    "agent_revisions",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("agent", sa.String(63), primary_key=True),
    sa.Column("revision", sa.Integer, primary_key=True, comment="1 as hired, one more per configure or rollback"),
    sa.Column("at", UTCDateTime, nullable=True, comment="NULL: an agent's spec from before revisions were kept"),
    sa.Column("actor", sa.String(200), nullable=False, server_default=""),
    sa.Column("spec", JSONDoc, nullable=False, comment="AgentSpec: never a secret, only credentials' names"),
    sa.Column("changes", JSONDoc, nullable=False, comment="SpecChange list: what it changed from the one before"),
    sa.Column("restored_from", sa.Integer, nullable=True, comment="a rollback: the revision it restored"),
)
"""Every configuration each agent had (`paperclip.store.revisions`), written by the company with
its record batches: what `paperclip agent revisions` lists and `agent rollback` restores."""

pipelines = sa.Table(
    "pipelines",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("version", sa.Integer, primary_key=True, comment="1, then one more for each different content"),
    sa.Column("content", sa.Text, nullable=False, comment="the YAML document as given"),
    sa.Column("digest", sa.String(64), nullable=False, comment="sha256 of the content"),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("created_by", sa.String(200), nullable=False, server_default=""),
)
"""Companies' pipeline documents, every version (`paperclip.store.pipelines`)."""

pipeline_runs = sa.Table(
    "pipeline_runs",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("run_id", sa.String(100), primary_key=True),
    sa.Column("pipeline", sa.String(63), nullable=False),
    sa.Column("version", sa.Integer, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False, comment="sha256 of the content the run started from"),
    sa.Column("status", sa.String(16), nullable=False, comment="running | done | failed | cancelled"),
    sa.Column("inputs", JSONDoc, nullable=False),
    sa.Column("started_by", sa.String(200), nullable=False, server_default=""),
    sa.Column("started_at", UTCDateTime, nullable=False),
    sa.Column("finished_at", UTCDateTime, nullable=True),
    sa.Column("tokens", sa.BigInteger, nullable=False, server_default="0"),
    sa.Column("cost_usd", sa.Float, nullable=False, server_default="0"),
    sa.Column("idempotency_key", sa.String(200), nullable=True, comment="one run per key and company"),
    sa.Column("state", JSONDoc, nullable=False, comment="PipelineRunState as the workflow last reported it"),
    sa.UniqueConstraint("company_id", "idempotency_key"),
    sa.Index(None, "company_id", "pipeline", "started_at"),
)
"""Pipelines' runs (`paperclip.store.pipelines`), written by the run's side as its state changes."""
hooks = sa.Table(
    "hooks",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("kind", sa.String(16), nullable=False, comment="github or generic: how deliveries are signed"),
    sa.Column("sealed", sa.LargeBinary, nullable=False, comment="the secret, AES-256-GCM: nonce + ciphertext"),
    sa.Column("config", JSONDoc, nullable=False, comment="HookSpec's target, inputs and when: never the secret"),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
"""A company's incoming webhooks (`paperclip.store.hooks`); the secret is sealed with
`hook:<company>/<name>` as associated data."""

hook_deliveries = sa.Table(
    "hook_deliveries",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("hook", sa.String(63), primary_key=True),
    sa.Column("delivery", sa.String(200), primary_key=True, comment="X-GitHub-Delivery, or a generic one's signature"),
    sa.Column("received_at", UTCDateTime, nullable=False),
    sa.Column("outcome", sa.String(200), nullable=False, comment="pending, skipped, or task <identifier>"),
)
"""The deliveries each hook took: one row per delivery, so a repeat does nothing."""

webhook_subscriptions = sa.Table(
    "webhook_subscriptions",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("events", JSONDoc, nullable=False, comment="WebhookEvent values it is told of"),
    sa.Column("format", sa.String(16), nullable=False, comment="json or slack"),
    sa.Column("sealed", sa.LargeBinary, nullable=False, comment="the signing secret, AES-256-GCM"),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
"""A company's outgoing webhooks (`paperclip.store.hooks`); the secret is sealed with
`webhook:<company>/<name>` as associated data."""

github_monitors = sa.Table(
    "github_monitors",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("name", sa.String(63), primary_key=True),
    sa.Column("config", JSONDoc, nullable=False, comment="GitHubMonitorSpec: repo, branch, pipeline, api_url, mode"),
    sa.Column("credential", sa.String(200), nullable=False, comment="the token's credential, by name: never the key"),
    sa.Column("created_at", UTCDateTime, nullable=False),
)
"""Companies' pull-request reviewers (`paperclip.store.github`)."""

pull_request_reviews = sa.Table(
    "pull_request_reviews",
    metadata,
    sa.Column("company_id", sa.String(63), primary_key=True),
    sa.Column("repo", sa.String(200), primary_key=True, comment="OWNER/NAME, lowercased"),
    sa.Column("number", sa.Integer, primary_key=True),
    sa.Column("head_sha", sa.String(40), primary_key=True),
    sa.Column("monitor", sa.String(63), nullable=False),
    sa.Column("run_id", sa.String(100), nullable=False, comment="the pipeline run that reviews it"),
    sa.Column("state", sa.String(16), nullable=False, comment="running | posted | failed | superseded"),
    sa.Column("review_id", sa.BigInteger, nullable=True),
    sa.Column("review_url", sa.Text, nullable=True),
    sa.Column("error", sa.Text, nullable=True),
    sa.Column("created_at", UTCDateTime, nullable=False),
    sa.Column("updated_at", UTCDateTime, nullable=False),
)
"""One review per head commit of a pull request: claimed (inserted) before its run starts, so a
poll and a delivery of the same head make one run."""
