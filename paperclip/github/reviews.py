"""What a review of a pull request's head is made of, decided without I/O (workflows use it)."""

import hashlib
from typing import Any

from paperclip.errors import InvalidInput
from paperclip.github.models import PullChange, ReviewInput
from paperclip.models.pipelines import PipelineSpec

DIFF_INPUT = "git_diff"
FILES_INPUT = "changed_files"
BODY_LIMIT = 60_000
"""Characters of a summary posted at most (GitHub takes 65,536 in a review's body)."""
REVIEW_ACTIONS = ("opened", "synchronize", "reopened", "ready_for_review")
"""The `pull_request` actions that ask for a review of the head."""
REVIEW_INPUTS = {
    "event": "event",
    "action": "body.action",
    "repo": "body.repository.full_name",
    "number": "body.number",
    "head": "body.pull_request.head.sha",
    "base": "body.pull_request.base.ref",
    "draft": "body.pull_request.draft",
}
"""A review hook's inputs: what its target reads of a `pull_request` delivery."""


def review_run_id(review: ReviewInput) -> str:
    """The pipeline run of a head's review: the same head, the same run id."""
    key = f"{review.company_id}:{review.repo.lower()}:{review.pull.number}:{review.pull.head_sha}"
    return hashlib.sha256(key.encode()).hexdigest()[:16]


def marker(run_id: str) -> str:
    """The line a posted review ends with: a retried post finds the review it made by it."""
    return f"<!-- paperclip review run {run_id} -->"


def review_body(summary: str, run_id: str) -> str:
    text = summary.strip()
    if len(text) > BODY_LIMIT:
        text = text[:BODY_LIMIT] + "\n\n[the summary was cut here]"
    return f"{text}\n\n{marker(run_id)}"


def check_pipeline(spec: PipelineSpec) -> None:
    """Refuse a pipeline the reviewer cannot give its change to.

    Raises:
        InvalidInput: it declares no `git_diff` input, or requires one the reviewer does not give.
    """
    names = {i.name for i in spec.inputs}
    if DIFF_INPUT not in names:
        raise InvalidInput(f"pipeline {spec.name} takes no '{DIFF_INPUT}' input: a reviewer gives it the diff")
    needed = sorted(
        i.name for i in spec.inputs if i.required and i.default is None and i.name not in (DIFF_INPUT, FILES_INPUT)
    )
    if needed:
        raise InvalidInput(f"pipeline {spec.name} requires inputs a reviewer does not give: {', '.join(needed)}")


def review_inputs(spec: PipelineSpec, change: PullChange) -> dict[str, Any]:
    """The run's inputs: the diff, and the changed files when the pipeline takes them."""
    inputs: dict[str, Any] = {DIFF_INPUT: change.diff}
    if any(i.name == FILES_INPUT for i in spec.inputs):
        inputs[FILES_INPUT] = change.changed_files
    return inputs
