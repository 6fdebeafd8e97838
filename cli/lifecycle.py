"""`paperclip company delete` and `paperclip purge --expired`: the data lifecycle
(`paperclip.lifecycle`).

Deleting a company goes through the API (who may is the API's to say); the purge runs where
`PAPERCLIP_HOME` is, against the store of its settings, as `paperclip backup create` does: the
same purge the daily system routine runs on a worker.
"""

from functools import partial
from typing import Annotated

import typer

from cli.common import ApiUrl, api, console, fail
from cli.output import Table


def company_delete(
    company: Annotated[str, typer.Argument(help="Company id.")],
    yes: Annotated[bool, typer.Option("--yes", help="Yes, delete it and everything it left, for good.")] = False,
    api_url: ApiUrl = None,
) -> None:
    """Delete a company for good: its workflows and their histories, schedules, store rows,
    search entries, tool outputs, attachments and folders. There is no undo (but a backup)."""
    if not yes:
        fail(f"deleting company {company} cannot be undone: run it again with --yes")
    with api(api_url) as client:
        deleted = client.delete(f"/api/companies/{company}")
    rows = sum(deleted.get("rows", {}).values())
    console.print(
        f"Deleted company [bold]{company}[/bold]: {deleted.get('workflows', 0)} workflows with their histories,"
        f" {deleted.get('schedules', 0)} schedules, {rows} store rows,"
        f" {deleted.get('files', 0)} attachments, {len(deleted.get('folders', []))} folders",
        highlight=False,
    )


def purge(
    expired: Annotated[
        bool, typer.Option("--expired", help="Remove what the retention settings no longer keep (required).")
    ] = False,
) -> None:
    """Purge the store now, as the daily system routine does, and print what went by kind."""
    if not expired:
        fail("say what to purge: --expired (what the PAPERCLIP_*_KEEP_DAYS settings no longer keep)")
    from sqlalchemy.exc import SQLAlchemyError  # the store's, only for the command that opens it

    from paperclip.attachments import StorageError, open_storage
    from paperclip.lifecycle.retention import purge_expired, retention
    from paperclip.settings import get_settings
    from paperclip.store import Store

    settings = get_settings()
    input = retention(settings)
    store = Store.from_settings(settings)
    try:
        result = purge_expired(store, input, partial(open_storage, settings))
    except StorageError as error:
        fail(f"the attachments could not be purged: {error}")
    except SQLAlchemyError as error:
        fail(f"the store could not be purged: {error.__class__.__name__}: {str(error).splitlines()[0]}")
    finally:
        store.dispose()
    table = Table("kind", "kept (days)", "removed")
    for kind, days in input.keep_days.items():
        table.add_row(str(kind), str(days) if days else "forever", str(result.purged.get(kind, 0)))
    console.print(table)
