"""Signatures of webhooks: GitHub's form, and ours (a timestamp and the body), compared in constant
time.

GitHub signs a delivery's raw body with the hook's secret: `X-Hub-Signature-256: sha256=<hex of
HMAC-SHA256>`. Ours signs `<timestamp>.<body>` (`X-Paperclip-Timestamp`: unix seconds;
`X-Paperclip-Signature: v1=<hex>`), so a captured delivery cannot be sent again outside the
replay window; outgoing webhooks are signed the same way.
"""

import hashlib
import hmac

from paperclip.errors import PaperclipError

GITHUB_SIGNATURE = "x-hub-signature-256"
GITHUB_DELIVERY = "x-github-delivery"
GITHUB_EVENT = "x-github-event"
TIMESTAMP = "x-paperclip-timestamp"
SIGNATURE = "x-paperclip-signature"
EVENT = "x-paperclip-event"
DELIVERY = "x-paperclip-delivery"
REPLAY_WINDOW_SECONDS = 300
"""How far a generic delivery's timestamp may be from now, either way."""


class SignatureRefused(PaperclipError):
    """A delivery's signature is missing, malformed, wrong or too old: the message says which."""

    kind = "unauthorized"


def _hex(secret: str, message: bytes) -> str:
    return hmac.new(secret.encode(), message, hashlib.sha256).hexdigest()


def github_signature(secret: str, body: bytes) -> str:
    """`sha256=<hex>`: what GitHub sends in `X-Hub-Signature-256` for `body`."""
    return "sha256=" + _hex(secret, body)


def signature(secret: str, timestamp: int, body: bytes) -> str:
    """`v1=<hex>` of `<timestamp>.<body>`: our `X-Paperclip-Signature`."""
    return "v1=" + _hex(secret, str(timestamp).encode() + b"." + body)


def signed_headers(secret: str, timestamp: int, body: bytes) -> dict[str, str]:
    """The two headers of a delivery we sign."""
    return {TIMESTAMP: str(timestamp), SIGNATURE: signature(secret, timestamp, body)}


def check_github(secret: str, body: bytes, header: str | None) -> None:
    """Refuse a delivery whose `X-Hub-Signature-256` is not the body's.

    Raises:
        SignatureRefused: saying what is wrong.
    """
    if not header:
        raise SignatureRefused(f"no {GITHUB_SIGNATURE} header: this hook takes GitHub's signed deliveries")
    if not header.startswith("sha256="):
        raise SignatureRefused(f"{GITHUB_SIGNATURE} must be sha256=<hex>")
    if not hmac.compare_digest(header.encode(), github_signature(secret, body).encode()):
        raise SignatureRefused(f"{GITHUB_SIGNATURE} does not match the body signed with this hook's secret")


def check_generic(secret: str, body: bytes, timestamp: str | None, header: str | None, *, now: float) -> str:
    """Refuse a delivery whose signature is not `<timestamp>.<body>`'s, or whose timestamp is more
    than `REPLAY_WINDOW_SECONDS` from `now`; answers the signature's hex (the delivery's id).

    Raises:
        SignatureRefused: saying what is wrong.
    """
    if not timestamp or not header:
        raise SignatureRefused(f"a signed delivery needs the {TIMESTAMP} and {SIGNATURE} headers")
    if not timestamp.isdigit():
        raise SignatureRefused(f"{TIMESTAMP} must be unix seconds")
    if abs(now - int(timestamp)) > REPLAY_WINDOW_SECONDS:
        raise SignatureRefused(
            f"{TIMESTAMP} is more than {REPLAY_WINDOW_SECONDS} s from the server's clock: sign the delivery when"
            " you send it"
        )
    given = [part.strip() for part in header.split(",") if part.strip().startswith("v1=")]
    if not given:
        raise SignatureRefused(f"{SIGNATURE} must be v1=<hex>")
    expected = signature(secret, int(timestamp), body)
    for candidate in given:  # several while a secret is being rotated
        if hmac.compare_digest(candidate.encode(), expected.encode()):
            return expected.removeprefix("v1=")
    raise SignatureRefused(f"{SIGNATURE} does not match '<timestamp>.<body>' signed with this hook's secret")
