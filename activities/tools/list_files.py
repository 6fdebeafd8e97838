"""`list_files`: the workspace's paths matching a glob (folders end with `/`), `.git` left out."""

import asyncio

from activities.tools.base import ToolContext, ToolOutput
from activities.tools.walk import Walk, glob_regex
from paperclip.tools.list_files import ListFilesArguments


def _list(ctx: ToolContext, args: ListFilesArguments) -> ToolOutput:
    wanted = glob_regex(args.pattern)
    walk = Walk(ctx.workspace)
    found: list[str] = []
    more = 0
    for entry in walk:
        if not wanted.fullmatch(entry.path):
            continue
        if len(found) >= args.limit:
            more += 1
            continue
        suffix = {"folder": "/", "link": " (symbolic link)"}.get(entry.kind, "")
        found.append(entry.path + suffix)
    lines = found or [f"no path matches {args.pattern!r}"]
    if more:
        lines.append(f"[{more:,} more paths match: narrow the pattern]")
    if walk.cut:
        lines.append("[the workspace is too large to walk whole: narrow the pattern to a folder]")
    return ToolOutput(content="\n".join(lines))


async def run(ctx: ToolContext, args: ListFilesArguments) -> ToolOutput:
    return await asyncio.to_thread(_list, ctx, args)
