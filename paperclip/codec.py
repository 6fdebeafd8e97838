"""Payload encryption: every payload Temporal stores (workflow inputs, activity results, the
conversations) is sealed with AES-256-GCM when `PAPERCLIP_PAYLOAD_KEY` is set, so the server,
its database and its Web UI see ciphertext. The API's codec endpoint (`/api/codec`) opens them
for the Web UI of an authorised user.

`PAPERCLIP_PAYLOAD_KEY` holds one or more base64 keys of 32 bytes, comma-separated: the first
seals, every one opens (a key is retired by moving a new one in front, then dropping it once no
history needs it). A payload names its key by id, the start of the key's SHA-256.
"""

import base64
import dataclasses
import hashlib
import os
from collections.abc import Sequence

from cryptography.exceptions import InvalidTag
from cryptography.hazmat.primitives.ciphers.aead import AESGCM
from temporalio.api.common.v1 import Payload
from temporalio.converter import DataConverter, PayloadCodec

from paperclip.errors import InvalidInput

ENCODING = b"binary/encrypted"
KEY_ID = "encryption-key-id"
NONCE_BYTES = 12


class PayloadKeyError(InvalidInput):
    """`PAPERCLIP_PAYLOAD_KEY` is malformed, or a payload's key is not among the keys."""


def parse_keys(text: str) -> list[bytes]:
    """The keys of a `PAPERCLIP_PAYLOAD_KEY` value.

    Raises:
        PayloadKeyError: a key is not base64 of 32 bytes, or there is none.
    """
    keys = []
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        try:
            key = base64.b64decode(part, validate=True)
        except ValueError:
            raise PayloadKeyError("PAPERCLIP_PAYLOAD_KEY: a key is not base64") from None
        if len(key) != 32:
            raise PayloadKeyError(f"PAPERCLIP_PAYLOAD_KEY: a key is {len(key)} bytes, not 32")
        keys.append(key)
    if not keys:
        raise PayloadKeyError("PAPERCLIP_PAYLOAD_KEY is empty")
    return keys


def key_id(key: bytes) -> str:
    return hashlib.sha256(key).hexdigest()[:16]


class EncryptionCodec(PayloadCodec):
    """Seals payloads with the first key; opens those of any key it has, and passes through the
    ones that were never sealed (a history from before encryption was turned on)."""

    def __init__(self, keys: Sequence[bytes]) -> None:
        if not keys:
            raise PayloadKeyError("no payload key")
        self._seal_id = key_id(keys[0])
        self._ciphers = {key_id(k): AESGCM(k) for k in keys}

    async def encode(self, payloads: Sequence[Payload]) -> list[Payload]:
        cipher = self._ciphers[self._seal_id]
        sealed = []
        for payload in payloads:
            nonce = os.urandom(NONCE_BYTES)
            data = nonce + cipher.encrypt(nonce, payload.SerializeToString(), None)
            sealed.append(Payload(metadata={"encoding": ENCODING, KEY_ID: self._seal_id.encode()}, data=data))
        return sealed

    async def decode(self, payloads: Sequence[Payload]) -> list[Payload]:
        opened = []
        for payload in payloads:
            if payload.metadata.get("encoding") != ENCODING:
                opened.append(payload)
                continue
            wanted = payload.metadata.get(KEY_ID, b"").decode()
            cipher = self._ciphers.get(wanted)
            if cipher is None:
                raise PayloadKeyError(f"payload sealed with key {wanted or '?'}, which is not in PAPERCLIP_PAYLOAD_KEY")
            try:
                plain = cipher.decrypt(payload.data[:NONCE_BYTES], payload.data[NONCE_BYTES:], None)
            except InvalidTag:
                raise PayloadKeyError(f"payload sealed with key {wanted} does not open (changed?)") from None
            opened.append(Payload.FromString(plain))
        return opened


def with_codec(converter: DataConverter, payload_key: str | None) -> DataConverter:
    """`converter`, sealing payloads when a payload key is set."""
    if not payload_key:
        return converter
    return dataclasses.replace(converter, payload_codec=EncryptionCodec(parse_keys(payload_key)))
