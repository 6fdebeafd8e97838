"""The fake provider's Gemini API (`tests/fakes/gemini_api.py`), as the wire has it: the key,
errors, a call, a streamed answer whose last chunk carries the usage, and JSON to a schema."""

import json

import httpx
import pytest

from tests.fakes import FakeModelServer

TOOLS = [{"functionDeclarations": [{"name": "write_file", "parametersJsonSchema": {"type": "object"}}]}]
ASK = {"contents": [{"role": "user", "parts": [{"text": "Task X-1: write it"}]}], "tools": TOOLS}


def url(server: FakeModelServer, method: str) -> str:
    return f"{server.base_url}/v1beta/models/gemini-2.5-flash:{method}"


async def test_a_call_is_answered_with_gemini_usage_and_counted(
    server: FakeModelServer, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(server.gemini, "thoughts_tokens", 3)  # the server outlives the test
    server.call_next("write_file", json.dumps({"file_path": "a.txt", "content": "x"}))
    async with httpx.AsyncClient() as client:
        answer = (
            await client.post(url(server, "generateContent"), json=ASK, headers={"x-goog-api-key": "test-key"})
        ).json()
    (candidate,) = answer["candidates"]
    assert candidate["content"]["parts"] == [
        {"functionCall": {"name": "write_file", "args": {"file_path": "a.txt", "content": "x"}}}
    ]
    usage = answer["usageMetadata"]
    (counted,) = server.usages
    assert usage["promptTokenCount"] == counted.input_tokens and usage["thoughtsTokenCount"] == 3
    assert usage["totalTokenCount"] == counted.input_tokens + counted.output_tokens
    assert usage["candidatesTokenCount"] + 3 == counted.output_tokens  # thinking is billed as output


async def test_a_streamed_answer_carries_its_whole_usage_in_its_last_chunk(server: FakeModelServer) -> None:
    async with httpx.AsyncClient() as client:
        response = await client.post(
            url(server, "streamGenerateContent") + "?alt=sse", json=ASK, params={"key": "test-key"}
        )
    chunks = [json.loads(line[6:]) for line in response.text.splitlines() if line.startswith("data: ")]
    text = "".join(p["text"] for c in chunks for p in c["candidates"][0]["content"]["parts"])
    assert text == "[fake] Done: write it."  # the task line, without its `Task X-1:` header
    assert chunks[-1]["candidates"][0]["finishReason"] == "STOP"
    assert chunks[-1]["usageMetadata"]["candidatesTokenCount"] == server.usages[-1].output_tokens
    assert all("candidatesTokenCount" not in c["usageMetadata"] for c in chunks[:-1])


async def test_json_is_answered_to_its_schema_and_errors_as_gemini_says_them(server: FakeModelServer) -> None:
    schema = {"type": "OBJECT", "properties": {"score": {"type": "INTEGER"}, "next": {"enum": ["model", "user"]}}}
    body = ASK | {"generationConfig": {"responseMimeType": "application/json", "responseJsonSchema": schema}}
    async with httpx.AsyncClient() as client:
        answer = (
            await client.post(url(server, "generateContent"), json=body, headers={"x-goog-api-key": "test-key"})
        ).json()
        assert json.loads(answer["candidates"][0]["content"]["parts"][0]["text"]) == {"score": 1, "next": "user"}
        wrong = await client.post(url(server, "generateContent"), json=ASK, headers={"x-goog-api-key": "nope"})
        server.fail_next(1, status=429)
        limited = await client.post(url(server, "generateContent"), json=ASK, headers={"x-goog-api-key": "test-key"})
    assert wrong.status_code == 400 and wrong.json()["error"]["status"] == "INVALID_ARGUMENT"
    assert limited.status_code == 429 and limited.json()["error"]["status"] == "RESOURCE_EXHAUSTED"
