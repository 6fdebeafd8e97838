"""Files of a task: upload (multipart), list, download, delete.

Who may: whoever sees the task's company (`api.auth`: another team's caller gets 404 for all
of it, a viewer reads only), and a task token for its own task. A download is always a download:
`Content-Disposition: attachment`, `X-Content-Type-Options: nosniff` and a CSP that lets nothing
run, whatever the file is (`paperclip.attachments.content` says which types are taken at all).
"""

import asyncio
from urllib.parse import quote

from fastapi import APIRouter, Request, Response, status
from starlette.datastructures import UploadFile

from api import services
from api.auth import CallerDep
from api.deps import ClientDep, ContextDep, StoreDep
from api.errors import ApiError
from paperclip.attachments import AttachmentRefused, AttachmentStorage, StorageError, add_attachment, open_storage
from paperclip.attachments import remove_attachment as remove
from paperclip.models.attachments import Attachment, AttachmentList

router = APIRouter(prefix="/companies/{company}/tasks/{identifier}/attachments", tags=["attachments"])

UPLOAD_PATH = r"/api/companies/[^/]+/tasks/[^/]+/attachments"
"""The upload's path, whose body may be as large as an attachment (`api.errors.BodySizeLimit`)."""
MULTIPART_SLACK = 64 * 1024
"""What multipart framing adds to a file's bytes, at most."""
DOWNLOAD_HEADERS = {
    "X-Content-Type-Options": "nosniff",
    "Content-Security-Policy": "default-src 'none'; sandbox",
    "Cache-Control": "private, no-store",
}
REFUSED_STATUS = {"too_large": 413, "unsupported_media_type": 415}


def storage(request: Request, context: ContextDep) -> AttachmentStorage:
    """The app's backend, opened on first use (a misconfigured one answers 503, not a crash)."""
    found: AttachmentStorage | None = getattr(request.app.state, "attachment_storage", None)
    if found is None:
        try:
            found = open_storage(context.settings)
        except StorageError as err:
            raise _unavailable(err) from None
        request.app.state.attachment_storage = found
    return found


def _unavailable(err: StorageError) -> ApiError:
    return ApiError(503, "attachment_storage", str(err))


def _not_found(identifier: str, attachment_id: str) -> ApiError:
    return ApiError(404, "not_found", f"task {identifier} has no attachment '{attachment_id}'")


async def _record(store: StoreDep, company: str, identifier: str, attachment_id: str) -> Attachment:
    found = await asyncio.to_thread(store.get_attachment, company, attachment_id)
    if found is None or found.task != identifier:
        raise _not_found(identifier, attachment_id)
    return found


def content_disposition(filename: str) -> str:
    """`attachment`, with the name as ASCII (quotes and backslashes replaced) and as UTF-8 (RFC 6266)."""
    plain = "".join(ch if 32 <= ord(ch) < 127 and ch not in '"\\' else "_" for ch in filename)
    return f"attachment; filename=\"{plain}\"; filename*=UTF-8''{quote(filename, safe='')}"


UPLOAD_BODY = {
    "requestBody": {
        "required": True,
        "content": {
            "multipart/form-data": {
                "schema": {
                    "type": "object",
                    "required": ["file"],
                    "properties": {"file": {"type": "string", "format": "binary"}},
                },
                "encoding": {"file": {"contentType": "*/*"}},
            }
        },
    }
}
"""The upload's body as OpenAPI says it: the route reads the form itself, after the
`Idempotency-Key` check has read (and kept) the raw body."""


@router.post("", status_code=status.HTTP_201_CREATED, response_model=Attachment, openapi_extra=UPLOAD_BODY)
async def upload(
    company: str,
    identifier: str,
    request: Request,
    client: ClientDep,
    store: StoreDep,
    context: ContextDep,
    caller: CallerDep,
) -> Attachment:
    """Attach a file (the multipart part `file`; its Content-Type is its declared type) to the
    task: 413 past `PAPERCLIP_ATTACHMENTS_MAX_BYTES`, 415 for a type not taken or content that is
    not what its part declares, 404 for a task the company lacks."""
    await services.get_task(client=client, store=store, company_id=company, identifier=identifier)
    backend = storage(request, context)
    most = context.settings.attachments_max_bytes
    try:
        form = await request.form(max_files=1, max_fields=10)
    except Exception:  # starlette's MultiPartException and the parser's own: the body is not a form
        raise ApiError(400, "invalid_input", "send the file as multipart/form-data, in the part 'file'") from None
    file = form.get("file")
    if not isinstance(file, UploadFile):
        raise ApiError(400, "invalid_input", "send the file as multipart/form-data, in the part 'file'")
    data = await file.read(most + 1)
    try:
        return await asyncio.to_thread(
            add_attachment,
            store,
            backend,
            company_id=company,
            task=identifier,
            filename=file.filename,
            declared_type=file.content_type,
            data=data,
            uploaded_by=caller.actor,
            max_bytes=most,
        )
    except AttachmentRefused as err:
        raise ApiError(REFUSED_STATUS.get(err.kind, 400), err.kind, str(err)) from None
    except StorageError as err:
        raise _unavailable(err) from None
    finally:
        await form.close()


@router.get("", response_model=AttachmentList)
async def list_attachments(company: str, identifier: str, client: ClientDep, store: StoreDep) -> AttachmentList:
    """The task's files, oldest first (404 for a task the company lacks)."""
    await services.get_task(client=client, store=store, company_id=company, identifier=identifier)
    found = await asyncio.to_thread(store.list_attachments, company, identifier)
    return AttachmentList(data=found, count=len(found))


@router.get(
    "/{attachment_id}",
    response_class=Response,
    responses={200: {"content": {"application/octet-stream": {}}, "description": "The file, as a download"}},
)
async def download(
    company: str, identifier: str, attachment_id: str, request: Request, store: StoreDep, context: ContextDep
) -> Response:
    """The file's bytes, as a download under its name, with its checked type."""
    found = await _record(store, company, identifier, attachment_id)
    try:
        data = await asyncio.to_thread(storage(request, context).get, found.id)
    except StorageError as err:
        raise _unavailable(err) from None
    headers = {**DOWNLOAD_HEADERS, "Content-Disposition": content_disposition(found.filename)}
    return Response(data, media_type=found.content_type, headers=headers)


@router.delete("/{attachment_id}", status_code=status.HTTP_204_NO_CONTENT)
async def delete(
    company: str,
    identifier: str,
    attachment_id: str,
    request: Request,
    store: StoreDep,
    context: ContextDep,
    caller: CallerDep,
) -> Response:
    found = await _record(store, company, identifier, attachment_id)
    backend = storage(request, context)
    try:
        if not await asyncio.to_thread(remove, store, backend, company, found.id, actor=caller.actor):
            raise _not_found(identifier, attachment_id)
    except StorageError as err:
        raise _unavailable(err) from None
    return Response(status_code=status.HTTP_204_NO_CONTENT)
