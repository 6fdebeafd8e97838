"""`edit_file`: an exact string replaced in a workspace file, refusing ambiguous matches."""

import asyncio

from activities.tools.base import ToolContext, ToolFailed, ToolOutput
from activities.tools.ledger import record_written, wrote
from activities.tools.paths import read_bytes, write_bytes
from paperclip.tools.edit_file import EditFileArguments
from paperclip.tools.write_file import MAX_WRITE

MAX_EDITED_BYTES = 4 * MAX_WRITE
"""A file larger than this is not edited in place (write it whole, or use a command)."""


def _edit(ctx: ToolContext, args: EditFileArguments) -> ToolOutput:
    data = read_bytes(ctx.workspace, args.path, limit=MAX_EDITED_BYTES)
    try:
        text = data.decode("utf-8")
    except UnicodeDecodeError:
        raise ToolFailed(f"{args.path} is not UTF-8 text: edit_file changes text files only") from None
    count = text.count(args.old_string)
    if count == 0:
        raise ToolFailed(f"old_string was not found in {args.path}: read the file and copy the text exactly")
    if count > 1 and not args.replace_all:
        raise ToolFailed(
            f"old_string occurs {count} times in {args.path}: give more surrounding text to pick one, "
            "or set replace_all to replace them all"
        )
    new = text.replace(args.old_string, args.new_string).encode()
    # An edit of a file the task did not write leaves the rest of it someone else's words: it
    # stays untrusted; an edit of its own file keeps it its own.
    own = wrote(ctx.home, ctx.workspace, args.path, data)
    write_bytes(ctx.workspace, args.path, new)
    if own:
        record_written(ctx.home, ctx.workspace, args.path, new)
    return ToolOutput(content=f"replaced {count} occurrence{'s' if count > 1 else ''} in {args.path}")


async def run(ctx: ToolContext, args: EditFileArguments) -> ToolOutput:
    return await asyncio.to_thread(_edit, ctx, args)
