"""`attach_file`: a workspace file attached to the calling task (the store keeps its record,
the attachment storage its bytes).

A refused file (too large, active content, a type that is not its content) is the model's to
read; the storage's trouble (`StorageError`) fails the activity, which Temporal retries.

The path is confined to the workspace as for `read_file` (no `..`, no absolute path, no link
followed). The attachment's id is derived from the call, so an activity retried after it kept
the file answers the same attachment instead of a second one.
"""

import asyncio
import mimetypes

from activities.tools.base import ToolContext, ToolFailed, ToolOutput
from activities.tools.paths import read_bytes
from paperclip.attachments import AttachmentRefused, add_attachment, new_id, open_storage
from paperclip.settings import get_settings
from paperclip.tools.attach_file import AttachFileArguments


def _attach(ctx: ToolContext, args: AttachFileArguments) -> ToolOutput:
    if ctx.store is None:
        raise ToolFailed("attach_file cannot run here: this worker keeps no attachments")
    settings = ctx.settings or get_settings()
    limit = settings.attachments_max_bytes
    data = read_bytes(ctx.workspace, args.path, limit=limit)
    name = args.name or args.path.rsplit("/", 1)[-1]
    declared = args.content_type or mimetypes.guess_type(name)[0] or "application/octet-stream"
    session = ctx.session
    try:
        made = add_attachment(
            ctx.store,
            open_storage(settings),
            company_id=session.company_id,
            task=session.task,
            filename=name,
            declared_type=declared,
            data=data,
            uploaded_by=session.agent,
            max_bytes=limit,
            attachment_id=new_id(session.company_id, session.task, ctx.call_id or args.path),
        )
    except AttachmentRefused as err:
        raise ToolFailed(f"{args.path} was not attached: {err}") from None
    return ToolOutput(
        content=f"attached {args.path} to {session.task} as {made.filename} ({made.content_type}, "
        f"{made.size:,} bytes): {made.id}"
    )


async def run(ctx: ToolContext, args: AttachFileArguments) -> ToolOutput:
    return await asyncio.to_thread(_attach, ctx, args)
