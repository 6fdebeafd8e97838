"""`read_file`: lines of a workspace file; untrusted unless the task wrote that very content."""

import asyncio

from activities.tools.base import ToolContext, ToolFailed, ToolOutput
from activities.tools.ledger import wrote
from activities.tools.paths import read_bytes
from paperclip.tools.read_file import ReadFileArguments

MAX_FILE_BYTES = 20 * 1024 * 1024
"""A file larger than this is not read (a tool answer could not carry it anyway)."""


def _read(ctx: ToolContext, args: ReadFileArguments) -> ToolOutput:
    data = read_bytes(ctx.workspace, args.path, limit=MAX_FILE_BYTES)
    if b"\0" in data[:8192]:
        raise ToolFailed(f"{args.path} is a binary file ({len(data):,} bytes): read_file reads text")
    lines = data.decode("utf-8", errors="replace").splitlines(keepends=True)
    if args.offset > max(len(lines), 1):
        raise ToolFailed(f"{args.path} has {len(lines)} lines: offset {args.offset} is past its end")
    start = args.offset - 1
    chosen = lines[start : start + args.limit]
    content = "".join(chosen)
    end = start + len(chosen)
    if start > 0 or end < len(lines):
        more = f"; read on with offset={end + 1}" if end < len(lines) else ""
        gap = "" if not content or content.endswith("\n") else "\n"
        content += f"{gap}[lines {start + 1}-{end} of {len(lines)}{more}]"
    return ToolOutput(content=content, untrusted=not wrote(ctx.home, ctx.workspace, args.path, data))


async def run(ctx: ToolContext, args: ReadFileArguments) -> ToolOutput:
    return await asyncio.to_thread(_read, ctx, args)
