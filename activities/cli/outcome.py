"""What a finished CLI turn comes to: the usage it adds to the ledger, and why it failed.

Usage: a tool that reports only its session's running total (Codex's `turn.completed.usage`
counts every turn of the thread) is booked the difference from the total its session's last
turn was booked against, which the store keeps (`paperclip.store.cli_usage`), so a resumed turn
is not charged again for the turns before it, on whichever worker it runs.

Reasons: the tool's own word comes first (its stream's error, e.g. Codex's `turn.failed`); else
its stderr, without terminal colour codes and without a crash's backtrace (a Rust tool's
`   9: <unknown>` frames, `note: run with RUST_BACKTRACE=1`), its last `Error:` line preferred.
"""

import re

from paperclip.models import Usage

REASON_CHARS = 500
"""The longest reason kept (a tool may print a whole HTTP body)."""
_ANSI = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)|\x1b[@-Z\\-_]")
"""Terminal escape sequences: CSI (colours, cursor moves), OSC (titles, links), and the short ones."""
_NOISE = re.compile(
    r"^(\d+:\s|\d+:$|at\s+.*(:\d+|\))$|stack backtrace:|backtrace:|note: run with `?RUST_BACKTRACE|"
    r"note: some details are omitted|thread '.*' panicked at\s*$)",
    re.IGNORECASE,
)
"""A backtrace's frames (`   9: <unknown>`, `at src/main.rs:3:5`) and its notes."""
_ERROR = re.compile(r"^(error|fatal|panic)\b", re.IGNORECASE)


def turn_usage(total: Usage, before: Usage | None) -> Usage:
    """What a turn added to its session's running `total`, given the total its session was last
    booked against (None: no turn of it was booked yet, the whole total is this turn's).

    A difference no turn could have made means the tool started counting afresh (Codex does after
    a full context window), and all of `total` is this turn's: a count that fell, cached or
    written tokens past the input's, or no input or output added where the total has some (a
    completed turn asked and was answered at least once)."""
    if before is None:
        return total
    added = total - before
    counts = (added.input_tokens, added.output_tokens, added.cached_input_tokens, added.cache_write_tokens)
    fresh = (
        min(counts) < 0
        or added.cached_input_tokens + added.cache_write_tokens > added.input_tokens
        or (total.input_tokens > 0 and added.input_tokens == 0)
        or (total.output_tokens > 0 and added.output_tokens == 0)
    )
    return total if fresh else added


def plain(text: str) -> str:
    """`text` without terminal escape sequences and other control characters (tabs and newlines kept)."""
    text = _ANSI.sub("", text)
    return "".join(ch for ch in text if ch in "\t\n" or ch.isprintable())


def stderr_reason(tail: str) -> str:
    """The line of a tool's stderr that says why it failed: the last `Error:`-like line, else
    the last line that is not part of a backtrace ("" when there is none)."""
    lines = [line.strip() for line in plain(tail).splitlines()]
    lines = [line for line in lines if line and not _NOISE.match(line)]
    errors = [line for line in lines if _ERROR.match(line)]
    return shorten((errors or lines or [""])[-1])


def shorten(reason: str) -> str:
    reason = " ".join(plain(reason).split())
    return reason if len(reason) <= REASON_CHARS else reason[: REASON_CHARS - 1] + "…"


def failure_reason(stream_error: str | None, stderr_tail: str, answer: str) -> str:
    """Why a turn failed, in one line: the tool's stream's error, else its stderr's reason,
    else the end of what it answered, else "no output"."""
    if stream_error:
        return shorten(stream_error)
    return stderr_reason(stderr_tail) or shorten(answer[-300:]) or "no output"
