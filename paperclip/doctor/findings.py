"""What one check of `paperclip doctor` found."""

from collections.abc import Iterable
from enum import StrEnum

from pydantic import BaseModel


class Status(StrEnum):
    OK = "ok"
    INFO = "info"
    """Worth knowing, never a problem (which CLI agents this host can run)."""
    WARN = "warn"
    """Probably a mistake, but the stack runs (no provider key anywhere)."""
    FAIL = "fail"
    """The stack will not work until it is fixed; `paperclip doctor` exits 1."""


class Finding(BaseModel):
    """One line of the doctor's report.

    Attributes:
        check: what was checked (`temporal`, `search-attributes`, `migrations`, …).
        status: how it went.
        detail: what was found, one sentence.
        fix: for `warn` and `fail`, what to do: a command to run or a setting to change.
    """

    check: str
    status: Status
    detail: str
    fix: str | None = None


def failed(findings: Iterable[Finding]) -> bool:
    """Whether any finding is a failure (the doctor's exit code is then 1)."""
    return any(f.status is Status.FAIL for f in findings)
