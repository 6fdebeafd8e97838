"""The pull-request reviewer's workflows: one head's review, and one poll of a monitor.

`PullRequestReviewWorkflow` (`review:{company}:{repo}#{number}@{sha}`, one per head, so Temporal
dedupes a poll and a delivery racing) claims the head in the store (taken already: it ends),
fetches the diff and the changed files (the activity holds the token; the workflow sees only the
change), runs the monitor's pipeline on them as a child (`pipeline:{company}:{run}`, as the API
starts runs: the pipeline's version and digest pinned at the claim), reads the final step's
output from the store (its task's result) and posts it as the pull request's review, then writes
how it ended. The reviewing steps are the company's agents: they get the diff as an input of the
run and nothing of GitHub; only the `post_review` activity, ours and deterministic, writes.

A failed run posts nothing (the review row says why: `paperclip monitor list` and the API show
it); a head the pull request moved on from before it was fetched is `superseded`.

`GitHubPollWorkflow`, started by a monitor's schedule, lists the open pull requests into the
branch whose head has no review row and starts a review of each (abandoned children: they
outlive the poll; one already running is fine).
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy, SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import ActivityError, ApplicationError, WorkflowAlreadyStartedError
from temporalio.workflow import ParentClosePolicy

with workflow.unsafe.imports_passed_through():
    from paperclip.constants import (
        PIPELINE_WORKFLOW,
        POLL_WORKFLOW,
        REVIEW_WORKFLOW,
        SA_COMPANY,
        Activity,
        pipeline_workflow_id,
        review_workflow_id,
    )
    from paperclip.errors import InvalidInput
    from paperclip.github.models import (
        ClaimReviewInput,
        FetchPullInput,
        PollInput,
        PollResult,
        PostedReview,
        PostReviewInput,
        PullChange,
        ReviewClaim,
        ReviewInput,
        ReviewResult,
        ReviewState,
        SettleReviewInput,
        SummaryInput,
    )
    from paperclip.github.reviews import marker, review_body, review_inputs, review_run_id
    from paperclip.models.pipelines import PipelineRunState, RunStatus, StepStatus
    from paperclip.pipeline_runs import run_inputs

STORE_CALL = timedelta(seconds=30)
GITHUB_CALL = timedelta(minutes=2)
GITHUB_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=2), maximum_interval=timedelta(minutes=1), maximum_attempts=6
)
"""GitHub down or rate limiting: a few tries over a few minutes, then the review fails (a wrong
token or a missing repository fails at once: non-retryable)."""
SUMMARY_RETRY = RetryPolicy(
    initial_interval=timedelta(seconds=1), maximum_interval=timedelta(seconds=10), maximum_attempts=20
)
"""The company records a task's result in a batch shortly after the run hears it ended."""
MEMO_PIPELINE = "pipeline"
"""The run's pipeline, in its memo, as `api.pipeline_runs` lists a pipeline's runs by it."""


def _error(err: ActivityError) -> str:
    cause = err.cause
    return str(cause.message if isinstance(cause, ApplicationError) else cause or err)


def _company_attributes(company_id: str) -> TypedSearchAttributes | None:
    """The company's search attribute for a child, when this workflow was given one (a server
    without our attributes has none)."""
    if workflow.info().typed_search_attributes.get(SA_COMPANY) is None:
        return None
    return TypedSearchAttributes([SearchAttributePair(SA_COMPANY, company_id)])


