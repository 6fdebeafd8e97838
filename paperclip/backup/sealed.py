"""A backup's encryption: AES-256-GCM over a stream, one authenticated chunk at a time.

An archive can be larger than memory, so it is sealed in chunks of `CHUNK` bytes. The file is a
header (`MAGIC`, the key's fingerprint, a random 8-byte nonce prefix) and then chunks, each
`length (4 bytes) ‖ ciphertext+tag`. Chunk *i* is sealed with the nonce `prefix ‖ i` and, as
associated data, the header, *i* and whether it is the last chunk: so chunks cannot be reordered,
moved between archives, dropped or cut off at the end without the open failing.

The fingerprint (an HMAC of a constant under the key) tells a wrong key from an altered archive
before any chunk is opened, and says nothing about the key.
"""

import hashlib
import hmac
import os
import struct
from typing import BinaryIO

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM

from paperclip.errors import PaperclipError

MAGIC = b"PCBACKUP1\n"
CHUNK = 1 << 20
"""Plaintext bytes a chunk holds (1 MiB): memory used while sealing or opening."""
_FINGERPRINT = 8
_PREFIX = 8
_HEADER = len(MAGIC) + _FINGERPRINT + _PREFIX
_TAG = 16


class BackupSealError(PaperclipError):
    """An archive that cannot be opened: not a backup, a wrong key, or altered."""

    kind = "invalid_input"


class WrongKey(BackupSealError):
    """The archive was sealed with another backup key."""


class Tampered(BackupSealError):
    """The archive's bytes are not the ones that were sealed (altered, cut short or damaged)."""


def fingerprint(key: bytes) -> bytes:
    """8 bytes that identify `key` without revealing it."""
    return hmac.new(key, b"paperclip backup key", hashlib.sha256).digest()[:_FINGERPRINT]


def _aad(header: bytes, index: int, last: bool) -> bytes:
    return header + struct.pack(">I?", index, last)


def _nonce(prefix: bytes, index: int) -> bytes:
    return prefix + struct.pack(">I", index)


class SealingWriter:
    """A write-only file object that seals what is written to it into `out`.

    Call `close()` to seal the last chunk; without it the archive does not open (cut short).
    """

    def __init__(self, out: BinaryIO, key: bytes) -> None:
        self._out = out
        self._aead = AESGCM(key)
        self._prefix = os.urandom(_PREFIX)
        self._header = MAGIC + fingerprint(key) + self._prefix
        self._buffer = bytearray()
        self._index = 0
        self._closed = False
        out.write(self._header)

    def write(self, data: bytes) -> int:
        self._buffer += data
        while len(self._buffer) > CHUNK:  # keep at least one byte back: the last chunk is sealed on close
            self._seal(bytes(self._buffer[:CHUNK]), last=False)
            del self._buffer[:CHUNK]
        return len(data)

    def _seal(self, plain: bytes, *, last: bool) -> None:
        sealed = self._aead.encrypt(_nonce(self._prefix, self._index), plain, _aad(self._header, self._index, last))
        self._out.write(struct.pack(">I", len(sealed)) + sealed)
        self._index += 1

    def flush(self) -> None:
        self._out.flush()

    def close(self) -> None:
        if not self._closed:
            self._seal(bytes(self._buffer), last=True)
            self._buffer.clear()
            self._closed = True
            self._out.flush()


class OpeningReader:
    """A read-only file object of the plaintext sealed in `source`, checked chunk by chunk.

    Raises (from the constructor or `read`):
        BackupSealError: `source` is not a backup archive.
        WrongKey: it was sealed with another key.
        Tampered: a chunk does not authenticate, or the archive ends before its last chunk.
    """

    def __init__(self, source: BinaryIO, key: bytes) -> None:
        self._source = source
        header = source.read(_HEADER)
        if len(header) < _HEADER or not header.startswith(MAGIC):
            raise BackupSealError("this file is not a Paperclip backup archive")
        if not hmac.compare_digest(header[len(MAGIC) : len(MAGIC) + _FINGERPRINT], fingerprint(key)):
            raise WrongKey(
                "this archive was encrypted with another backup key: give the key it was made with (--key-file)"
            )
        self._header = header
        self._prefix = header[len(MAGIC) + _FINGERPRINT :]
        self._aead = AESGCM(key)
        self._index = 0
        self._buffer = bytearray()
        self._done = False

    def _next_chunk(self) -> None:
        size_bytes = self._source.read(4)
        if len(size_bytes) < 4:
            raise Tampered("this archive is cut short or altered: it does not authenticate with its key")
        (size,) = struct.unpack(">I", size_bytes)
        if size < _TAG or size > CHUNK + _TAG:
            raise Tampered("this archive is altered: a chunk has an impossible length")
        sealed = self._source.read(size)
        if len(sealed) < size:
            raise Tampered("this archive is cut short or altered: it does not authenticate with its key")
        nonce = _nonce(self._prefix, self._index)
        for last in (False, True):  # the flag is not stored: the chunk authenticates under one of the two
            try:
                plain = self._aead.decrypt(nonce, sealed, _aad(self._header, self._index, last))
            except InvalidTag:
                continue
            break
        else:
            raise Tampered("this archive is altered or damaged: it does not authenticate with its key")
        self._index += 1
        self._buffer += plain
        if last:
            if self._source.read(1):
                raise Tampered("this archive is altered: it has bytes after its last chunk")
            self._done = True

    def read(self, size: int = -1) -> bytes:
        while not self._done and (size < 0 or len(self._buffer) < size):
            self._next_chunk()
        if size < 0:
            size = len(self._buffer)
        out = bytes(self._buffer[:size])
        del self._buffer[:size]
        return out

    def readable(self) -> bool:
        return True
