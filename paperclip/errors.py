"""The one root of the product's own errors: every error the kernel, the workflows' helpers, the
activities and the applications raise on purpose derives from `PaperclipError`, so a caller can
catch them all at one place and tell them apart by `kind` (a short stable word, e.g.
`invalid_input`, `not_found`, `conflict`, `forbidden`, `unavailable`) instead of parsing messages.

Errors that are also a `ValueError` (bad input) keep that base too, so code that catches
`ValueError` (pydantic validators among it) goes on working.
"""


class PaperclipError(Exception):
    """An error the product raises on purpose.

    Attributes:
        kind: what sort of error it is (`invalid_input`, `not_found`, `conflict`, `forbidden`,
            `unavailable`, `timeout`, `internal`): subclasses set a default, an instance may say better.
        message: the readable sentence (`str()` of the error).
    """

    kind: str = "internal"

    def __init__(self, message: str = "", *, kind: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        if kind is not None:
            self.kind = kind


class InvalidInput(PaperclipError, ValueError):
    """Input that cannot be taken as it is: the message says what is wrong with it."""

    kind = "invalid_input"


UPDATE_REJECTIONS = {"invalid_input": "InvalidInput", "not_found": "NotFound", "conflict": "Conflict"}
"""The type a workflow's validator gives the `ApplicationError` it rejects an update with, by the
error's kind: the API answers each type with its status (400, 404, 409)."""
