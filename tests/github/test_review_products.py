"""A posted review's link becomes a work product of its reviewing run's final task and of the task
that opened the pull request (found by the URL its `create_pull_request` recorded), once however
often `settle_review` runs; a failed review, or one with no task to keep it on, keeps nothing."""

from pathlib import Path

from temporalio.testing import ActivityEnvironment

from activities.github import GitHubActivities
from paperclip.github.models import PullRef, ReviewInput, ReviewState, SettleReviewInput
from paperclip.github.reviews import review_run_id
from paperclip.models.pipelines import PipelineRunState, RunStatus, StepState, StepStatus
from paperclip.models.work_products import DeclaredProduct, WorkProductKind
from paperclip.store import Store
from tests.store.factories import T0

SHA = "6dcb09b5b57875f334f61aebed695e2e4193db5e"
REVIEW = ReviewInput(company_id="acme", monitor="myapp", repo="MyOrg/MyApp", pull=PullRef(number=7, head_sha=SHA))
URL = "https://github.com/myorg/myapp/pull/7#pullrequestreview-80000001"


def store_at(tmp_path: Path) -> Store:
    store = Store(f"sqlite:///{tmp_path / 'paperclip.db'}")
    store.migrate()
    return store


async def settle(store: Store, state: ReviewState, url: str | None = URL) -> None:
    store.claim_review("acme", "myapp", REVIEW.repo, 7, SHA, review_run_id(REVIEW))
    acts = GitHubActivities(store, lambda company, name: None)
    await ActivityEnvironment().run(acts.settle_review, SettleReviewInput(review=REVIEW, state=state, review_url=url))


async def test_the_link_is_kept_on_the_final_task_and_the_pull_requests_task_once(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    steps = [StepState(id="lint", task="ACME-3", status=StepStatus.DONE), StepState(id="sum", task="ACME-4")]
    run = PipelineRunState(
        company_id="acme", run_id=review_run_id(REVIEW), pipeline="code-review", version=1, status=RunStatus.DONE
    )
    store.record_pipeline_run(run.model_copy(update={"steps": steps}), digest="d" * 64, inputs={}, started_at=T0)
    pull = DeclaredProduct(kind=WorkProductKind.PULL_REQUEST, value="https://github.com/MyOrg/MyApp/pull/7")
    store.record_work_products("acme", "ACME-1", [pull], recorded_by="create_pull_request", actor="dev")
    other = DeclaredProduct(kind=WorkProductKind.PULL_REQUEST, value="https://github.com/myorg/myapp/pull/70")
    store.record_work_products("acme", "ACME-2", [other], recorded_by="create_pull_request", actor="dev")
    for _ in range(2):  # a retried activity
        await settle(store, ReviewState.POSTED)
    links = store.list_work_products("acme", kind=WorkProductKind.URL)
    assert sorted((p.task, p.value, p.recorded_by) for p in links) == [
        ("ACME-1", URL, "reviewer"),
        ("ACME-4", URL, "reviewer"),
    ]
    assert links[0].title == "Review of MyOrg/MyApp#7 at 6dcb09b"
    review = store.get_review("acme", REVIEW.repo, 7, SHA)
    assert review is not None and review.state is ReviewState.POSTED and review.review_url == URL


async def test_a_failed_review_or_one_without_a_task_keeps_nothing(tmp_path: Path) -> None:
    store = store_at(tmp_path)
    await settle(store, ReviewState.FAILED, None)
    await settle(store, ReviewState.POSTED)  # no run recorded, no task opened the pull request
    assert store.list_work_products("acme") == []
