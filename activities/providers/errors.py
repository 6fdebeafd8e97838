"""Provider failures as Temporal sees them: retryable (with the provider's own delay) or not.

408/409/429/5xx and broken connections are retried (the SDK's retries are off); other 4xx are
final and say why in one line. A message names the endpoint (the credential's name) and the URL
the call went to (`endpoint_label`), so a failing call says where it failed. No secret ever goes
into a message.
"""

from collections.abc import Iterable, Mapping
from datetime import UTC, datetime, timedelta
from email.utils import parsedate_to_datetime

from temporalio.exceptions import ApplicationError

RATE_LIMITED = "ProviderRateLimited"
UNAVAILABLE = "ProviderUnavailable"
REJECTED = "ProviderRejected"
MISSING_CREDENTIAL = "MissingCredential"
NOT_BOUND = "CredentialNotBound"
"""The credential is bound elsewhere than where the call would go: it is not sent."""
NON_RETRYABLE_TYPES = (REJECTED, MISSING_CREDENTIAL, NOT_BOUND)
"""Error types of a model turn that fail for good (the task may then fall back to another model)."""

_RETRYABLE_STATUS = frozenset({408, 409, 429})
_MAX_MESSAGE = 300


def retry_delay(headers: Mapping[str, str] | None, *, now: datetime | None = None) -> timedelta | None:
    """The delay the provider asked for: `retry-after-ms`, else `retry-after` (seconds or HTTP date)."""
    if not headers:
        return None
    ms = headers.get("retry-after-ms")
    if ms:
        try:
            return timedelta(milliseconds=max(0.0, float(ms)))
        except ValueError:
            pass
    value = headers.get("retry-after")
    if not value:
        return None
    try:
        return timedelta(seconds=max(0.0, float(value)))
    except ValueError:
        pass
    try:
        when = parsedate_to_datetime(value)
    except (TypeError, ValueError):
        return None
    if when.tzinfo is None:
        when = when.replace(tzinfo=UTC)
    return max(timedelta(0), when - (now or datetime.now(UTC)))


def endpoint_label(provider: str, endpoint: str | None = None, url: str | None = None) -> str:
    """Who failed, as a message names it: `openai endpoint 'team-key' at http://host:8000/v1`
    (the provider alone when the endpoint or URL is not known)."""
    label = provider
    if endpoint:
        label += f" endpoint '{endpoint}'"
    if url:
        label += f" at {url}"
    return label


def _clean(text: str, secret: str | None) -> str:
    text = " ".join(str(text).split())
    if secret:
        text = text.replace(secret, "***")
    return text if len(text) <= _MAX_MESSAGE else text[: _MAX_MESSAGE - 1] + "…"


def status_error(
    provider: str,
    status: int,
    detail: str,
    *,
    headers: Mapping[str, str] | None = None,
    secret: str | None = None,
) -> ApplicationError:
    """The `ApplicationError` for an HTTP error answer of `provider` (its name, or the
    `endpoint_label` of the endpoint that answered)."""
    detail = _clean(detail, secret) or "no detail"
    if status == 429:
        return ApplicationError(
            f"{provider} rate limited the request (429): {detail}",
            type=RATE_LIMITED,
            next_retry_delay=retry_delay(headers),
        )
    if 300 <= status < 400:
        where = _clean((headers or {}).get("location", "elsewhere"), secret)
        return ApplicationError(
            f"{provider} answered a redirect ({status}) to {where}: not followed, the key goes only where it is bound",
            type=REJECTED,
            non_retryable=True,
        )
    if status in _RETRYABLE_STATUS or status >= 500 or status < 400:
        return ApplicationError(
            f"{provider} is unavailable ({status}): {detail}",
            type=UNAVAILABLE,
            next_retry_delay=retry_delay(headers),
        )
    return ApplicationError(f"{provider} rejected the request ({status}): {detail}", type=REJECTED, non_retryable=True)


def connection_error(provider: str, detail: str, *, secret: str | None = None) -> ApplicationError:
    """A connection failure or timeout of `provider` (as in `status_error`): retryable."""
    return ApplicationError(f"{provider} could not be reached: {_clean(detail, secret)}", type=UNAVAILABLE)


def missing_credential(provider: str, name: str, allowed: Iterable[str] | None = None) -> ApplicationError:
    """No credential `name` for this company: not its team's, not the deployment's, and not an
    environment variable the deployment allows (`allowed`, when known) that is set on this worker."""
    if allowed is None:
        where = ", nor an environment variable the deployment allows (PAPERCLIP_ENV_CREDENTIALS) set on this worker"
    elif variables := ", ".join(allowed):
        where = f"; of the worker's environment only {variables} may be credentials, and only where set"
    else:
        where = "; no environment variable of the worker may be a credential"
    return ApplicationError(
        f"no credential '{name}' for {provider}: it is not stored for this company's team or the deployment{where}",
        type=MISSING_CREDENTIAL,
        non_retryable=True,
    )


def credential_not_bound(message: str) -> ApplicationError:
    """The key is not sent: `message` says where it is bound and where the call would go."""
    return ApplicationError(message, type=NOT_BOUND, non_retryable=True)


def body_message(body: object, fallback: str) -> str:
    """The human message inside a provider's error JSON (`{"error": {"message": …}}` or its inner dict)."""
    if isinstance(body, Mapping):
        inner = body.get("error", body)
        if isinstance(inner, Mapping) and isinstance(inner.get("message"), str):
            return inner["message"]
        if isinstance(inner, str):
            return inner
        if isinstance(body.get("message"), str):
            return body["message"]
    return fallback
