"""`search_files`: lines of the workspace's text files matching a regular expression, capped."""

import asyncio
import os
import re
import time

from activities.tools.base import ToolContext, ToolFailed, ToolOutput
from activities.tools.ledger import wrote
from activities.tools.paths import FILE_FLAGS
from activities.tools.walk import Walk, glob_regex
from paperclip.tools.search_files import SearchFilesArguments

MAX_LINE = 300
"""Characters of a matching line shown; the rest is cut."""
MAX_FILE_BYTES = 5 * 1024 * 1024
"""Larger files are skipped (generated or data files)."""


def _search(ctx: ToolContext, args: SearchFilesArguments) -> ToolOutput:
    try:
        regex = re.compile(args.regex, re.IGNORECASE if args.ignore_case else 0)
    except re.error as err:
        raise ToolFailed(f"invalid regular expression {args.regex!r}: {err}") from None
    wanted = glob_regex(args.glob)
    walk = Walk(ctx.workspace)
    matches: list[str] = []
    more = 0
    untrusted = False
    # Whether a matching file holds words the task did not write (`activities.tools.ledger`).
    deadline = time.monotonic() + ctx.timeout_seconds
    beat = time.monotonic()
    for entry in walk:
        if entry.kind != "file" or not wanted.fullmatch(entry.path):
            continue
        if time.monotonic() > deadline:
            raise ToolFailed(f"the search took longer than {ctx.timeout_seconds:.0f} s: narrow the glob or the regex")
        if time.monotonic() - beat > 5:
            ctx.heartbeat(entry.path)
            beat = time.monotonic()
        data = _data(entry.folder_fd, entry.name)
        if data is None:
            continue
        found = False
        for number, line in enumerate(data.decode("utf-8", errors="replace").splitlines(), 1):
            if regex.search(line):
                found = True
                if len(matches) >= args.max_matches:
                    more += 1
                    continue
                shown = line if len(line) <= MAX_LINE else line[:MAX_LINE] + f"… [{len(line):,} characters]"
                matches.append(f"{entry.path}:{number}: {shown}")
        if found and not untrusted:
            untrusted = not wrote(ctx.home, ctx.workspace, entry.path, data)
    lines = matches or [f"no line matches {args.regex!r}"]
    if more:
        lines.append(f"[{more:,} more matching lines: narrow the regex or the glob]")
    if walk.cut:
        lines.append("[the workspace is too large to search whole: narrow the glob to a folder]")
    return ToolOutput(content="\n".join(lines), untrusted=untrusted)


def _data(folder_fd: int, name: str) -> bytes | None:
    """The file's bytes; None when it cannot be read, is too large, or is binary."""
    try:
        fd = os.open(name, os.O_RDONLY | FILE_FLAGS, dir_fd=folder_fd)
    except OSError:
        return None
    with os.fdopen(fd, "rb") as file:
        if os.fstat(file.fileno()).st_size > MAX_FILE_BYTES:
            return None
        data = file.read(MAX_FILE_BYTES + 1)
    if len(data) > MAX_FILE_BYTES or b"\0" in data[:8192]:
        return None
    return data


async def run(ctx: ToolContext, args: SearchFilesArguments) -> ToolOutput:
    return await asyncio.to_thread(_search, ctx, args)
