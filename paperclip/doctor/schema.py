"""The store's schema revision against the newest the code knows (Alembic)."""

from dataclasses import dataclass

from alembic.runtime.migration import MigrationContext
from alembic.script import ScriptDirectory

from paperclip.store.engine import MIGRATIONS, StoreCore


@dataclass(frozen=True)
class SchemaRevisions:
    """`current`: the database's revision (None: never migrated); `head`: the code's newest."""

    current: str | None
    head: str

    @property
    def at_head(self) -> bool:
        return self.current == self.head


def head_revision() -> str:
    """The newest revision under `paperclip/store/migrations` (the migrations never branch)."""
    head = ScriptDirectory(str(MIGRATIONS)).get_current_head()
    if head is None:
        raise RuntimeError(f"no migrations under {MIGRATIONS}")
    return head


def schema_revisions(store: StoreCore) -> SchemaRevisions:
    """Where the store's schema is; raises what the driver raises when the database does not answer."""
    with store.engine.connect() as conn:
        current = MigrationContext.configure(conn).get_current_revision()
    return SchemaRevisions(current=current, head=head_revision())
