"""What an upload may be: its size, its type (declared, and checked against its first bytes),
and the name a download suggests.

The rule on types: the declared type must be one of `ALLOWED` and the content must look like
it (a PNG's signature for `image/png`, UTF-8 text for `text/*`...). Active content — HTML, SVG,
XML, JavaScript — is refused whatever it is declared as, even though every attachment is served
as a download with `nosniff` and a sandboxing CSP: a file a browser would run has no business
on a task board, and refusing it costs nothing. `application/octet-stream` takes any other
binary content, and becomes the sniffed type when the bytes are a known one.
"""

import re
import unicodedata

from paperclip.errors import InvalidInput


class AttachmentRefused(InvalidInput):
    """An upload that is not taken: `kind` says why (`too_large`, `unsupported_media_type`,
    `invalid_input`); the message says what to do."""


SIGNATURES: dict[str, tuple[bytes, ...]] = {
    "image/png": (b"\x89PNG\r\n\x1a\n",),
    "image/jpeg": (b"\xff\xd8\xff",),
    "image/gif": (b"GIF87a", b"GIF89a"),
    "application/pdf": (b"%PDF-",),
    "application/zip": (b"PK\x03\x04", b"PK\x05\x06"),
    "application/gzip": (b"\x1f\x8b",),
}
"""Binary types known by their first bytes (WebP is checked apart: `RIFF....WEBP`)."""
OFFICE = {
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "application/vnd.openxmlformats-officedocument.presentationml.presentation",
}
"""Zip archives by another name."""
TEXT = {"text/plain", "text/markdown", "text/csv", "application/json", "application/x-yaml", "text/x-log"}
"""Types whose content must be UTF-8 text (no NUL)."""
OCTET = "application/octet-stream"
ALLOWED = frozenset({*SIGNATURES, "image/webp", *OFFICE, *TEXT, OCTET})
ACTIVE = re.compile(rb"^\s*(<!doctype\s+html|<html|<head|<body|<script|<svg|<\?xml|<iframe|<object)", re.IGNORECASE)
"""The start of a document a browser would render and run (after any BOM and blank space)."""
ALIASES = {
    "image/jpg": "image/jpeg",
    "text/x-markdown": "text/markdown",
    "application/yaml": "application/x-yaml",
    "text/yaml": "application/x-yaml",
    "application/x-gzip": "application/gzip",
}


def sniff(data: bytes) -> str | None:
    """The type the first bytes show: a known binary type, `text/plain` for UTF-8 text, `text/html`
    for active content; None: some other binary."""
    head = data[:4096]
    if ACTIVE.match(head.removeprefix(b"\xef\xbb\xbf")):
        return "text/html"
    for kind, prefixes in SIGNATURES.items():
        if head.startswith(prefixes):
            return kind
    if head[:4] == b"RIFF" and head[8:12] == b"WEBP":
        return "image/webp"
    if _is_text(data):
        return "text/plain"
    return None


def _is_text(data: bytes) -> bool:
    if b"\0" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError:
        return False
    return True


def checked_type(declared: str | None, data: bytes) -> str:
    """The type an upload is kept and served as.

    Raises:
        AttachmentRefused: (`unsupported_media_type`) active content, a type not allowed, or
            content that is not what was declared.
    """
    base = (declared or OCTET).split(";", 1)[0].strip().lower() or OCTET
    base = ALIASES.get(base, base)
    found = sniff(data)
    if found == "text/html":
        raise _unsupported("the content is HTML, SVG, XML or a script: active content is not attached (zip it)")
    if base not in ALLOWED:
        raise _unsupported(f"type {base} is not attached: allowed are {', '.join(sorted(ALLOWED))}")
    if base == OCTET:
        return found if found is not None and found != "text/plain" else OCTET
    if base in TEXT:
        if found != "text/plain":
            raise _unsupported(f"declared {base}, but the content is not UTF-8 text")
        return base
    expected = "application/zip" if base in OFFICE else base
    if found != expected:
        raise _unsupported(f"declared {base}, but the content is {found or 'another binary'}")
    return base


def _unsupported(message: str) -> AttachmentRefused:
    return AttachmentRefused(message, kind="unsupported_media_type")


def check_size(size: int, limit: int) -> None:
    """Raises AttachmentRefused (`too_large`) past `limit` bytes, (`invalid_input`) when empty."""
    if size > limit:
        raise AttachmentRefused(
            f"the file is larger than the {limit:,} bytes an attachment may be (PAPERCLIP_ATTACHMENTS_MAX_BYTES)",
            kind="too_large",
        )
    if size == 0:
        raise AttachmentRefused("the file is empty: nothing to attach")


def safe_filename(name: str | None) -> str:
    """The uploader's name as a plain file name: its last path component, control and format
    characters dropped, at most 255 characters; `attachment` when nothing is left. It is only
    ever shown and suggested to a download: bytes are stored under the attachment's id."""
    last = re.split(r"[/\\]", name or "")[-1]
    cleaned = "".join(ch for ch in last if unicodedata.category(ch)[0] != "C").strip().strip(".")
    return cleaned[:255] or "attachment"
