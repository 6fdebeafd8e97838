"""How much conversation a model call may carry: each model's context window, the prompt's
measured size, and trimming that keeps meaning when the whole conversation would not fit.

Every model turn sends the conversation so far. Before the call, `fit` measures the prompt
(system prompt, tools and messages: four characters a token, times a calibration ratio learnt
from the provider's own counts, plus a safety margin) against the model's window less its
`max_tokens`. Past the budget (`BUDGET_SHARE` of the window, less
`max_tokens`) it trims, in this order, until the prompt fits:

1. old tool outputs (outside the last `KEEP_TURNS` turns, oldest first) become a stub naming the
   call, the tool, the output's size and its stored reference when it has one, so the model can
   read it again (`GET /api/companies/{company}/tool-outputs/{ref}`) or call the tool again;
2. the oldest middle messages are left out, an assistant message with tool calls together with
   their results (the providers refuse a result without its call), and one marker message says
   how many were.

The system prompt, the task's first user message (its brief and goals) and the last
`KEEP_TURNS` turns always stay; when even they pass the window the turn fails (`ContextTooLong`).
Trimming changes only what is sent: the store, traces and search keep every message. It is pure
and deterministic, so the same conversation makes the same request (and the same input hash).
"""

import json
import math
from collections.abc import Sequence
from dataclasses import dataclass

from paperclip.errors import InvalidInput
from paperclip.models import Message, ModelConfig, Provider, ToolSpec

# Published context windows (input + output tokens), checked November 2026 against the
# providers' model pages. Families match as in `paperclip.pricing` (longest prefix at a separator).
_OPENAI: dict[str, int] = {
    "gpt-4o": 128_000,
    "gpt-4o-mini": 128_000,
    "gpt-4.1": 1_047_576,
    "gpt-4.1-mini": 1_047_576,
    "gpt-4.1-nano": 1_047_576,
    "o1": 200_000,
    "o3": 200_000,
    "o3-mini": 200_000,
    "o3-pro": 200_000,
    "o4-mini": 200_000,
    "gpt-5": 400_000,
    "gpt-5-mini": 400_000,
    "gpt-5-nano": 400_000,
    "gpt-5-pro": 400_000,
    "gpt-5.2": 400_000,
    "gpt-5.4": 400_000,  # 1.05 M is offered, at a higher price past 272 k input: kept at 400 k
    "gpt-5.4-mini": 400_000,
}

_ANTHROPIC: dict[str, int] = {
    # Every current Claude model has 200 k; the 1 M windows some offer need a beta header we do not send.
    "claude-opus-4": 200_000,
    "claude-sonnet-4": 200_000,
    "claude-3-7-sonnet": 200_000,
    "claude-haiku-4-5": 200_000,
    "claude-3-5-haiku": 200_000,
    "claude-3-haiku": 200_000,
}

_TABLES: dict[str, dict[str, int]] = {Provider.OPENAI: _OPENAI, Provider.ANTHROPIC: _ANTHROPIC}

DEFAULT_WINDOWS: dict[str, int] = {
    Provider.OPENAI: 128_000,
    Provider.ANTHROPIC: 200_000,
    Provider.SIMULATED: 1_000_000,
}
"""The window of a model the table does not know: the smallest its kind of endpoint commonly has
(an OpenAI-compatible server's model is taken to have 128 k, a simulated one 1 M; set `ModelConfig.context_window`
for a smaller one, such as a local model served with 8 k)."""

KEEP_TURNS = 6
"""The last turns (an assistant message and what follows it) that are always sent whole."""
BUDGET_SHARE = 0.85
"""Trimming starts when the prompt passes this share of the window, less `max_tokens`."""
MARGIN = 0.15
"""Added to an uncalibrated estimate: real tokenizers count code and JSON denser than four
characters a token."""
CALIBRATED_MARGIN = 0.05
"""Added to an estimate calibrated by the provider's counts (prompts vary around their ratio)."""
MESSAGE_OVERHEAD = 4
"""Tokens each message costs beyond its text (role, framing); each tool call costs as much again."""
_SEPARATORS = "-.:@"
CONTEXT_TOO_LONG = "ContextTooLong"
"""The error type of a turn whose kept conversation does not fit (non-retryable)."""


