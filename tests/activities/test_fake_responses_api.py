"""The fake server's Responses API (`tests/fakes/openai_responses.py`) as OpenAI's own SDK reads it:
the streamed events in order, a function call and its output in the next request, usage on
`response.completed` as the server counted it; a dropped stream and a failed one; a refusal."""

import json

import pytest
from openai import AsyncOpenAI, BadRequestError

from tests.fakes.model_server import FakeModelServer

TOOL = {
    "type": "function",
    "name": "exec_command",
    "description": "Run a command.",
    "parameters": {"type": "object", "properties": {"cmd": {"type": "string"}}},
}


def client(server: FakeModelServer) -> AsyncOpenAI:
    return AsyncOpenAI(base_url=server.base_url_openai, api_key=server.openai_key, max_retries=0)


async def test_a_streamed_call_and_its_output_then_the_answer(server: FakeModelServer) -> None:
    server.call_next("exec_command", json.dumps({"cmd": "ls"}))
    sdk = client(server)
    first = [e async for e in await sdk.responses.create(model="m", input="List files", tools=[TOOL], stream=True)]
    assert [e.type for e in first] == [
        "response.created",
        "response.in_progress",
        "response.output_item.added",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.delta",
        "response.function_call_arguments.done",
        "response.output_item.done",
        "response.completed",
    ]
    assert [e.sequence_number for e in first] == list(range(len(first)))
    done = first[-1].response
    (call,) = done.output
    assert (call.type, call.name, json.loads(call.arguments)) == ("function_call", "exec_command", {"cmd": "ls"})
    assert (done.usage.input_tokens, done.usage.output_tokens) == (
        server.usages[0].input_tokens,
        server.usages[0].output_tokens,
    )

    follow_up = [
        {"type": "message", "role": "user", "content": "List files"},
        {"type": "function_call", "call_id": call.call_id, "name": call.name, "arguments": call.arguments},
        {"type": "function_call_output", "call_id": call.call_id, "output": "a.txt"},
    ]
    second = await sdk.responses.create(model="m", input=follow_up, tools=[TOOL])
    assert second.output_text == "[fake] Done: List files."
    streamed = [e async for e in await sdk.responses.create(model="m", input=follow_up, tools=[TOOL], stream=True)]
    text = "".join(e.delta for e in streamed if e.type == "response.output_text.delta")
    assert text == second.output_text == streamed[-1].response.output_text
    assert len(server.usages) == 3


async def test_a_dropped_stream_ends_without_completion_and_a_failed_one_says_why(server: FakeModelServer) -> None:
    sdk = client(server)
    server.responses.drop_next(1)
    dropped = [e.type async for e in await sdk.responses.create(model="m", input="hi", stream=True)]
    assert dropped[-1] == "response.output_item.added" and server.responses.dropped == 1
    server.responses.fail_in_stream(1, code="server_error", message="The model crashed.")
    failed = [e async for e in await sdk.responses.create(model="m", input="hi", stream=True)]
    assert failed[-1].type == "response.failed" and failed[-1].response.error.message == "The model crashed."
    assert server.usages == []  # neither was billed


async def test_an_output_without_its_call_is_refused(server: FakeModelServer) -> None:
    with pytest.raises(BadRequestError, match="No tool call found for function call output with call_id c9"):
        await client(server).responses.create(
            model="m", input=[{"type": "function_call_output", "call_id": "c9", "output": "x"}]
        )
