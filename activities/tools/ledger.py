"""What the task wrote itself, so that reading anything else is marked untrusted.

Each workspace has a small state folder under `PAPERCLIP_HOME` (`tool-state/<digest of its
path>/`), out of reach of the commands run in the workspace: `written.json` maps each path the
task wrote through `write_file` or `edit_file` to the digest of what it wrote. A file read back
with that very content is the task's own; a file changed since (by a command, a checkout), or
never written by the task, is untrusted: it may hold words someone else put there for the model.

`prepare_workspace` keeps the workspace's repository there too (`repository.json`), for the
tools that need it (the pull request's base, the credential's name; never a secret).
"""

import fcntl
import hashlib
import json
import os
from pathlib import Path

from paperclip.models import RepositoryConfig

LEDGER = "written.json"
REPOSITORY = "repository.json"


def state_folder(home: Path, workspace: Path) -> Path:
    """The workspace's state folder (made, mode 0700)."""
    digest = hashlib.sha256(os.fsencode(os.path.realpath(workspace))).hexdigest()[:32]
    path = home / "tool-state" / digest
    path.mkdir(mode=0o700, parents=True, exist_ok=True)
    return path


def digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()


def _key(path: str) -> str:
    return "/".join(p for p in path.split("/") if p not in ("", "."))


def record_written(home: Path, workspace: Path, path: str, data: bytes) -> None:
    """Note that the task wrote `data` to `path` (under a lock: calls may run at once)."""
    ledger = state_folder(home, workspace) / LEDGER
    with open(ledger, "a+", encoding="utf-8") as file:
        fcntl.flock(file, fcntl.LOCK_EX)
        file.seek(0)
        text = file.read()
        written: dict[str, str] = json.loads(text) if text.strip() else {}
        written[_key(path)] = digest(data)
        file.seek(0)
        file.truncate()
        json.dump(written, file, sort_keys=True)


def wrote(home: Path, workspace: Path, path: str, data: bytes) -> bool:
    """Whether `data`, read at `path`, is what the task itself last wrote there."""
    ledger = state_folder(home, workspace) / LEDGER
    try:
        with open(ledger, encoding="utf-8") as file:
            fcntl.flock(file, fcntl.LOCK_SH)
            text = file.read()
    except FileNotFoundError:
        return False
    written: dict[str, str] = json.loads(text) if text.strip() else {}
    return written.get(_key(path)) == digest(data)


def save_repository(home: Path, workspace: Path, repository: RepositoryConfig) -> None:
    (state_folder(home, workspace) / REPOSITORY).write_text(repository.model_dump_json(), encoding="utf-8")


def load_repository(home: Path, workspace: Path) -> RepositoryConfig | None:
    """The repository the workspace was made from; None for a folder `prepare_workspace` did not make."""
    try:
        text = (state_folder(home, workspace) / REPOSITORY).read_text(encoding="utf-8")
    except FileNotFoundError:
        return None
    return RepositoryConfig.model_validate_json(text)
