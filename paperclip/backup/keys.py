"""The backup key, and the key file an operator keeps away from the backups.

Backups are sealed with their own key (`PAPERCLIP_BACKUP_KEY`, or `$PAPERCLIP_HOME/backup.key`
made with mode 0600 on first use, as the secret key is: `paperclip.secrets.key_file`). Neither it
nor the secret key that seals the store's credentials is ever written into an archive: an archive
that leaks opens for nobody, and a store restored from it keeps its credentials sealed. `export_keys`
writes both into one file (`paperclip backup export-key`) to keep elsewhere; a restore reads it
(`read_key_file`).
"""

import base64
import re
from pathlib import Path

from pydantic import BaseModel, ConfigDict

from paperclip.secrets import SecretError, decode_key, key_file, load_key
from paperclip.settings import Settings

BACKUP_KEY_FILE = "backup.key"
BACKUP_VARIABLE = "PAPERCLIP_BACKUP_KEY"
SECRET_VARIABLE = "PAPERCLIP_SECRET_KEY"


class KeyBundle(BaseModel):
    """The keys a restore needs: the backup key opens the archive, the secret key the credentials."""

    model_config = ConfigDict(frozen=True)

    backup: bytes
    secret: bytes | None = None


def backup_key(settings: Settings) -> bytes:
    """The deployment's backup key: `PAPERCLIP_BACKUP_KEY`, else the key file (made if missing)."""
    if settings.backup_key:
        return decode_key(settings.backup_key, BACKUP_VARIABLE)
    return key_file(settings.home_dir / BACKUP_KEY_FILE)


def export_keys(settings: Settings) -> str:
    """Both keys as `NAME=base64` lines (an environment file): what `--key-file` reads back."""
    lines = [
        f"{BACKUP_VARIABLE}={base64.b64encode(backup_key(settings)).decode()}",
        f"{SECRET_VARIABLE}={base64.b64encode(load_key(settings.home_dir, settings.secret_key)).decode()}",
    ]
    return "\n".join(lines) + "\n"


def read_key_file(path: Path) -> KeyBundle:
    """The keys in `path`: an exported key file (`export_keys`), or a bare backup key file.

    Raises:
        SecretError: the file cannot be read or holds no backup key.
    """
    try:
        text = path.read_text()
    except OSError as error:
        raise SecretError(f"cannot read the key file {path}: {error.strerror}") from None
    lines = [m for line in text.splitlines() if (m := re.match(r"^([A-Z_]+)=(.*)$", line.strip()))]
    values = {m.group(1): m.group(2) for m in lines}
    if not values:
        return KeyBundle(backup=decode_key(text, str(path)))
    if BACKUP_VARIABLE not in values:
        raise SecretError(f"{path} holds no {BACKUP_VARIABLE}= line (write it with `paperclip backup export-key`)")
    secret = values.get(SECRET_VARIABLE)
    return KeyBundle(
        backup=decode_key(values[BACKUP_VARIABLE], f"{BACKUP_VARIABLE} in {path}"),
        secret=decode_key(secret, f"{SECRET_VARIABLE} in {path}") if secret else None,
    )
