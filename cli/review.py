"""The `--review` options of `paperclip task create` and `paperclip project add|set` (docs/review.md)."""

from typing import Annotated, Any

import typer

from cli.common import fail
from paperclip.vocabulary import MAX_REVIEW_CYCLES

ReviewOption = Annotated[
    str | None,
    typer.Option(help="Review before done: board, agent:<name> or role:<role> (docs/review.md)."),
]
CyclesOption = Annotated[
    int | None,
    typer.Option(
        "--review-cycles", min=1, max=MAX_REVIEW_CYCLES, help="Reviews at most before the task fails (default 3)."
    ),
]


def review_body(reviewer: str | None, cycles: int | None) -> dict[str, Any] | None:
    """The `review` of a request body, or None; a reviewer that is none of the three forms is one
    line on stderr and exit 1."""
    if reviewer is None:
        if cycles is not None:
            fail("--review-cycles goes with --review")
        return None
    from paperclip.models.review import check_reviewer  # the models only when a review is asked

    try:
        check_reviewer(reviewer)
    except ValueError as err:
        fail(str(err))
    return {"reviewer": reviewer} | ({"max_cycles": cycles} if cycles is not None else {})
