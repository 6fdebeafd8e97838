"""Real CLI output kept as test fixtures, and what it is made of.

`tests/fakes/recorded/<tool>-<scenario>.jsonl` holds a real tool's stdout, one line a line, as a
contract test saw it (run with `PAPERCLIP_RECORD_STREAMS=1` to write it again, after the pinned
version changes). `shapes` says what a stream is made of — each event type's key paths and the
JSON types of their values — so a hand-written fake can be held to it: a fake may leave out what
the real tool says, but not say what it never does.
"""

import json
import os
from collections.abc import Iterable, Sequence
from pathlib import Path
from typing import Any

from activities.cli.base import CliAdapter, Stream

RECORDED = Path(__file__).resolve().parents[1] / "fakes" / "recorded"
RECORD = "PAPERCLIP_RECORD_STREAMS"
_OPEN_KEYS = frozenset({"models", "input", "parameters", "metadata", "responseHeaders"})
"""Objects whose keys are data (model names, a tool's arguments and output), not the format."""


class Recording:
    """An adapter that keeps every line its tool wrote, then reads it as the adapter does."""

    def __init__(self, adapter: CliAdapter) -> None:
        self.adapter = adapter
        self.lines: list[str] = []

    def __getattr__(self, name: str) -> Any:
        return getattr(self.adapter, name)

    def feed(self, line: str, stream: Stream) -> None:
        self.lines.append(line)
        self.adapter.feed(line, stream)


def recorded(name: str) -> list[str]:
    """The recorded stream `name` (`opencode-new-session`, …)."""
    return (RECORDED / f"{name}.jsonl").read_text().splitlines()


def keep(name: str, lines: Sequence[str]) -> list[str]:
    """`lines` written as the recording `name` when recording, and the recording returned."""
    if os.environ.get(RECORD):
        RECORDED.mkdir(exist_ok=True)
        (RECORDED / f"{name}.jsonl").write_text("".join(f"{line}\n" for line in lines))
    return recorded(name)


def _kind(value: Any) -> str:
    if isinstance(value, bool):
        return "boolean"
    if isinstance(value, int | float):
        return "number"
    return {str: "string", list: "array", dict: "object", type(None): "null"}[type(value)]


def _paths(value: Any, prefix: str) -> Iterable[tuple[str, str]]:
    yield prefix, _kind(value)
    if isinstance(value, dict):
        open_keys = prefix.rsplit(".", 1)[-1] in _OPEN_KEYS
        for key, inner in value.items():
            yield from _paths(inner, f"{prefix}.{'*' if open_keys else key}")


def shapes(lines: Iterable[str]) -> set[tuple[str, str]]:
    """(`<event type>.<key path>`, JSON type) of every value of every JSON event in `lines`."""
    found: set[tuple[str, str]] = set()
    for line in lines:
        if not line.strip().startswith("{"):
            continue
        event = json.loads(line)
        kind = str(event.get("type", "?"))
        for key, value in event.items():
            found |= set(_paths(value, f"{kind}.{key}"))
    return found


def read(adapter: CliAdapter, lines: Iterable[str]) -> Stream:
    """What `adapter` reads of `lines`."""
    stream = Stream()
    for line in lines:
        adapter.feed(line, stream)
    return stream
