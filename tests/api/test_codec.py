"""The codec endpoint when payloads are not encrypted (the sealed case: tests/test_payload_codec.py)."""

import httpx

from tests.api.conftest import assert_error


async def test_the_codec_endpoint_says_when_encryption_is_off(api: httpx.AsyncClient) -> None:
    response = await api.post("/api/codec/decode", json={"payloads": []})
    assert "PAPERCLIP_PAYLOAD_KEY" in assert_error(response, 404, "not_found")["message"]
