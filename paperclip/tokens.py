"""Task tokens: what an agent working outside the workers (a CLI tool, an HTTP agent) calls the
API back with.

A token names one company, one task and its agent, and an expiry; it is signed (HMAC-SHA256)
with a key derived from the secret key (`paperclip.secrets.load_key`), so the workers that mint
it and the API that checks it need only share that key. Nothing is stored: a token ends with its
expiry, or sooner with its task, as the task then refuses every call.

Minted inside the activity that starts the agent: never in workflow history.
"""

import base64
import hashlib
import hmac
import json
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from functools import lru_cache
from pathlib import Path

from cryptography.hazmat.primitives import hashes
from cryptography.hazmat.primitives.kdf.hkdf import HKDF

from paperclip.errors import PaperclipError
from paperclip.secrets import load_key

PREFIX = "ptt1"
"""Every task token starts `ptt1.`: a bearer that is not one is something else (an API key)."""


class TokenError(PaperclipError):
    """The token is malformed, forged, or expired (the message says which)."""

    kind = "forbidden"


@dataclass(frozen=True)
class TaskScope:
    """What a task token allows: calls about this one task of this one company."""

    company_id: str
    task: str
    agent: str
    expires_at: datetime


def _b64(data: bytes) -> str:
    return base64.urlsafe_b64encode(data).rstrip(b"=").decode()


def _unb64(text: str) -> bytes:
    return base64.urlsafe_b64decode(text + "=" * (-len(text) % 4))


def is_task_token(bearer: str) -> bool:
    return bearer.startswith(PREFIX + ".")


class TaskTokens:
    """Mints and checks task tokens with a key derived from the secret key."""

    def __init__(self, secret_key: bytes) -> None:
        self._key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=b"paperclip task tokens v1").derive(
            secret_key
        )

    def _sign(self, body: str) -> str:
        return _b64(hmac.new(self._key, f"{PREFIX}.{body}".encode(), hashlib.sha256).digest())

    def mint(self, *, company_id: str, task: str, agent: str, ttl: timedelta, now: datetime | None = None) -> str:
        expires = (now or datetime.now(UTC)) + ttl
        claims = {"c": company_id, "t": task, "a": agent, "e": int(expires.timestamp())}
        body = _b64(json.dumps(claims, separators=(",", ":")).encode())
        return f"{PREFIX}.{body}.{self._sign(body)}"

    def verify(self, token: str, *, now: datetime | None = None) -> TaskScope:
        """The token's scope.

        Raises:
            TokenError: not a task token, a bad signature, or expired.
        """
        parts = token.split(".")
        if len(parts) != 3 or parts[0] != PREFIX:
            raise TokenError("not a task token")
        body, signature = parts[1], parts[2]
        if not hmac.compare_digest(signature, self._sign(body)):
            raise TokenError("the task token's signature does not match (forged, or signed with another key)")
        try:
            claims = json.loads(_unb64(body))
            scope = TaskScope(
                company_id=str(claims["c"]),
                task=str(claims["t"]),
                agent=str(claims["a"]),
                expires_at=datetime.fromtimestamp(int(claims["e"]), UTC),
            )
        except (ValueError, KeyError, TypeError):
            raise TokenError("the task token is malformed") from None
        if scope.expires_at <= (now or datetime.now(UTC)):
            raise TokenError(f"the task token expired at {scope.expires_at.isoformat()}")
        return scope


@lru_cache(maxsize=4)
def task_tokens(home: Path, secret_key: str | None = None) -> TaskTokens:
    """The signer of this deployment: its secret key (`PAPERCLIP_SECRET_KEY`, else the key file
    under `home`, made on first use).

    Raises:
        paperclip.secrets.SecretError: the key is malformed or cannot be read.
    """
    return TaskTokens(load_key(home, secret_key))
