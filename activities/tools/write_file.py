"""`write_file`: a workspace file made or replaced whole, and noted as the task's own."""

import asyncio

from activities.tools.base import ToolContext, ToolOutput
from activities.tools.ledger import record_written
from activities.tools.paths import write_bytes
from paperclip.tools.write_file import WriteFileArguments


def _write(ctx: ToolContext, args: WriteFileArguments) -> ToolOutput:
    data = args.content.encode()
    created = write_bytes(ctx.workspace, args.path, data)
    record_written(ctx.home, ctx.workspace, args.path, data)
    return ToolOutput(content=f"{'created' if created else 'replaced'} {args.path} ({len(data):,} bytes)")


async def run(ctx: ToolContext, args: WriteFileArguments) -> ToolOutput:
    return await asyncio.to_thread(_write, ctx, args)
