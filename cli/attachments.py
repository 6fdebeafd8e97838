"""`paperclip task attach|attachments|download`: files of a task, over the API."""

import mimetypes
import re
from pathlib import Path
from typing import Annotated
from urllib.parse import unquote

import typer
from rich.markup import escape

from cli.common import ApiUrl, Company, api, console, fail
from cli.output import JsonOption, Table, print_json

Identifier = Annotated[str, typer.Argument(help="Task identifier, e.g. ACME-1.")]
_STAR_NAME = re.compile(r"filename\*=UTF-8''([^;]+)")


def task_attach(
    identifier: Identifier,
    file: Annotated[Path, typer.Argument(help="The file to attach.")],
    company: Company,
    content_type: Annotated[
        str | None, typer.Option("--type", help="Its content type (default: guessed from its name).")
    ] = None,
    api_url: ApiUrl = None,
) -> None:
    """Attach a file to a task (its type must match its content; the API's size limit applies)."""
    try:
        data = file.read_bytes()
    except OSError as err:
        fail(f"cannot read {file}: {err.strerror or err}")
    kind = content_type or mimetypes.guess_type(file.name)[0] or "application/octet-stream"
    with api(api_url) as client:
        made = client.upload(
            f"/api/companies/{company}/tasks/{identifier}/attachments",
            field="file",
            filename=file.name,
            data=data,
            content_type=kind,
        )
    console.print(
        f"attached {escape(made['filename'])} to {escape(identifier)}: {made['id']} "
        f"({made['content_type']}, {made['size']:,} bytes)",
        highlight=False,
    )


def task_attachments(
    identifier: Identifier,
    company: Company,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """List a task's files."""
    with api(api_url) as client:
        found = client.get(f"/api/companies/{company}/tasks/{identifier}/attachments")
    if as_json:
        print_json(found)
        return
    if not found["data"]:
        console.print(f"{escape(identifier)} has no attachments", highlight=False)
        return
    table = Table("id", "name", "type", "bytes", "by", "at")
    for a in found["data"]:
        table.add_row(
            a["id"],
            escape(a["filename"]),
            a["content_type"],
            f"{a['size']:,}",
            escape(a["uploaded_by"]),
            a["created_at"],
        )
    console.print(table)


def task_download(
    identifier: Identifier,
    attachment_id: Annotated[str, typer.Argument(help="The attachment's id (att-…).")],
    company: Company,
    output: Annotated[
        Path | None, typer.Option("--output", "-o", help="Where to save it (default: its name, here).")
    ] = None,
    force: Annotated[bool, typer.Option("--force", help="Replace a file already there.")] = False,
    api_url: ApiUrl = None,
) -> None:
    """Save a task's file."""
    with api(api_url) as client:
        data, headers = client.get_bytes(f"/api/companies/{company}/tasks/{identifier}/attachments/{attachment_id}")
    target = output or Path(suggested_name(headers.get("content-disposition", ""), attachment_id))
    if target.is_dir():
        target = target / suggested_name(headers.get("content-disposition", ""), attachment_id)
    if target.exists() and not force:
        fail(f"{target} exists: give another --output, or --force to replace it")
    try:
        target.write_bytes(data)
    except OSError as err:
        fail(f"cannot write {target}: {err.strerror or err}")
    console.print(f"saved {escape(str(target))} ({len(data):,} bytes)", highlight=False)


def suggested_name(disposition: str, fallback: str) -> str:
    """The file name the API suggests, as a bare name here (never a path: the server's word is
    not trusted to choose a folder)."""
    found = _STAR_NAME.search(disposition)
    name = unquote(found[1]) if found else ""
    name = re.split(r"[/\\]", name)[-1].strip()
    return fallback if name in ("", ".", "..") else name
