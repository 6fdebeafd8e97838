"""Context windows and trimming (`paperclip.context`): pure, so tested on their own; the
end-to-end tests (tests/test_context_end_to_end.py) run them against the fake provider."""

import pytest
from pydantic import ValidationError

from activities.model_turn import input_hash
from activities.providers import ProviderRequest
from paperclip.context import (
    DEFAULT_WINDOWS,
    ContextTooLong,
    context_window,
    conversation_text,
    estimate_tokens,
    fit,
    prompt_tokens,
)
from paperclip.models import Message, ModelConfig, Provider, ToolCall, ToolRunResult, ToolSpec
from paperclip.prompts import tool_output

SYSTEM = "You are dev, an engineer. Use your tools."
TOOLS = [ToolSpec(name="read_file", description="Read a file.", parameters={"type": "object"})]
BRIEF = "Task ACME-1: read every file\n\nGoal: know the code."


def small(window: int = 8192, max_tokens: int = 512) -> ModelConfig:
    return ModelConfig(provider=Provider.OPENAI, model="local", context_window=window, max_tokens=max_tokens)


def conversation(turns: int, output_chars: int = 3000, *, ref_every: int = 0) -> list[Message]:
    """The brief, then `turns` turns of one `read_file` call and its output (every `ref_every`-th
    output cut and stored by reference, as `tool_output` writes it)."""
    messages = [Message(role="user", content=BRIEF, author="ACME-1")]
    for t in range(1, turns + 1):
        call = ToolCall(id=f"call_{t}-0", name="read_file", arguments={"path": f"src/f{t}.py"})
        messages.append(Message(role="assistant", content=f"Reading f{t}.", tool_calls=[call], author="dev"))
        body = f"# f{t}\n" + "x = 1\n" * (output_chars // 6)
        if ref_every and t % ref_every == 0:
            result = ToolRunResult(content=body, ref=f"to-{t:032d}", size=len(body) * 10)
        else:
            result = ToolRunResult(content=body, size=len(body))
        messages.append(Message(role="tool", tool_call_id=call.id, content=tool_output(result), author="read_file"))
    return messages


def pairs_consistent(messages: list[Message]) -> bool:
    """Every tool result follows the assistant message that made its call (as OpenAI checks)."""
    open_calls: set[str] = set()
    for m in messages:
        if m.role == "assistant":
            open_calls = {c.id for c in m.tool_calls}
        elif m.role == "tool":
            if m.tool_call_id not in open_calls:
                return False
        else:
            open_calls = set()
    return True


def test_windows_come_from_the_table_by_family_else_the_providers_default_else_the_agents_own() -> None:
    assert context_window(ModelConfig(provider=Provider.OPENAI, model="gpt-4o-mini-2024-07-18")) == 128_000
    assert context_window(ModelConfig(provider=Provider.OPENAI, model="openai/gpt-4.1")) == 1_047_576
    assert context_window(ModelConfig(provider=Provider.OPENAI, model="gpt-5-mini")) == 400_000
    assert context_window(ModelConfig(provider=Provider.ANTHROPIC, model="claude-sonnet-4-5-20250929")) == 200_000
    assert context_window(ModelConfig(provider=Provider.OPENAI, model="llama3.1:8b")) == 128_000
    assert context_window(ModelConfig(provider=Provider.ANTHROPIC, model="claude-next")) == 200_000
    assert context_window(ModelConfig()) == DEFAULT_WINDOWS[Provider.SIMULATED]
    assert context_window(small(8192)) == 8192


def test_an_agents_window_is_validated() -> None:
    with pytest.raises(ValidationError, match="greater than or equal to 1024"):
        ModelConfig(context_window=512)
    with pytest.raises(ValidationError, match="max_tokens .4096. must be less than context_window .4096."):
        ModelConfig(context_window=4096, max_tokens=4096)


def test_the_estimate_is_the_plain_one_with_a_margin_and_per_message_overhead() -> None:
    messages = conversation(3)
    plain = estimate_tokens(conversation_text(SYSTEM, TOOLS, messages))
    measured = prompt_tokens(SYSTEM, TOOLS, messages)
    assert plain * 1.15 <= measured <= plain * 1.15 + 4 * 2 * len(messages) + 2


def test_a_conversation_that_fits_is_sent_whole() -> None:
    messages = conversation(3)
    fitted = fit(small(), SYSTEM, TOOLS, messages)
    assert fitted.messages == messages and fitted.stubbed == fitted.dropped == 0
    assert fitted.tokens == fitted.full_tokens == prompt_tokens(SYSTEM, TOOLS, messages)


def test_old_tool_outputs_become_stubs_naming_their_reference_and_the_rest_stays() -> None:
    messages = conversation(14, ref_every=3)
    cfg = small()
    assert prompt_tokens(SYSTEM, TOOLS, messages) > 8192  # it would not fit whole
    fitted = fit(cfg, SYSTEM, TOOLS, messages)
    assert fitted.dropped == 0 and fitted.stubbed > 0
    assert fitted.tokens == prompt_tokens(SYSTEM, TOOLS, fitted.messages) <= int(8192 * 0.85) - 512
    assert len(fitted.messages) == len(messages)
    # The brief and the last six turns are untouched; only tool outputs before them changed.
    assert fitted.messages[0] == messages[0]
    assert fitted.messages[-12:] == messages[-12:]
    changed = [i for i, (a, b) in enumerate(zip(messages, fitted.messages, strict=True)) if a != b]
    assert all(messages[i].role == "tool" for i in changed)
    assert changed[0] == 2 and changed == [2 * t for t in range(1, len(changed) + 1)]  # oldest first
    by_ref = fitted.messages[6]  # turn 3's output, stored by reference
    assert by_ref.content.startswith("[output of read_file (call call_3-0, ")
    assert "stored whole as to-00000000000000000000000000000003" in by_ref.content
    plain = fitted.messages[2]
    assert "call call_1-0" in plain.content and "call the tool again (or read_file)" in plain.content
    assert str(len(messages[2].content)) in plain.content
    assert pairs_consistent(fitted.messages)


def test_past_the_stubs_the_oldest_middle_turns_are_left_out_whole_with_one_marker() -> None:
    # Many short turns: stubbing their outputs does not save enough.
    messages = conversation(120, output_chars=200)
    fitted = fit(small(4096, 256), SYSTEM, TOOLS, messages)
    assert fitted.dropped > 0 and fitted.dropped % 2 == 0  # whole turns: a call and its result
    assert fitted.tokens <= int(4096 * 0.85) - 256
    assert fitted.messages[0] == messages[0]
    [marker] = [m for m in fitted.messages if m.author == "paperclip"]
    assert fitted.messages[1] is marker and marker.role == "user"
    assert f"[{fitted.dropped} earlier messages" in marker.content
    assert fitted.messages[-12:] == messages[-12:]
    assert len(fitted.messages) == len(messages) - fitted.dropped + 1
    assert fitted.messages[2].role == "assistant" and pairs_consistent(fitted.messages)


def test_a_kept_part_over_the_window_fails_naming_the_sizes() -> None:
    messages = conversation(2, output_chars=40_000)  # the last turn's output alone is ~10 k tokens
    with pytest.raises(ContextTooLong) as raised:
        fit(small(8192, 512), SYSTEM, TOOLS, messages)
    err = raised.value
    assert err.window == 8192 and err.max_tokens == 512 and err.kept_tokens > 8192 - 512
    assert f"about {err.kept_tokens} tokens, plus max_tokens 512, over its context window of 8192" in str(err)


def test_trimming_is_deterministic_so_the_request_hash_is_too() -> None:
    cfg = small()
    messages = conversation(30, ref_every=4)
    first, second = fit(cfg, SYSTEM, TOOLS, messages), fit(cfg, SYSTEM, TOOLS, list(messages))
    assert first == second

    def digest(msgs: list[Message]) -> str:
        return input_hash(ProviderRequest(model=cfg, system_prompt=SYSTEM, tools=TOOLS, messages=msgs))

    assert digest(first.messages) == digest(second.messages)


def test_system_messages_in_the_conversation_are_kept() -> None:
    messages = conversation(120, output_chars=200)
    messages.insert(3, Message(role="system", content="Standing note: be brief."))
    fitted = fit(small(4096, 256), SYSTEM, TOOLS, messages)
    assert fitted.dropped > 0 and fitted.messages[1].author == "paperclip"
    assert any(m.role == "system" and m.content == "Standing note: be brief." for m in fitted.messages)
    assert pairs_consistent(fitted.messages)
