"""What a hook makes of a delivery: its document, its filter, its inputs and its task, with
JMESPath (a query language with no side effects and no access to anything but the document).

The document a hook's expressions read is `{"headers": {...}, "body": ..., "event": ...}`:
header names lowercased, the body parsed as JSON (GitHub's form-encoded `payload=` too), the
event GitHub's `X-GitHub-Event` or our `X-Paperclip-Event`. `${inputs.NAME}` in a task's title and
brief are filled from the mapped inputs.
"""

import json
import re
from collections.abc import Mapping
from typing import Any
from urllib.parse import parse_qs

import jmespath
from jmespath.exceptions import JMESPathError

from paperclip.errors import InvalidInput
from paperclip.models.webhooks import HookSpec, TaskTarget

PLACEHOLDER = re.compile(r"\$\{inputs\.([a-z0-9][a-z0-9_-]*)\}")
"""`${inputs.NAME}` in a target's texts."""
INPUT_CHARS = 20_000
"""The longest text one input puts in a task's title or brief (a diff is stored, not inlined)."""


class HookError(InvalidInput):
    """A hook cannot be made as given, or cannot take a delivery: the message says why."""


def _compile(expression: str, where: str) -> Any:
    try:
        return jmespath.compile(expression)
    except JMESPathError as err:
        raise HookError(f"{where}: not a JMESPath expression ({str(err).splitlines()[0]})") from None


def check_hook(spec: HookSpec) -> None:
    """Refuse a hook whose expressions do not parse, or whose texts name inputs it does not map.

    Raises:
        HookError: naming the field.
    """
    for name, expression in spec.inputs.items():
        _compile(expression, f"inputs.{name}")
    if spec.when is not None:
        _compile(spec.when, "when")
    target = spec.target
    if not isinstance(target, TaskTarget):
        return  # a pipeline's inputs are checked against it by the API, which finds it
    for field in ("title", "brief"):
        unknown = sorted(set(PLACEHOLDER.findall(getattr(target, field, ""))) - set(spec.inputs))
        if unknown:
            raise HookError(f"target.{field} names inputs the hook does not map: {', '.join(unknown)}")


def parse_body(body: bytes, content_type: str) -> Any:
    """The delivery's body as a document: JSON, GitHub's `application/x-www-form-urlencoded`
    (`payload=<json>`), or the text itself when it is neither."""
    text = body.decode("utf-8", errors="replace")
    if content_type.split(";")[0].strip().lower() == "application/x-www-form-urlencoded":
        payload = parse_qs(text).get("payload")
        if payload:
            text = payload[0]
    try:
        return json.loads(text)
    except ValueError:
        return text


def document(headers: Mapping[str, str], body: Any, event: str | None) -> dict[str, Any]:
    """What a hook's expressions read."""
    return {"headers": {k.lower(): v for k, v in headers.items()}, "body": body, "event": event}


def wanted(spec: HookSpec, doc: dict[str, Any]) -> bool:
    """Whether the hook acts on this delivery (no `when`: always)."""
    if spec.when is None:
        return True
    return _truthy(_compile(spec.when, "when").search(doc))


def _truthy(value: Any) -> bool:
    # JMESPath's own truth: false, null, "" and empty lists and objects are false.
    return value not in (None, False, "", [], {})


def inputs(spec: HookSpec, doc: dict[str, Any]) -> dict[str, Any]:
    """The hook's inputs for this delivery (an expression that finds nothing gives null)."""
    return {name: _compile(expression, f"inputs.{name}").search(doc) for name, expression in spec.inputs.items()}


def _text(value: Any) -> str:
    text = value if isinstance(value, str) else json.dumps(value)
    return text if len(text) <= INPUT_CHARS else text[:INPUT_CHARS] + " …(cut)"


def render(template: str, values: Mapping[str, Any]) -> str:
    """`template` with each `${inputs.NAME}` replaced by its input (JSON for a non-text value,
    empty for null)."""
    return PLACEHOLDER.sub(lambda m: "" if values.get(m[1]) is None else _text(values[m[1]]), template)


def task_of(target: TaskTarget, values: Mapping[str, Any]) -> tuple[str, str]:
    """The title and brief of the task a delivery makes (cut to the task's limits).

    Raises:
        HookError: the title comes out blank.
    """
    title = " ".join(render(target.title, values).split())[:500]
    if not title:
        raise HookError("the task's title is empty for this delivery (its inputs are empty)")
    return title, render(target.brief, values)[:100_000]
