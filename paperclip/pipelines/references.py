"""`${…}` in a step's task text: what it may name, and filling it in.

Three forms: `${inputs.NAME}` (a run input), `${steps.ID.output}` (a step's output) and `${NAME}`
(a name the step reads: one of its `input`, or a run input). `$${` writes a literal `${`. The
parser (`paperclip.pipelines.parse`) checks that each names something; the run fills them in
with `render`, so both read the text the same way.
"""

import re
from collections.abc import Callable
from dataclasses import dataclass
from enum import StrEnum

from paperclip.errors import InvalidInput
from paperclip.models.names import SLUG

_TOKEN = re.compile(r"\$\$\{|\$\{([^{}]*)\}|\$\{")
_NAME = SLUG.pattern.strip("^$")
_FORMS = (
    ("input", re.compile(rf"inputs\.({_NAME})")),
    ("step", re.compile(rf"steps\.({_NAME})\.output")),
    ("name", re.compile(rf"({_NAME})")),
)
FORMS_HINT = "write ${inputs.NAME}, ${steps.ID.output} or ${NAME} (a name the step reads); $${ for a literal ${"


class ReferenceKind(StrEnum):
    INPUT = "input"
    """`${inputs.NAME}`: a run input."""
    STEP = "step"
    """`${steps.ID.output}`: a step's output."""
    NAME = "name"
    """`${NAME}`: one of the step's `input` names, or a run input."""


@dataclass(frozen=True)
class Reference:
    """One `${…}` of a text."""

    text: str
    """As written, `${inputs.repo}`."""
    kind: ReferenceKind
    name: str
    """The input's, step's or name's name."""
    start: int
    """Its offset in the text."""


class MalformedReference(InvalidInput):
    """A `${` that is not one of the forms (`FORMS_HINT`), at offset `start`."""

    def __init__(self, text: str, start: int) -> None:
        super().__init__(f"{text!r} is not a reference: {FORMS_HINT}")
        self.text = text
        self.start = start


def _scan(text: str) -> list[Reference | MalformedReference | tuple[int, int]]:
    """Every `${…}` of `text` (a reference or a malformed one), and each `$${` as its span."""
    found: list[Reference | MalformedReference | tuple[int, int]] = []
    for match in _TOKEN.finditer(text):
        token = match.group(0)
        if token == "$${":
            found.append(match.span())
            continue
        body = match.group(1)
        if body is None:
            found.append(MalformedReference(text[match.start() : match.start() + 30], match.start()))
            continue
        stripped = body.strip()
        for kind, pattern in _FORMS:
            form = pattern.fullmatch(stripped)
            if form is not None:
                found.append(Reference(token, ReferenceKind(kind), form.group(1), match.start()))
                break
        else:
            found.append(MalformedReference(token, match.start()))
    return found


def references(text: str) -> tuple[list[Reference], list[MalformedReference]]:
    """The references of `text`, and the `${` in it that are not references."""
    found = _scan(text)
    return (
        [item for item in found if isinstance(item, Reference)],
        [item for item in found if isinstance(item, MalformedReference)],
    )


def render(text: str, value: Callable[[Reference], str]) -> str:
    """`text` with each reference replaced by `value(reference)` and each `$${` by `${`.

    Raises:
        MalformedReference: the text holds a `${` that is not a reference (a validated document's
            task never does).
    """
    out: list[str] = []
    at = 0
    for item in _scan(text):
        if isinstance(item, MalformedReference):
            raise item
        start, end = item if isinstance(item, tuple) else (item.start, item.start + len(item.text))
        out.append(text[at:start])
        out.append("${" if isinstance(item, tuple) else value(item))
        at = end
    out.append(text[at:])
    return "".join(out)
