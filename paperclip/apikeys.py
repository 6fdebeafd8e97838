"""API keys: `pck_<id>_<secret>`, shown once when made; the store keeps the id, a salt and the
scrypt digest of the secret, so a stolen database gives no key.

Checking a key costs one scrypt (about 50 ms); the API remembers a checked key for a few
minutes, but reads its row on every request, so a revoked key fails at once.
"""

import os
import secrets
from dataclasses import dataclass

from cryptography.exceptions import InvalidKey
from cryptography.hazmat.primitives.kdf.scrypt import Scrypt

from paperclip.errors import PaperclipError

PREFIX = "pck"
SALT_BYTES = 16


class ApiKeyError(PaperclipError):
    """Not an API key's form."""

    kind = "forbidden"


@dataclass(frozen=True)
class NewKey:
    id: str
    token: str
    """The whole key, for its owner's eyes once."""
    salt: bytes
    digest: bytes


def _scrypt(salt: bytes) -> Scrypt:
    return Scrypt(salt=salt, length=32, n=2**14, r=8, p=1)


def new_key() -> NewKey:
    key_id = secrets.token_hex(8)
    secret = secrets.token_urlsafe(32)
    salt = os.urandom(SALT_BYTES)
    return NewKey(key_id, f"{PREFIX}_{key_id}_{secret}", salt, _scrypt(salt).derive(secret.encode()))


def is_api_key(bearer: str) -> bool:
    return bearer.startswith(PREFIX + "_")


def parse(token: str) -> tuple[str, str]:
    """(id, secret) of a key.

    Raises:
        ApiKeyError: not `pck_<id>_<secret>`.
    """
    prefix, _, rest = token.partition("_")
    key_id, _, secret = rest.partition("_")
    if prefix != PREFIX or len(key_id) != 16 or not secret:
        raise ApiKeyError("not an API key")
    return key_id, secret


def matches(secret: str, salt: bytes, digest: bytes) -> bool:
    try:
        _scrypt(salt).verify(secret.encode(), digest)
    except InvalidKey:
        return False
    return True
