"""The board token: the secret whose holder is the board (every power: approve, budgets, teams, keys).

It is kept in `$PAPERCLIP_HOME/board.token` with mode 0600 and made on first need: by the API
when it starts, by `paperclip up` before it starts anything. The `paperclip` CLI and the dashboard
read it from the same file and send it as `Authorization: Bearer pcb_…` when no API key is given,
so a person using the home folder's owner account never sees it. It never travels in an
environment variable: a process the product starts (a worker, an agent's CLI) gets it only if it
reads the file.

Only file I/O here, so every process of a deployment (and the CLI) can use it.
"""

import hmac
import ipaddress
import os
import secrets
import tempfile
from pathlib import Path
from urllib.parse import urlsplit

from paperclip.errors import PaperclipError

TOKEN_FILE = "board.token"
PREFIX = "pcb"
_SECRET_HEX = 64
"""32 random bytes, in hex: no `_` or `.` in it, so it reads as one word in any message."""


class BoardTokenError(PaperclipError):
    """The token file exists but cannot be read or is not a board token. The message names the
    file, never its content."""


def is_board_token(bearer: str) -> bool:
    """Whether `bearer` has the board token's form (`pcb_…`); it may still be the wrong one."""
    return bearer.startswith(PREFIX + "_")


def token_path(home: Path) -> Path:
    return home / TOKEN_FILE


def _valid(text: str) -> bool:
    prefix, _, secret = text.partition("_")
    return prefix == PREFIX and len(secret) == _SECRET_HEX and all(c in "0123456789abcdef" for c in secret)


def read_token(home: Path) -> str | None:
    """The board token of `home`, or None when it has not been made.

    Raises:
        BoardTokenError: the file cannot be read, or does not hold a board token.
    """
    path = token_path(home)
    try:
        text = path.read_text().strip()
    except FileNotFoundError:
        return None
    except (OSError, UnicodeDecodeError) as err:
        raise BoardTokenError(f"cannot read the board token {path}: {type(err).__name__}") from None
    if not _valid(text):
        raise BoardTokenError(f"{path} does not hold a board token: delete it, and it is made again")
    return text


def ensure_token(home: Path) -> str:
    """The board token of `home`, made first if there is none.

    The file appears whole or not at all: the token is written to a private temporary file that
    is then hard-linked to `board.token`, which fails if another process got there first. So two
    processes making it at once end with one token, and a reader never sees half a file.

    Raises:
        BoardTokenError: the folder cannot be written, or the file holds something else.
    """
    found = read_token(home)
    if found is not None:
        return found
    try:
        home.mkdir(parents=True, exist_ok=True)
        fd, temporary = tempfile.mkstemp(dir=home, prefix=".board.token.")  # mode 0600
        try:
            with os.fdopen(fd, "w") as f:
                f.write(f"{PREFIX}_{secrets.token_hex(_SECRET_HEX // 2)}\n")
                f.flush()
                os.fsync(f.fileno())
            os.link(temporary, token_path(home))
        except FileExistsError:
            pass  # another process made it first: theirs is the token
        finally:
            os.unlink(temporary)
    except OSError as err:
        raise BoardTokenError(f"cannot make the board token in {home}: {err.strerror or err}") from None
    token = read_token(home)
    if token is None:  # deleted in between: rare enough to simply try again
        return ensure_token(home)
    return token


def matches(presented: str, token: str) -> bool:
    """Whether `presented` is `token`, compared in constant time."""
    return hmac.compare_digest(presented.encode(), token.encode())


def on_this_machine(api_url: str, own_host: str | None = None) -> bool:
    """Whether `api_url` names this machine: a loopback or unspecified address, `localhost`, or
    `own_host` (the address this home's API listens on)."""
    host = urlsplit(api_url).hostname
    if host is None:
        return False
    if host in ("localhost", own_host):
        return True
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return False
    return address.is_loopback or address.is_unspecified


def bearer_for(
    api_url: str, *, api_key: str | None, home: Path, own_host: str | None = None, task_token: str | None = None
) -> str | None:
    """What a client on this machine sends to the API at `api_url`, first found of: its API key; a
    task token (inside an agent's turn, the CLI acts for the agent, never as the board); the board
    token of `home` when `api_url` is on this machine (a loopback address, `localhost`, or
    `own_host`, where this home's API listens) and the token exists. None: nothing.

    The board token is never sent to another machine: to act as the board there, give it as the
    API key (`PAPERCLIP_API_KEY`) on purpose.

    Raises:
        BoardTokenError: the token file exists but cannot be read.
    """
    if api_key or task_token:
        return api_key or task_token
    return read_token(home) if on_this_machine(api_url, own_host) else None
