"""The fake provider server itself: non-streaming shapes, model list, latency, hangs."""

import asyncio
import time

import anthropic
import openai

from tests.fakes import FakeModelServer

TOOLS_OPENAI = [
    {
        "type": "function",
        "function": {
            "name": "complete_task",
            "description": "finish",
            "parameters": {"type": "object", "properties": {}},
        },
    }
]


async def test_openai_lists_models_and_answers_without_streaming(server: FakeModelServer) -> None:
    client = openai.AsyncOpenAI(api_key="test-key", base_url=server.base_url_openai, max_retries=0)
    models = await client.models.list()
    assert "gpt-4o-mini" in [m.id for m in models.data]
    reply = await client.chat.completions.create(
        model="gpt-4o-mini", messages=[{"role": "user", "content": "Task X-1: do it"}], tools=TOOLS_OPENAI
    )
    assert reply.choices[0].finish_reason == "tool_calls"
    assert reply.choices[0].message.tool_calls[0].function.name == "complete_task"
    assert reply.usage.prompt_tokens == server.usages[-1].input_tokens
    await client.close()


async def test_anthropic_answers_without_streaming(server: FakeModelServer) -> None:
    client = anthropic.AsyncAnthropic(api_key="test-key", base_url=server.base_url_anthropic, max_retries=0)
    reply = await client.messages.create(
        model="claude-haiku-4-5", max_tokens=100, messages=[{"role": "user", "content": "Task X-1: do it"}]
    )
    assert reply.stop_reason == "end_turn" and reply.content[0].text == "[fake] Done: do it."
    assert reply.usage.output_tokens == server.usages[-1].output_tokens
    await client.close()


async def test_latency_delays_the_answer_and_a_released_hang_answers(server: FakeModelServer) -> None:
    client = openai.AsyncOpenAI(api_key="test-key", base_url=server.base_url_openai, max_retries=0)
    ask = lambda: client.chat.completions.create(  # noqa: E731
        model="m", messages=[{"role": "user", "content": "hi"}]
    )
    server.latency = 0.3
    start = time.monotonic()
    await ask()
    assert time.monotonic() - start >= 0.3
    server.latency = 0.0
    server.hang_next(1)
    pending = asyncio.create_task(ask())
    await asyncio.sleep(0.2)
    assert not pending.done()
    server.release_hangs()
    assert (await pending).choices[0].message.content.startswith("[fake]")
    await client.close()


async def test_past_its_context_window_each_api_answers_its_own_400(server: FakeModelServer) -> None:
    server.context_window = 1024
    long = "Task X-1: " + "read this " * 500  # 1254 tokens as the fake counts
    oai = openai.AsyncOpenAI(api_key="test-key", base_url=server.base_url_openai, max_retries=0)
    try:
        await oai.chat.completions.create(
            model="m", max_completion_tokens=100, messages=[{"role": "user", "content": long}]
        )
        raise AssertionError("not refused")
    except openai.BadRequestError as err:
        assert err.status_code == 400 and err.code == "context_length_exceeded" and err.param == "messages"
        assert err.body is not None and err.body["type"] == "invalid_request_error"  # type: ignore[index]
        assert "This model's maximum context length is 1024 tokens. However, you requested 1354 tokens" in err.message
        assert "(1254 in the messages, 100 in the completion)" in err.message
    ant = anthropic.AsyncAnthropic(api_key="test-key", base_url=server.base_url_anthropic, max_retries=0)
    ask = lambda text, max_tokens: ant.messages.create(  # noqa: E731
        model="claude-haiku-4-5", max_tokens=max_tokens, messages=[{"role": "user", "content": text}]
    )
    try:
        await ask(long, 100)
        raise AssertionError("not refused")
    except anthropic.BadRequestError as err:
        assert err.body == {
            "type": "error",
            "error": {"type": "invalid_request_error", "message": "prompt is too long: 1254 tokens > 1024 maximum"},
            "request_id": "req_fake",
        }
    try:
        await ask("Task X-1: " + "read this " * 80, 900)  # the prompt fits, not with the reply
        raise AssertionError("not refused")
    except anthropic.BadRequestError as err:
        assert "input length and `max_tokens` exceed context limit: " in err.message and "+ 900 > 1024" in err.message
    assert server.too_long == 3
    server.context_window = None
    assert (await ask(long, 100)).stop_reason == "end_turn"
    await oai.close()
    await ant.close()