@workflow.defn(name=REVIEW_WORKFLOW)
class PullRequestReviewWorkflow:
    """One head of a pull request reviewed (see the module docstring)."""

    @workflow.run
    async def run(self, input: ReviewInput) -> ReviewResult:
        run_id = review_run_id(input)
        claim = await workflow.execute_activity(
            Activity.CLAIM_REVIEW,
            ClaimReviewInput(review=input, run_id=run_id),
            result_type=ReviewClaim,
            start_to_close_timeout=STORE_CALL,
        )
        if not claim.claimed or claim.run is None:
            return ReviewResult(run_id=run_id, note=claim.reason)
        try:
            change = await workflow.execute_activity(
                Activity.FETCH_PULL_REQUEST,
                FetchPullInput(review=input),
                result_type=PullChange,
                start_to_close_timeout=GITHUB_CALL,
                retry_policy=GITHUB_RETRY,
            )
        except ActivityError as err:
            return await self._settle(input, run_id, ReviewState.FAILED, error=f"fetching the change: {_error(err)}")
        if not change.current:
            note = "the pull request is closed or at another head now"
            return await self._settle(input, run_id, ReviewState.SUPERSEDED, error=note)
        spec = claim.run.spec
        try:
            values = run_inputs(spec, review_inputs(spec, change))
        except InvalidInput as err:
            return await self._settle(input, run_id, ReviewState.FAILED, error=err.message)
        run = claim.run.model_copy(update={"inputs": values, "started_at": workflow.now()})
        state = await workflow.execute_child_workflow(
            PIPELINE_WORKFLOW,
            run,
            id=pipeline_workflow_id(input.company_id, run_id),
            result_type=PipelineRunState,
            parent_close_policy=ParentClosePolicy.ABANDON,
            memo={MEMO_PIPELINE: spec.name},
            search_attributes=_company_attributes(input.company_id),
        )
        final = state.steps[-1] if state.steps else None
        if state.status is not RunStatus.DONE or final is None or final.status is not StepStatus.DONE:
            why = state.error or f"its final step is {final.status if final else 'missing'}"
            return await self._settle(input, run_id, ReviewState.FAILED, error=f"run {run_id} {state.status}: {why}")
        if final.output_ref is None or not final.output_ref.startswith("task:"):
            return await self._settle(input, run_id, ReviewState.FAILED, error="the final step left no output")
        try:
            summary = await workflow.execute_activity(
                Activity.REVIEW_SUMMARY,
                SummaryInput(company_id=input.company_id, task=final.output_ref.removeprefix("task:")),
                result_type=str,
                start_to_close_timeout=STORE_CALL,
                retry_policy=SUMMARY_RETRY,
            )
            posted = await workflow.execute_activity(
                Activity.POST_REVIEW,
                PostReviewInput(review=input, body=review_body(summary, run_id), marker=marker(run_id)),
                result_type=PostedReview,
                start_to_close_timeout=GITHUB_CALL,
                retry_policy=GITHUB_RETRY,
            )
        except ActivityError as err:
            return await self._settle(input, run_id, ReviewState.FAILED, error=f"posting the review: {_error(err)}")
        return await self._settle(
            input, run_id, ReviewState.POSTED, review_id=posted.review_id, review_url=posted.review_url
        )

    async def _settle(
        self,
        review: ReviewInput,
        run_id: str,
        state: ReviewState,
        *,
        error: str | None = None,
        review_id: int | None = None,
        review_url: str | None = None,
    ) -> ReviewResult:
        settled = SettleReviewInput(review=review, state=state, error=error, review_id=review_id, review_url=review_url)
        await workflow.execute_activity(Activity.SETTLE_REVIEW, settled, start_to_close_timeout=STORE_CALL)
        return ReviewResult(state=state, run_id=run_id, review_id=review_id, review_url=review_url, note=error or "")


@workflow.defn(name=POLL_WORKFLOW)
class GitHubPollWorkflow:
    """One poll of a monitor (see the module docstring)."""

    @workflow.run
    async def run(self, input: PollInput) -> PollResult:
        found = await workflow.execute_activity(
            Activity.OPEN_PULLS,
            input,
            result_type=PollResult,
            start_to_close_timeout=GITHUB_CALL,
            retry_policy=GITHUB_RETRY,
        )
        started = 0
        for pull in found.pulls:
            review = ReviewInput(
                company_id=input.company_id, monitor=input.monitor, repo=found.repo, pull=pull, source="poll"
            )
            try:
                await workflow.start_child_workflow(
                    REVIEW_WORKFLOW,
                    review,
                    id=review_workflow_id(input.company_id, found.repo, pull.number, pull.head_sha),
                    parent_close_policy=ParentClosePolicy.ABANDON,
                    search_attributes=_company_attributes(input.company_id),
                )
                started += 1
            except WorkflowAlreadyStartedError:
                pass  # a delivery (or an earlier poll) started it: that review goes on
        return found.model_copy(update={"started": started})
