"""Alembic environment for the store.

`Store.migrate()` runs this programmatically and hands over an open connection (in
`config.attributes["connection"]`), already holding the lock that serialises concurrent
migrations. Run by the `alembic` command instead (e.g. to autogenerate a revision), it connects
to `sqlalchemy.url` if the config sets one, else to the store `Settings` names.
"""

from typing import Any

from alembic import context
from sqlalchemy import Connection, create_engine

import paperclip.store  # noqa: F401  (every part, so every table, is on `metadata`)
from paperclip.store.tables import metadata


def _described(name: str | None, kind: str, parent_names: Any) -> bool:
    """Whether autogenerate compares it: the search index (revision 0008) is not in `tables`."""
    return not (name or "").startswith(("search_", "ix_messages_search", "ix_tasks_search"))


def _run(connection: Connection) -> None:
    context.configure(
        connection=connection,
        target_metadata=metadata,
        render_as_batch=connection.dialect.name == "sqlite",
        compare_type=True,
        include_name=_described,
    )
    with context.begin_transaction():
        context.run_migrations()


def _url() -> str:
    from paperclip.settings import Settings
    from paperclip.store.store import normalise_url

    return normalise_url(context.config.get_main_option("sqlalchemy.url") or Settings().resolved_database_url)


if context.is_offline_mode():
    context.configure(url=_url(), target_metadata=metadata, literal_binds=True, include_name=_described)
    with context.begin_transaction():
        context.run_migrations()
else:
    given: Connection | None = context.config.attributes.get("connection")
    if given is not None:
        _run(given)
    else:
        engine = create_engine(_url())
        try:
            with engine.begin() as connection:
                _run(connection)
        finally:
            engine.dispose()
