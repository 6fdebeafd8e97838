"""`paperclip backup create|list|restore|prune|export-key`: backups of this deployment.

These run where `PAPERCLIP_HOME` is, not through the API: a backup reads the store's database
(and, embedded, Temporal's file) and a restore writes them while the stack is stopped, when there
is no API to ask. The work is the kernel's (`paperclip.backup`), which the CLI may import (the
contract forbids it only the layers above the kernel); the scheduled backups run the same code in
a worker's activity (`activities.backup`). That code and the settings are imported when a backup
command runs, not when the CLI starts.
"""

from __future__ import annotations

import os
from pathlib import Path
from typing import TYPE_CHECKING, Annotated

import typer

from cli.common import console, fail, working
from cli.output import JsonOption, Table, print_json
from paperclip.errors import PaperclipError

if TYPE_CHECKING:
    from paperclip.backup import KeyBundle
    from paperclip.settings import Settings

backup_app = typer.Typer(help="Back up and restore the store (and the embedded Temporal's file).", no_args_is_help=True)

Folder = Annotated[
    Path | None,
    typer.Option("--dir", help="The backup folder (default: PAPERCLIP_BACKUP_DIR, else $PAPERCLIP_HOME/backups)."),
]


def _size(size: int) -> str:
    for unit in ("B", "KB", "MB", "GB"):
        if size < 1024 or unit == "GB":
            return f"{size:.0f} {unit}" if unit == "B" else f"{size:.1f} {unit}"
        size /= 1024  # type: ignore[assignment]
    return f"{size} B"


@backup_app.command("create")
def backup_create(folder: Folder = None) -> None:
    """Back up the store (and the embedded Temporal's file) into a new sealed archive."""
    from paperclip.backup import backup_key, create_backup
    from paperclip.settings import get_settings

    settings = get_settings()
    try:
        with working("Backing up the store and Temporal's file …"):
            path, manifest = create_backup(settings, backup_key(settings), directory=folder)
    except PaperclipError as error:
        fail(str(error))
    console.print(f"Backed up {manifest.summary()} → {path} ({_size(path.stat().st_size)})", highlight=False)


@backup_app.command("list")
def backup_list(folder: Folder = None, as_json: JsonOption = False) -> None:
    """The archives in the backup folder, oldest first: when, how big, what is inside."""
    from paperclip.backup import list_backups
    from paperclip.settings import get_settings

    settings = get_settings()
    directory = folder or settings.resolved_backup_dir
    try:
        key = _existing_backup_key(settings)
        entries = list_backups(directory, key)
    except PaperclipError as error:
        fail(str(error))
    if as_json:
        print_json({"data": [entry.model_dump(mode="json") for entry in entries], "count": len(entries)})
        return
    if not entries:
        console.print(f"No backups in {directory}.", highlight=False)
        return
    table = Table("created (UTC)", "size", "inside", "archive")
    for entry in entries:
        inside = entry.manifest.summary() if entry.manifest else (entry.problem or "? (no backup key here)")
        table.add_row(f"{entry.created_at:%Y-%m-%d %H:%M:%S}", _size(entry.size), inside, entry.path.name)
    console.print(table)


@backup_app.command("restore")
def backup_restore(
    archive: Annotated[Path, typer.Argument(help="The archive to restore.", exists=False)],
    key_file: Annotated[
        Path | None,
        typer.Option(
            "--key-file",
            help="The keys (`paperclip backup export-key`) or a backup key file; default: this home's backup key.",
        ),
    ] = None,
    force: Annotated[
        bool, typer.Option("--force", help="Replace the store (and Temporal's file) this home already has.")
    ] = False,
) -> None:
    """Restore an archive into PAPERCLIP_HOME (a fresh one; with the stack stopped)."""
    from paperclip.backup import read_key_file, restore_backup
    from paperclip.settings import get_settings

    settings = get_settings()
    if not archive.is_file():
        fail(f"{archive} is not a file")
    try:
        keys = read_key_file(key_file) if key_file is not None else _home_keys(settings)
        with working(f"Restoring {archive.name} …"):
            manifest, done = restore_backup(archive, settings, keys.backup, secret_key=keys.secret, force=force)
    except PaperclipError as error:
        fail(str(error))
    console.print(f"Restored {manifest.summary()} of {manifest.created_at:%Y-%m-%d %H:%M:%S} UTC:", highlight=False)
    for line in done:
        console.print(f"  {line}", highlight=False)
    if keys.secret is None:
        console.print(
            "The store's credentials open only with the secret key of the deployment backed up: "
            "put it in PAPERCLIP_SECRET_KEY or $PAPERCLIP_HOME/secret.key.",
            highlight=False,
        )


@backup_app.command("prune")
def backup_prune(
    keep_days: Annotated[
        int | None,
        typer.Option("--keep-days", min=1, help="Keep this many days of backups (default PAPERCLIP_BACKUP_KEEP_DAYS)."),
    ] = None,
    folder: Folder = None,
) -> None:
    """Remove the archives older than the retention (never the newest one)."""
    from paperclip.backup import prune
    from paperclip.settings import get_settings

    settings = get_settings()
    days = keep_days or settings.backup_keep_days
    removed = prune(folder or settings.resolved_backup_dir, days)
    for path in removed:
        console.print(f"Removed {path.name}", highlight=False)
    console.print(f"Removed {len(removed)} archive(s) older than {days} days.", highlight=False)


@backup_app.command("export-key")
def backup_export_key(
    out: Annotated[
        Path | None, typer.Option("--out", help="Write the keys into this new file (0600) instead of printing them.")
    ] = None,
) -> None:
    """Print (or write) the backup key and the secret key, to keep apart from the backups."""
    from paperclip.backup import export_keys
    from paperclip.settings import get_settings

    settings = get_settings()
    try:
        text = export_keys(settings)
    except PaperclipError as error:
        fail(str(error))
    if out is None:
        typer.echo(text, nl=False)
        return
    try:
        fd = os.open(out, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
    except FileExistsError:
        fail(f"{out} exists: give a new file")
    except OSError as error:
        fail(f"cannot write {out}: {error.strerror}")
    with os.fdopen(fd, "w") as f:
        f.write(text)
    console.print(f"Wrote the backup key and the secret key to {out} (keep it away from the backups).", highlight=False)


def _existing_backup_key(settings: Settings) -> bytes | None:
    """The backup key if this deployment has one (never made here: listing makes no key)."""
    from paperclip.backup import backup_key
    from paperclip.backup.keys import BACKUP_KEY_FILE

    if settings.backup_key or (settings.home_dir / BACKUP_KEY_FILE).exists():
        return backup_key(settings)
    return None


def _home_keys(settings: Settings) -> KeyBundle:
    from paperclip.backup import KeyBundle

    key = _existing_backup_key(settings)
    if key is None:
        fail(f"no backup key in {settings.home_dir}: give the keys with --key-file (paperclip backup export-key)")
    return KeyBundle(backup=key)
