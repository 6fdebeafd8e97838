"""The reviewer's work products: a posted review's link, kept on the tasks it belongs to.

A review is the product of the run's final step's task (the summary it posted), and it belongs
to the task that opened the pull request, if a task of the company did (its `create_pull_request`
recorded the pull request's URL). Both are found in the store; neither may be there (a run not
recorded yet, a pull request a person opened): then there is nothing to keep it on.
"""

from paperclip.github.models import SettleReviewInput
from paperclip.github.reviews import review_run_id
from paperclip.models.work_products import DeclaredProduct, WorkProductKind
from paperclip.store import Store

REVIEWER = "reviewer"
"""`recorded_by` of a review's link."""
PULLS_SEARCHED = 1_000
"""The company's newest pull-request products searched for the reviewed one."""


def review_tasks(store: Store, input: SettleReviewInput) -> list[str]:
    """The reviewing run's final task, then the tasks that opened the reviewed pull request."""
    review = input.review
    tasks: list[str] = []
    run = store.get_pipeline_run(review.company_id, review_run_id(review))
    if run is not None and run.state.steps and run.state.steps[-1].task:
        tasks.append(run.state.steps[-1].task)
    suffix = f"/{review.repo.lower()}/pull/{review.pull.number}"
    for product in store.list_work_products(review.company_id, kind=WorkProductKind.PULL_REQUEST, limit=PULLS_SEARCHED):
        if product.value.lower().rstrip("/").endswith(suffix) and product.task not in tasks:
            tasks.append(product.task)
    return tasks


def record_review(store: Store, input: SettleReviewInput) -> int:
    """Keep a posted review's link on its tasks (once each); answers how many were new."""
    if input.review_url is None:
        return 0
    review = input.review
    try:
        link = DeclaredProduct(
            kind=WorkProductKind.URL,
            value=input.review_url,
            title=f"Review of {review.repo}#{review.pull.number} at {review.pull.head_sha[:7]}",
        )
    except ValueError:
        return 0  # not a web link: nothing to show
    return sum(
        store.record_work_products(
            review.company_id, task, [link], recorded_by=REVIEWER, actor=f"monitor:{review.monitor}"
        )
        for task in review_tasks(store, input)
    )
