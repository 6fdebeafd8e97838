"""The codec endpoint for the Temporal Web UI (`--ui-codec-endpoint <api>/api/codec`): it opens
the payloads `PAPERCLIP_PAYLOAD_KEY` sealed, so an authorised user reads histories in the UI
while Temporal itself stores only ciphertext. The body is Temporal's codec-server format:
`{"payloads": [{"metadata": {"encoding": "<base64>"}, "data": "<base64>"}]}`."""

import base64
from functools import lru_cache
from typing import Annotated

from fastapi import APIRouter
from google.protobuf.json_format import MessageToDict, ParseDict, ParseError
from pydantic import AfterValidator, BaseModel, Field
from temporalio.api.common.v1 import Payloads

from api.deps import SettingsDep
from api.errors import ApiError
from paperclip.codec import EncryptionCodec, PayloadKeyError, parse_keys

router = APIRouter(prefix="/codec", tags=["codec"])


def _base64(text: str) -> str:
    try:
        base64.b64decode(text, validate=True)
    except ValueError:
        raise ValueError("not base64") from None
    return text


Base64 = Annotated[
    str, AfterValidator(_base64), Field(json_schema_extra={"format": "byte", "contentEncoding": "base64"})
]
"""Bytes as protobuf JSON writes them: standard base64 (RFC 4648), checked before Temporal's parser."""


class CodecPayload(BaseModel):
    metadata: dict[str, Base64] = Field(default_factory=dict)
    data: Base64 = ""


class CodecPayloads(BaseModel):
    payloads: list[CodecPayload] = Field(default_factory=list, max_length=10_000)


@lru_cache(maxsize=4)
def _codec(payload_key: str) -> EncryptionCodec:
    return EncryptionCodec(parse_keys(payload_key))


def codec(settings: SettingsDep) -> EncryptionCodec:
    if not settings.payload_key:
        raise ApiError(404, "not_found", "payload encryption is off (PAPERCLIP_PAYLOAD_KEY is not set)")
    return _codec(settings.payload_key)


def _parse(body: CodecPayloads) -> Payloads:
    try:
        return ParseDict(body.model_dump(), Payloads())
    except ParseError as err:
        raise ApiError(400, "invalid_input", f"not Temporal payloads: {err}") from None


def _answer(payloads: list) -> CodecPayloads:
    return CodecPayloads.model_validate(MessageToDict(Payloads(payloads=payloads)) or {"payloads": []})


@router.post("/encode", response_model=CodecPayloads)
async def encode(body: CodecPayloads, settings: SettingsDep) -> CodecPayloads:
    """Seal payloads with the current payload key."""
    return _answer(await codec(settings).encode(_parse(body).payloads))


@router.post("/decode", response_model=CodecPayloads)
async def decode(body: CodecPayloads, settings: SettingsDep) -> CodecPayloads:
    """Open sealed payloads (others come back as they are); 400 for a key this deployment lacks."""
    try:
        return _answer(await codec(settings).decode(_parse(body).payloads))
    except PayloadKeyError as err:
        raise ApiError(400, "invalid_input", str(err)) from None
