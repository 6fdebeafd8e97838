"""The `create_backup` activity: the scheduled backup, made on the worker, then the old ones pruned.

It runs `paperclip.backup` (what `paperclip backup create` runs) with the worker's settings: its
store, its home's Temporal file when the stack is embedded, its backup folder and key. The copy
runs in a thread while the activity heartbeats, so a long dump neither blocks the worker's event
loop nor looks dead to Temporal. A worker with backups off (`PAPERCLIP_BACKUP_EVERY=0`) makes none.
"""

import asyncio
import logging

from temporalio import activity
from temporalio.exceptions import ApplicationError

from paperclip.backup import SnapshotError, backup_key, create_backup, prune
from paperclip.backup.schedule import BACKUP_ACTIVITY, BackupInput, BackupResult
from paperclip.settings import Settings

log = logging.getLogger("paperclip.backup")

HEARTBEAT_SECONDS = 10.0


class BackupActivities:
    """Scheduled backups of the deployment of `settings`."""

    def __init__(self, settings: Settings) -> None:
        self.settings = settings

    def _backup(self, input: BackupInput) -> BackupResult:
        path, manifest = create_backup(self.settings, backup_key(self.settings))
        removed = prune(self.settings.resolved_backup_dir, input.keep_days)
        return BackupResult(
            archive=str(path),
            size=path.stat().st_size,
            summary=manifest.summary(),
            pruned=[p.name for p in removed],
        )

    @activity.defn(name=BACKUP_ACTIVITY)
    async def create_backup(self, input: BackupInput) -> BackupResult:
        if self.settings.backup_every == 0:
            log.info("backups are off on this worker (PAPERCLIP_BACKUP_EVERY=0): none made")
            return BackupResult()
        work = asyncio.ensure_future(asyncio.to_thread(self._backup, input))
        while True:
            done, _ = await asyncio.wait({work}, timeout=HEARTBEAT_SECONDS)
            if done:
                break
            activity.heartbeat()
        try:
            result = work.result()
        except SnapshotError as error:
            raise ApplicationError(str(error), type="BackupFailed") from None
        log.info("backed up %s to %s (%d bytes)", result.summary, result.archive, result.size)
        return result
