"""The store: what Temporal should not keep (transcripts, costs, the activity log, task records).

One synchronous `Store` over SQLAlchemy Core, for SQLite (the embedded default) and PostgreSQL
(psycopg 3). Async callers (activities, the API) run its methods in a thread. Every write is
one transaction and every write that a retry may repeat is an idempotent upsert.

`Store` is made of one part per concern, each in its own module and each a `StoreCore` (the
engine, its transactions and the migrations, `paperclip.store.engine`) with that concern's
methods. The parts share nothing but the core: no method is defined by two of them (a test says
so), so the order they are listed in does not matter.
"""

from paperclip.store.access import AccessStore
from paperclip.store.attachments import AttachmentStore
from paperclip.store.cli_usage import CliUsageStore
from paperclip.store.conversations import ConversationStore
from paperclip.store.costs import CostStore
from paperclip.store.credentials import CredentialStore
from paperclip.store.documents import DocumentStore
from paperclip.store.engine import MIGRATIONS, StoreCore, UnsupportedDatabase, normalise_url
from paperclip.store.github import GitHubStore
from paperclip.store.hooks import HookStore
from paperclip.store.idempotency import IdempotencyStore
from paperclip.store.labels import LabelStore
from paperclip.store.ledger import LedgerStore
from paperclip.store.lifecycle import LifecycleStore
from paperclip.store.limits import RateLimitStore
from paperclip.store.mcp import McpServerStore
from paperclip.store.pipelines import PipelineStore
from paperclip.store.records import RecordStore
from paperclip.store.revisions import RevisionStore
from paperclip.store.search import SearchStore
from paperclip.store.standing import StandingStore
from paperclip.store.tool_outputs import ToolOutputStore
from paperclip.store.work_products import WorkProductStore

__all__ = ["MIGRATIONS", "Store", "StoreCore", "UnsupportedDatabase", "normalise_url"]


class Store(
    ConversationStore,
    LedgerStore,
    CostStore,
    RecordStore,
    SearchStore,
    AccessStore,
    CredentialStore,
    RateLimitStore,
    IdempotencyStore,
    ToolOutputStore,
    McpServerStore,
    StandingStore,
    CliUsageStore,
    RevisionStore,
    PipelineStore,
    HookStore,
    GitHubStore,
    LifecycleStore,
    DocumentStore,
    AttachmentStore,
    LabelStore,
    WorkProductStore,
):
    """Reads and writes the store: every part's methods on one object. Thread-safe; builds its
    engine on first use.

    Args:
        url: a SQLAlchemy URL: `sqlite:///path/to/file.db` or `postgresql://user:pw@host/db`.

    Raises:
        UnsupportedDatabase: the URL names a database other than SQLite or PostgreSQL.
    """