class ContextTooLong(InvalidInput):
    """What must be kept of a conversation does not fit the model's window."""

    def __init__(self, kept_tokens: int, max_tokens: int, window: int, model: str) -> None:
        self.kept_tokens, self.max_tokens, self.window = kept_tokens, max_tokens, window
        super().__init__(
            f"the prompt is too long for {model}: what must be kept (system prompt, task brief, last "
            f"{KEEP_TURNS} turns) is about {kept_tokens} tokens, plus max_tokens {max_tokens}, over its "
            f"context window of {window} tokens; give the agent a model with a larger window "
            "(ModelConfig.context_window) or ask for shorter tool outputs"
        )


@dataclass(frozen=True)
class Fitted:
    """The messages a call sends, and what trimming did to get there."""

    messages: list[Message]
    tokens: int
    """The prompt's estimated tokens as sent."""
    full_tokens: int
    """The whole conversation's estimated tokens."""
    stubbed: int = 0
    """Tool outputs replaced by a stub."""
    dropped: int = 0
    """Messages left out (a marker message says so)."""


def estimate_tokens(text: str) -> int:
    """About four characters a token: good enough for a deterministic, labelled estimate."""
    return max(1, (len(text) + 3) // 4)


def conversation_text(system_prompt: str, tools: list[ToolSpec], messages: list[Message]) -> str:
    """The text a prompt carries: the system prompt, the tools' JSON, each message and call's arguments."""
    parts = [system_prompt, json.dumps([t.model_dump() for t in tools], sort_keys=True)]
    for m in messages:
        parts.append(m.content)
        parts += [json.dumps(c.arguments, sort_keys=True) for c in m.tool_calls]
    return "\n".join(parts)


def _family(keys: Sequence[str], model: str) -> str | None:
    name = model.lower().rsplit("/", 1)[-1]
    best: str | None = None
    for key in keys:
        if name == key or (name.startswith(key) and name[len(key)] in _SEPARATORS):
            if best is None or len(key) > len(best):
                best = key
    return best


def context_window(config: ModelConfig) -> int:
    """The tokens `config`'s calls may carry (prompt and reply): its own `context_window`, else the
    table's for its model (dated names match their family), else its provider's default."""
    if config.context_window is not None:
        return config.context_window
    table = _TABLES.get(config.provider, {})
    key = _family(list(table), config.model)
    return table[key] if key is not None else DEFAULT_WINDOWS.get(config.provider, 128_000)


def prompt_limits(config: ModelConfig) -> tuple[int, int]:
    """The most tokens a prompt to `config` may have (its window less `max_tokens`), and the
    size trimming brings a longer one down to (`BUDGET_SHARE` of the window, less `max_tokens`)."""
    window = context_window(config)
    limit = window - config.max_tokens
    return limit, min(limit, max(limit // 2, int(window * BUDGET_SHARE) - config.max_tokens))


def _message_chars(m: Message) -> int:
    """What `m` adds to `conversation_text` (its line and its calls' lines)."""
    return 1 + len(m.content) + sum(1 + len(json.dumps(c.arguments, sort_keys=True)) for c in m.tool_calls)


def _overhead(m: Message) -> int:
    return MESSAGE_OVERHEAD * (1 + len(m.tool_calls))


def _tokens(chars: int, overhead: int, ratio: float | None = None) -> int:
    scale = 1 + MARGIN if ratio is None else ratio * (1 + CALIBRATED_MARGIN)
    return math.ceil((chars + 3) // 4 * scale) + overhead


def prompt_tokens(
    system_prompt: str, tools: list[ToolSpec], messages: Sequence[Message], *, ratio: float | None = None
) -> int:
    """A prompt's estimated tokens, with the safety margin and per-message overhead; `ratio` is
    the calibration (the tokens a provider counted for a prompt over its plain estimate), None
    before the provider has counted any."""
    chars = len(conversation_text(system_prompt, tools, []))
    return _tokens(chars + sum(map(_message_chars, messages)), sum(map(_overhead, messages)), ratio)


def plain_tokens(system_prompt: str, tools: list[ToolSpec], messages: Sequence[Message]) -> int:
    """A prompt's plain estimate (four characters a token, no margin): what a calibration ratio multiplies."""
    chars = len(conversation_text(system_prompt, tools, [])) + sum(map(_message_chars, messages))
    return (chars + 3) // 4 + sum(map(_overhead, messages))


_STORED = " the rest is stored as "


def stub(m: Message) -> str:
    """What an old tool output is replaced by: which call it answered, its size, and how to get it back."""
    tool = m.author or "the tool"
    call = m.tool_call_id or "?"
    text = m.content
    at = text.rfind(_STORED)
    if at >= 0 and text.endswith("]"):
        ref = text[at + len(_STORED) : -1]
        return (
            f"[output of {tool} (call {call}, {len(text)} characters) left out to fit the context window; "
            f"it is stored whole as {ref}: call the tool again if you need it]"
        )
    return (
        f"[output of {tool} (call {call}, {len(text)} characters) left out to fit the context window; "
        "call the tool again (or read_file) if you need it]"
    )


def marker(dropped: int) -> Message:
    """The message standing for the `dropped` messages left out."""
    return Message(
        role="user",
        content=f"[{dropped} earlier messages of this conversation are left out to fit the context window]",
        author="paperclip",
    )


def _units(messages: Sequence[Message], start: int, end: int) -> list[tuple[int, int]]:
    """`messages[start:end]` cut into units that go together: an assistant message with its
    calls' results, or one message."""
    units: list[tuple[int, int]] = []
    i = start
    while i < end:
        j = i + 1
        if messages[i].role == "assistant" and messages[i].tool_calls:
            while j < end and messages[j].role == "tool":
                j += 1
        units.append((i, j))
        i = j
    return units


def fit(
    config: ModelConfig,
    system_prompt: str,
    tools: list[ToolSpec],
    messages: Sequence[Message],
    *,
    keep_turns: int = KEEP_TURNS,
    ratio: float | None = None,
) -> Fitted:
    """The messages to send so the prompt fits `config`'s window (see the module docstring);
    `ratio` calibrates the estimate (`activities.prompt_fit`: the provider's own counts).

    Raises:
        ContextTooLong: the system prompt, the first user message and the last `keep_turns`
            turns, with `max_tokens`, pass the window.
    """
    window = context_window(config)
    limit, budget = prompt_limits(config)
    base = len(conversation_text(system_prompt, tools, []))
    chars = [_message_chars(m) for m in messages]
    over = [_overhead(m) for m in messages]
    total_chars, total_over = base + sum(chars), sum(over)
    full = _tokens(total_chars, total_over, ratio)
    if full <= budget:
        return Fitted(list(messages), full, full)
    # What always stays: system messages, the first user message (the brief) and the last turns.
    first_user = next((i for i, m in enumerate(messages) if m.role == "user"), -1)
    assistants = [i for i, m in enumerate(messages) if m.role == "assistant"]
    tail = assistants[-keep_turns] if len(assistants) >= keep_turns else (assistants[0] if assistants else 0)
    tail = max(tail, first_user + 1)
    out = list(messages)
    stubbed = 0
    for i in range(first_user + 1, tail):
        if _tokens(total_chars, total_over, ratio) <= budget:
            break
        m = out[i]
        if m.role != "tool":
            continue
        text = stub(m)
        if len(text) >= len(m.content):
            continue
        out[i] = m.model_copy(update={"content": text})
        total_chars += len(text) - len(m.content)
        chars[i] = _message_chars(out[i])
        stubbed += 1
    dropped = 0
    if _tokens(total_chars, total_over, ratio) > budget:
        mark = marker(0)
        mark_chars, mark_over = _message_chars(mark) + 4, _overhead(mark)  # room for the count's digits
        left_out: set[int] = set()
        for start, end in _units(out, first_user + 1, tail):
            if _tokens(total_chars + mark_chars, total_over + mark_over, ratio) <= budget:
                break
            if out[start].role == "system":
                continue  # kept where it is: it is part of the instructions
            total_chars -= sum(chars[start:end])
            total_over -= sum(over[start:end])
            left_out.update(range(start, end))
        if left_out:
            dropped = len(left_out)
            rest = [m for i, m in enumerate(out) if i > first_user and i not in left_out]
            out = [*out[: first_user + 1], marker(dropped), *rest]
    tokens = prompt_tokens(system_prompt, tools, out, ratio=ratio)
    if tokens > limit:
        raise ContextTooLong(tokens, config.max_tokens, window, config.model)
    return Fitted(out, tokens, full, stubbed, dropped)
