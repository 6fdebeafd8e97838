"""A prompt is measured before it is sent: near the window, Anthropic's `count_tokens` counts it
(over the real SDK and HTTP, against the fake's tokenizer), one counted over the limit is trimmed
again at the counted ratio; the usage of replies calibrates later estimates; a provider without
counting keeps the estimate."""

import pytest

from activities.prompt_fit import COUNT_FROM, OBSERVED_FROM, Calibration, measured_fit, plain
from activities.providers import AnthropicMessages, OpenAIChat
from paperclip import context
from paperclip.models import Message, ModelConfig, Provider, Standing, ToolCall
from tests.fakes import FakeModelServer

WINDOW, MAX_TOKENS = 8192, 512


def conversation(turns: int, chars: int) -> list[Message]:
    """A brief, then `turns` reads each answered with `chars` characters."""
    out = [Message(role="user", content="Read every file.")]
    for n in range(turns):
        call = ToolCall(id=f"toolu_{n}", name="read_file", arguments={"path": f"f{n}.py"})
        out.append(Message(role="assistant", content="", tool_calls=[call]))
        out.append(Message(role="tool", content=f"# f{n}\n" + "x = 1\n" * (chars // 6), tool_call_id=call.id))
    return out


def model(server: FakeModelServer, provider: Provider) -> ModelConfig:
    base_url = server.base_url_anthropic if provider is Provider.ANTHROPIC else server.base_url_openai
    name = "claude-haiku-4-5" if provider is Provider.ANTHROPIC else "gpt-4o-mini"
    return ModelConfig(provider=provider, model=name, base_url=base_url, max_tokens=MAX_TOKENS, context_window=WINDOW)


async def test_a_prompt_counted_over_the_limit_is_trimmed_again_and_counted_under(server: FakeModelServer) -> None:
    server.chars_per_token = 2.5  # 60 % more tokens than four characters a token
    cfg = model(server, Provider.ANTHROPIC)
    standing = Standing(system_prompt="You are an engineer.", tools=[])
    messages = conversation(turns=11, chars=1_800)
    limit, budget = context.prompt_limits(cfg)
    estimated = context.prompt_tokens(standing.system_prompt, [], messages)
    assert COUNT_FROM * limit <= estimated < budget  # the estimate alone would send it whole
    provider = AnthropicMessages(api_key=server.anthropic_key, base_url=cfg.base_url)
    calibration = Calibration()
    try:
        request = await measured_fit(provider, cfg, standing, messages, calibration)
    finally:
        await provider.aclose()

    first, last = server.counted[0], server.counted[-1]
    assert first > limit >= last  # counted over, trimmed, counted under
    stubs = [m for m in request.messages if m.role == "tool" and m.content.startswith("[output of")]
    assert stubs and request.messages[0].content == "Read every file."
    assert request.messages[-1] == messages[-1]
    assert calibration.ratio(cfg) == pytest.approx(1.6, rel=0.05)  # learnt from the counts


async def test_without_counting_the_estimate_stands_and_replies_calibrate_it(server: FakeModelServer) -> None:
    cfg = model(server, Provider.OPENAI)
    standing = Standing(system_prompt="You are an engineer.", tools=[])
    messages = conversation(turns=11, chars=1_800)
    provider = OpenAIChat(api_key=server.openai_key, base_url=cfg.base_url)
    calibration = Calibration()
    try:
        request = await measured_fit(provider, cfg, standing, messages, calibration)
    finally:
        await provider.aclose()
    assert request.messages == messages and server.counted == []
    assert calibration.ratio(cfg) is None
    # What a reply's usage teaches: the ratio of the provider's count to the plain estimate.
    calibration.observe(cfg, counted=int(plain(request) * 1.3), plain=plain(request))
    assert calibration.ratio(cfg) == pytest.approx(1.3, rel=0.01)
    calibration.observe(cfg, counted=100, plain=OBSERVED_FROM - 1)  # too small a prompt to teach
    assert calibration.ratio(cfg) == pytest.approx(1.3, rel=0.01)
    other = cfg.model_copy(update={"model": "gpt-4.1-mini"})
    assert calibration.ratio(other) is None  # per model
