"""The pull-request reviewer: a company's GitHub monitors and the reviews they made.

A monitor watches one repository's pull requests against one branch and runs a pipeline (the
company's `code-review` by default) on each new head commit, then posts the run's summary as a
review. It learns of pull requests by polling (a Temporal Schedule, `every_seconds`) or by
GitHub's `pull_request` deliveries to a hook it owns (`webhook`). Each (repository, pull request,
head commit) is reviewed once: the store keeps a `PullRequestReview` row per head, claimed before
the run starts.
"""

from datetime import datetime
from enum import StrEnum
from typing import Annotated, Literal

from pydantic import BaseModel, Field, StringConstraints

from paperclip.models.names import Slug
from paperclip.models.pipelines import PipelineRunInput

DEFAULT_API_URL = "https://api.github.com"
DEFAULT_PIPELINE = "code-review"
REPO_PATTERN = r"^[A-Za-z0-9](?:[A-Za-z0-9-]{0,38})/[A-Za-z0-9._-]{1,100}$"
"""`OWNER/NAME` as GitHub allows them (an owner is a user or organisation login)."""

Repo = Annotated[str, StringConstraints(pattern=REPO_PATTERN)]
Branch = Annotated[str, StringConstraints(pattern=r"^[^\s~^:?*\[\\]{1,255}$")]
Sha = Annotated[str, StringConstraints(pattern=r"^[0-9a-f]{40}$")]


class MonitorMode(StrEnum):
    POLL = "poll"
    """A Temporal Schedule lists the open pull requests every `every_seconds`."""
    WEBHOOK = "webhook"
    """GitHub's `pull_request` deliveries to the monitor's hook (same name) start the reviews."""


class GitHubMonitorSpec(BaseModel):
    """A monitor as created (`POST /api/companies/{c}/monitors`)."""

    name: Slug
    repo: Repo
    branch: Branch
    """The base branch: pull requests into it are reviewed."""
    pipeline: Slug = DEFAULT_PIPELINE
    api_url: str = Field(default=DEFAULT_API_URL, max_length=2_000)
    credential: str | None = Field(default=None, max_length=200)
    """The credential whose key is the token; None: the API picks the one bound to `api_url`."""
    mode: MonitorMode = MonitorMode.POLL
    every_seconds: int = Field(default=300, ge=60, le=86_400)


class GitHubMonitor(GitHubMonitorSpec):
    """A monitor as kept: its credential named."""

    company_id: str
    credential: str = Field(max_length=200)
    created_at: datetime
    hook_path: str | None = None
    """Where GitHub delivers (`/api/hooks/{company}/{name}`): a webhook monitor's."""


class MonitorCreated(GitHubMonitor):
    """The answer to a monitor's creation: a webhook monitor's hook secret, shown this once."""

    secret: str | None = None


class MonitorList(BaseModel):
    data: list[GitHubMonitor]
    count: int


class ReviewState(StrEnum):
    RUNNING = "running"
    """Claimed: its pipeline run is under way."""
    POSTED = "posted"
    FAILED = "failed"
    """The run or the post failed (`error` says why); nothing is posted for a failed run."""
    SUPERSEDED = "superseded"
    """The pull request had moved on to a newer head (or closed) when it was fetched."""


class PullRequestReview(BaseModel):
    """One head commit's review, as kept (one per company, repository, pull request and head)."""

    company_id: str
    monitor: str
    repo: str
    number: int
    head_sha: str
    run_id: str
    state: ReviewState = ReviewState.RUNNING
    review_id: int | None = None
    review_url: str | None = None
    error: str | None = None
    created_at: datetime
    updated_at: datetime


class ReviewList(BaseModel):
    data: list[PullRequestReview]
    count: int


# ---------------------------------------------------------------------- workflow vocabulary


class PullRef(BaseModel):
    """A pull request at one head commit."""

    number: int = Field(ge=1)
    head_sha: Sha


class ReviewInput(BaseModel):
    """`PullRequestReviewWorkflow`'s input: which head of which pull request, for which monitor."""

    company_id: str
    monitor: str
    repo: str
    pull: PullRef
    source: Literal["poll", "webhook"] = "poll"


class ReviewClaim(BaseModel):
    """What claiming a head answers: whether this review holds it, and the pipeline it pins."""

    claimed: bool
    reason: str = ""
    """Why not (a review of that head exists, the monitor is gone, its pipeline is missing)."""
    run: PipelineRunInput | None = None
    """The run to start (its inputs still to fill): the pipeline's version and digest pinned."""


class ClaimReviewInput(BaseModel):
    review: ReviewInput
    run_id: str


class FetchPullInput(BaseModel):
    review: ReviewInput


class PullChange(BaseModel):
    """A pull request's change as the reviewing steps get it (never a token)."""

    current: bool = True
    """False: the pull request is closed or at another head now; nothing else is filled."""
    diff: str = ""
    changed_files: str = ""
    """The changed paths, one a line."""


class PostReviewInput(BaseModel):
    review: ReviewInput
    body: str = Field(max_length=65_536)
    marker: str
    """A line in the body that names the run: a retried post finds the review it made."""


class PostedReview(BaseModel):
    review_id: int
    review_url: str | None = None


class SettleReviewInput(BaseModel):
    review: ReviewInput
    state: ReviewState
    review_id: int | None = None
    review_url: str | None = None
    error: str | None = None


class PollInput(BaseModel):
    """`GitHubPollWorkflow`'s input: one monitor's poll, started by its schedule."""

    company_id: str
    monitor: str


class PollResult(BaseModel):
    repo: str = ""
    pulls: list[PullRef] = Field(default_factory=list)
    """The open pull requests into the branch whose head has no review yet."""
    started: int = 0


class SummaryInput(BaseModel):
    company_id: str
    task: str
    """The identifier of the final step's task (its `output_ref`, `task:<id>`)."""


class ReviewResult(BaseModel):
    """How a review workflow ended: None for a head it did not claim (`note` says why)."""

    state: ReviewState | None = None
    run_id: str
    review_id: int | None = None
    review_url: str | None = None
    note: str = ""
