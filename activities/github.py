"""The pull-request reviewer's activities: its store rows, and its calls to GitHub.

Only these hold the token: each resolves the monitor's credential on the worker (`Keyring`),
sends it only under the URL the credential is bound to (`GitHubClient` checks every request,
pagination's too) and returns what GitHub answered, never the key. The reviewing steps (agents)
get the diff through the pipeline's inputs and nothing else of GitHub.
"""

import asyncio
from collections.abc import Callable
from typing import Any

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.review_products import record_review
from paperclip.constants import Activity
from paperclip.errors import InvalidInput
from paperclip.github import GitHubClient, GitHubError, truncate_diff
from paperclip.github.models import (
    ClaimReviewInput,
    FetchPullInput,
    GitHubMonitor,
    PollInput,
    PollResult,
    PostedReview,
    PostReviewInput,
    PullChange,
    PullRef,
    ReviewClaim,
    ReviewState,
    SettleReviewInput,
    SummaryInput,
)
from paperclip.github.reviews import check_pipeline
from paperclip.keys import BoundKey, not_bound_message
from paperclip.models import TaskStatus
from paperclip.models.pipelines import PipelineRunInput
from paperclip.pipeline_runs import named
from paperclip.pipelines import parse
from paperclip.store import Store

GITHUB_FAILED = "GitHubFailed"
NOT_RECORDED = "NotRecordedYet"


def _github_failure(err: GitHubError) -> ApplicationError:
    return ApplicationError(str(err), type=GITHUB_FAILED, non_retryable=not err.retryable)


