"""Record `<version>-purge-run.json`: one daily purge (`PurgeWorkflow`), started by the
`paperclip-purge` schedule on a dev server, its activity run by the real workers on a store with
an expired activity entry (`python -m tests.histories.record_purge v20`)."""

import asyncio
import sys
from datetime import UTC, datetime, timedelta

from paperclip.lifecycle.retention import SCHEDULE_ID, ensure_purge_schedule
from paperclip.store import Store
from paperclip.store.tables import activity_log
from tests.histories.record_system import HERE, record_system_run
from tests.lifecycle.rows import insert


def expired(store: Store) -> None:
    insert(store, activity_log, "acme", id="a-old", at=datetime.now(UTC) - timedelta(days=400))


async def record(version: str) -> None:
    await record_system_run(HERE / f"{version}-purge-run.json", SCHEDULE_ID, ensure_purge_schedule, expired)


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1] if len(sys.argv) > 1 else "v20"))
