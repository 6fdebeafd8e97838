"""What a finished CLI turn adds to the ledger (why one failed: `activities.cli.failure`).

Usage: a tool that reports only its session's running total (Codex's `turn.completed.usage`
counts every turn of the thread) is booked the difference from the total its session's last
turn was booked against, which the store keeps (`paperclip.store.cli_usage`), so a resumed turn
is not charged again for the turns before it, on whichever worker it runs.
"""

from paperclip.models import Usage


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
