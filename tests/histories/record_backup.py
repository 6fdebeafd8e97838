"""Record `<version>-backup-run.json`: one scheduled backup (`BackupWorkflow`), started by the
`paperclip-backup` schedule on a dev server, its activity run by the real workers on an embedded
home (`python -m tests.histories.record_backup v19`)."""

import asyncio
import sys

from paperclip.backup.schedule import SCHEDULE_ID, ensure_schedule
from tests.histories.record_system import HERE, record_system_run


async def record(version: str) -> None:
    await record_system_run(HERE / f"{version}-backup-run.json", SCHEDULE_ID, ensure_schedule)


if __name__ == "__main__":
    asyncio.run(record(sys.argv[1] if len(sys.argv) > 1 else "v19"))
