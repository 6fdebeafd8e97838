"""Secrets at rest: AES-256-GCM (`cryptography`), with the credential's name as associated data,
so a ciphertext moved to another name does not decrypt.

The key is `PAPERCLIP_SECRET_KEY` (32 bytes, base64) or the key file `$PAPERCLIP_HOME/secret.key`,
made with mode 0600 on first use. Every process that reads secrets (API, workers) needs the same.
"""

import base64
import binascii
import os
from pathlib import Path

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from paperclip.errors import PaperclipError

KEY_FILE = "secret.key"
NONCE_BYTES = 12


class SecretError(PaperclipError):
    """A secret could not be read: a missing or different key, or a damaged ciphertext."""

    kind = "internal"


def decode_key(text: str, where: str) -> bytes:
    """A 32-byte key from its base64 `text`; `where` names its source in the error."""
    try:
        key = base64.b64decode(text.strip(), validate=True)
    except (binascii.Error, ValueError):
        raise SecretError(f"{where} is not base64") from None
    if len(key) != 32:
        raise SecretError(f"{where} must be 32 bytes (base64), not {len(key)}")
    return key


def load_key(home: Path, env_key: str | None = None) -> bytes:
    """The secret key: `env_key` (from `PAPERCLIP_SECRET_KEY`) or the key file, made if missing."""
    if env_key:
        return decode_key(env_key, "PAPERCLIP_SECRET_KEY")
    return key_file(home / KEY_FILE)


def key_file(path: Path) -> bytes:
    """The 32-byte key kept (base64) in `path`, which is made with mode 0600 if missing.

    Raises:
        SecretError: the file does not hold a 32-byte base64 key.
    """
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        try:
            fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, 0o600)
        except FileExistsError:
            pass  # another process made it first
        else:
            with os.fdopen(fd, "w") as f:
                f.write(base64.b64encode(AESGCM.generate_key(bit_length=256)).decode() + "\n")
    return decode_key(path.read_text(), str(path))


class SecretBox:
    """Encrypts and decrypts named secrets with one key."""

    def __init__(self, key: bytes) -> None:
        self._aead = AESGCM(key)

    def seal(self, name: str, secret: str) -> bytes:
        nonce = os.urandom(NONCE_BYTES)
        return nonce + self._aead.encrypt(nonce, secret.encode(), name.encode())

    def open(self, name: str, sealed: bytes) -> str:
        try:
            return self._aead.decrypt(sealed[:NONCE_BYTES], sealed[NONCE_BYTES:], name.encode()).decode()
        except (InvalidTag, ValueError):
            message = f"the credential {name!r} does not decrypt with this key (check PAPERCLIP_SECRET_KEY)"
            raise SecretError(message) from None