class GitHubActivities:
    """Register the bound methods on the workflow queue's worker.

    Args:
        store: the monitors, reviews, pipelines and tasks.
        keys: a company's credential by name (the worker's `Keyring`).
    """

    def __init__(self, store: Store, keys: Callable[[str, str], BoundKey | None]) -> None:
        self._store = store
        self._keys = keys

    async def _monitor(self, company_id: str, name: str) -> GitHubMonitor:
        monitor = await asyncio.to_thread(self._store.get_monitor, company_id, name)
        if monitor is None:
            raise ApplicationError(f"company {company_id} has no monitor '{name}'", type="NotFound", non_retryable=True)
        return monitor

    async def _client(self, review_company: str, monitor: GitHubMonitor) -> GitHubClient:
        key = await asyncio.to_thread(self._keys, review_company, monitor.credential)
        if key is None or not key.secret:
            raise ApplicationError(
                f"credential '{monitor.credential}' is not found", type="NotFound", non_retryable=True
            )
        if not key.allows(monitor.api_url):
            message = not_bound_message(monitor.credential, key.urls, monitor.api_url, "GitHub's API")
            raise ApplicationError(message, type="NotBound", non_retryable=True)
        return GitHubClient(monitor.api_url, key, monitor.repo)

    @activity.defn(name=Activity.CLAIM_REVIEW)
    async def claim_review(self, input: ClaimReviewInput) -> ReviewClaim:
        """Claim the head for this review and pin the monitor's pipeline (its latest version)."""
        return await asyncio.to_thread(self._claim, input)

    def _claim(self, input: ClaimReviewInput) -> ReviewClaim:
        review, store = input.review, self._store
        monitor = store.get_monitor(review.company_id, review.monitor)
        if monitor is None:
            return ReviewClaim(claimed=False, reason=f"monitor '{review.monitor}' is gone")
        claimed, row = store.claim_review(
            review.company_id, review.monitor, review.repo, review.pull.number, review.pull.head_sha, input.run_id
        )
        if not claimed or row.state is not ReviewState.RUNNING:
            return ReviewClaim(claimed=False, reason=f"this head was reviewed by run {row.run_id} ({row.state})")
        found = store.get_pipeline(review.company_id, monitor.pipeline)
        try:
            if found is None:
                raise InvalidInput(f"company {review.company_id} has no pipeline '{monitor.pipeline}'")
            spec = named(parse(found.content))
            check_pipeline(spec)
        except InvalidInput as err:
            store.settle_review(
                review.company_id,
                review.repo,
                review.pull.number,
                review.pull.head_sha,
                ReviewState.FAILED,
                error=err.message,
            )
            return ReviewClaim(claimed=False, reason=err.message)
        run = PipelineRunInput(
            company_id=review.company_id,
            run_id=input.run_id,
            pipeline=spec.name,
            version=found.version,
            digest=found.digest,
            spec=spec,
            started_by=f"monitor:{review.monitor}",
        )
        return ReviewClaim(claimed=True, run=run)

    @activity.defn(name=Activity.FETCH_PULL_REQUEST)
    async def fetch_pull_request(self, input: FetchPullInput) -> PullChange:
        """The pull request's diff (cut to a bound, with a note) and changed files, when it is
        still open at the head under review."""
        review = input.review
        monitor = await self._monitor(review.company_id, review.monitor)
        try:
            async with await self._client(review.company_id, monitor) as github:
                pull = await github.pull(review.pull.number)
                head = (pull.get("head") or {}).get("sha")
                if pull.get("state") != "open" or head != review.pull.head_sha:
                    return PullChange(current=False)
                diff = await github.pull_diff(review.pull.number)
                files = await github.pull_files(review.pull.number)
        except GitHubError as err:
            raise _github_failure(err) from None
        return PullChange(diff=truncate_diff(diff), changed_files="\n".join(files))

    @activity.defn(name=Activity.REVIEW_SUMMARY)
    async def review_summary(self, input: SummaryInput) -> str:
        """The final step's task's result, once the company has recorded it (retried until then)."""
        record = await asyncio.to_thread(self._store.get_task, input.company_id, input.task)
        if record is None or record.status is not TaskStatus.DONE or record.result is None:
            status = "no record" if record is None else f"{record.status}"
            raise ApplicationError(f"task {input.task} is not recorded as done yet ({status})", type=NOT_RECORDED)
        return record.result

    @activity.defn(name=Activity.POST_REVIEW)
    async def post_review(self, input: PostReviewInput) -> PostedReview:
        """Post the review (event COMMENT on the head); a retry finds the one it made by its marker."""
        review = input.review
        monitor = await self._monitor(review.company_id, review.monitor)
        try:
            async with await self._client(review.company_id, monitor) as github:
                for made in await github.reviews(review.pull.number):
                    if made.get("commit_id") == review.pull.head_sha and input.marker in str(made.get("body") or ""):
                        return _posted(made)
                made = await github.create_review(review.pull.number, body=input.body, commit_id=review.pull.head_sha)
        except GitHubError as err:
            raise _github_failure(err) from None
        return _posted(made)

    @activity.defn(name=Activity.SETTLE_REVIEW)
    async def settle_review(self, input: SettleReviewInput) -> None:
        """Write how the review ended; a posted one's link becomes a work product of its tasks
        (`activities.review_products`). Idempotent, so safe to retry."""
        review = input.review
        await asyncio.to_thread(
            self._store.settle_review,
            review.company_id,
            review.repo,
            review.pull.number,
            review.pull.head_sha,
            input.state,
            review_id=input.review_id,
            review_url=input.review_url,
            error=input.error,
        )
        if input.state is ReviewState.POSTED:
            await asyncio.to_thread(record_review, self._store, input)

    @activity.defn(name=Activity.OPEN_PULLS)
    async def open_pulls(self, input: PollInput) -> PollResult:
        """The monitor's open pull requests into its branch (drafts aside) with no review of their head."""
        monitor = await self._monitor(input.company_id, input.monitor)
        try:
            async with await self._client(input.company_id, monitor) as github:
                pulls = await github.open_pulls(monitor.branch)
        except GitHubError as err:
            raise _github_failure(err) from None
        found = [
            PullRef(number=int(p["number"]), head_sha=str(p["head"]["sha"]))
            for p in pulls
            if not p.get("draft") and (p.get("base") or {}).get("ref") == monitor.branch
        ]
        seen = await asyncio.to_thread(
            self._store.reviewed_heads, input.company_id, monitor.repo, [p.number for p in found]
        )
        fresh = [p for p in found if (p.number, p.head_sha) not in seen]
        return PollResult(repo=monitor.repo, pulls=fresh)


def _posted(made: dict[str, Any]) -> PostedReview:
    return PostedReview(review_id=int(made["id"]), review_url=made.get("html_url"))
