"""What a pipeline document that does not validate is told: one problem per line, each with its
place in the YAML text."""

from pydantic import BaseModel

from paperclip.errors import InvalidInput


class PipelineProblem(BaseModel):
    """One problem in a pipeline document, where it is (1-based line and column of the value or
    key it is about; 0 when the text has no such place, e.g. an empty document)."""

    line: int
    column: int
    field: str
    """Where in the document's fields: `steps[2].input[1]`, `name`, or "" for the whole document."""
    message: str

    def __str__(self) -> str:
        at = f"line {self.line}, column {self.column}" if self.line else "(document)"
        return f"{at}: {self.field}: {self.message}" if self.field else f"{at}: {self.message}"


class PipelineInvalid(InvalidInput):
    """A pipeline document that does not parse or validate; `problems` holds every one found,
    in the order of the text."""

    def __init__(self, problems: list[PipelineProblem]) -> None:
        ordered = sorted(problems, key=lambda p: (p.line, p.column))
        count = f"{len(ordered)} problems" if len(ordered) != 1 else "1 problem"
        super().__init__(f"invalid pipeline ({count}): " + "; ".join(str(p) for p in ordered))
        self.problems = ordered
