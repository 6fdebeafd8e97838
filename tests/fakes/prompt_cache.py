"""The fake provider's prompt cache: which tokens of a request each provider would report as read
from its cache or written to it, in their own terms.

Anthropic caches only where asked: each `cache_control` breakpoint names a prefix (tools, then the
system prompt, then messages); the longest one already cached is read, and the longest one of at
least `MINIMUM` tokens not yet cached is written, past what was read. OpenAI caches by itself: the
longest prefix (tools and the first k messages) an earlier request sent is read once it is
`MINIMUM` tokens, counted in steps of 128 as OpenAI reports them; nothing is billed as a write.
"""

import hashlib
import json
import threading
from collections.abc import Callable
from typing import Any

MINIMUM = 1024
"""The fewest tokens a cached prompt prefix has (both providers' minimum for most models)."""

Count = Callable[[dict[str, Any]], int | None]
"""Tokens of a request body cut to a prefix, counted as a whole request is; None when the cut
leaves a body that does not parse (a tool result without its call)."""


def _bare(block: Any) -> Any:
    """An Anthropic block or tool without its `cache_control` (a breakpoint is not content)."""
    return {k: v for k, v in block.items() if k != "cache_control"} if isinstance(block, dict) else block


def _marked(block: Any) -> bool:
    return isinstance(block, dict) and "cache_control" in block


class PromptCache:
    """Prefixes cached so far (a key of their model and content → their tokens), shared by all
    requests of one server, as a provider's cache is by all requests of one organisation."""

    def __init__(self) -> None:
        self._lock = threading.Lock()
        self._prefixes: dict[str, int] = {}

    def clear(self) -> None:
        with self._lock:
            self._prefixes.clear()

    def _seen(self, key: str, tokens: int, *, keep: bool) -> int | None:
        """The tokens cached under `key` (0 when not counted), else None, caching it now when `keep`."""
        with self._lock:
            hit = self._prefixes.get(key)
            if hit is None and keep:
                self._prefixes[key] = tokens
            return hit

    def anthropic(self, body: dict[str, Any], count: Count) -> tuple[int, int]:
        """(read, written) tokens of an Anthropic Messages request; (0, 0) without a breakpoint.
        A breakpoint on any block of a message counts that whole message."""
        raw_tools = body.get("tools") or []
        raw_system = body.get("system") or []
        raw_system = [{"type": "text", "text": raw_system}] if isinstance(raw_system, str) else raw_system
        raw_messages = body.get("messages") or []
        tools = [_bare(t) for t in raw_tools]
        system = [_bare(b) for b in raw_system]
        messages = [
            {**m, "content": [_bare(b) for b in m["content"]]} if isinstance(m.get("content"), list) else m
            for m in raw_messages
        ]
        prefixes = [{"tools": tools[: i + 1]} for i, t in enumerate(raw_tools) if _marked(t)]
        prefixes += [{"tools": tools, "system": system[: i + 1]} for i, b in enumerate(raw_system) if _marked(b)]
        prefixes += [
            {"tools": tools, "system": system, "messages": messages[: i + 1]}
            for i, m in enumerate(raw_messages)
            if isinstance(m.get("content"), list) and any(_marked(b) for b in m["content"])
        ]
        read = written = 0
        for prefix in prefixes:
            tokens = count(prefix) or 0
            key = json.dumps({"model": body.get("model", ""), **prefix}, sort_keys=True)
            hit = self._seen(key, tokens, keep=tokens >= MINIMUM)
            if hit is not None:
                read = max(read, hit)
            elif tokens >= MINIMUM:
                written = max(written, tokens)
        return read, max(0, written - read)

    def openai(self, body: dict[str, Any], count: Count) -> int:
        """Cached tokens of an OpenAI Chat Completions request. Prefixes are keyed by a running
        hash and counted only for the longest hit, so a long conversation costs linear time."""
        running = hashlib.sha256(json.dumps([body.get("model", ""), body.get("tools") or []]).encode())
        messages = body.get("messages") or []
        hits: list[int] = []
        for k, message in enumerate(messages, start=1):
            running.update(json.dumps(message, sort_keys=True).encode())
            if self._seen(running.hexdigest(), 0, keep=True) is not None:
                hits.append(k)
        for k in reversed(hits):  # the longest prefix that parses (not cut between a call and its results)
            tokens = count({"tools": body.get("tools") or [], "messages": messages[:k]})
            if tokens is not None:
                return 0 if tokens < MINIMUM else tokens - (tokens - MINIMUM) % 128
        return 0
