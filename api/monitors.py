"""GitHub monitors as the API makes them: their checks, their schedules, and reviews started.

A polling monitor is a Temporal Schedule (`github-monitor:{company}:{name}`) that starts a
`GitHubPollWorkflow` every `every_seconds`, the first one at once; a webhook monitor is a hook
of the same name whose target is the monitor (`ReviewTarget`). Either way a head's review is a
`PullRequestReviewWorkflow` (`review_workflow_id`): starting one that runs already is fine.
"""

import asyncio
from datetime import timedelta
from typing import Any

from pydantic import ValidationError
from temporalio.client import (
    Client,
    Schedule,
    ScheduleActionStartWorkflow,
    ScheduleIntervalSpec,
    ScheduleOverlapPolicy,
    SchedulePolicy,
    ScheduleSpec,
    ScheduleState,
)
from temporalio.common import SearchAttributePair, TypedSearchAttributes
from temporalio.exceptions import WorkflowAlreadyStartedError
from temporalio.service import RPCError, RPCStatusCode

from api.deps import AppContext
from api.errors import ApiError
from paperclip.constants import POLL_WORKFLOW, REVIEW_WORKFLOW, SA_COMPANY, monitor_schedule_id, review_workflow_id
from paperclip.errors import InvalidInput
from paperclip.github.models import GitHubMonitor, GitHubMonitorSpec, PollInput, PullRef, ReviewInput
from paperclip.github.reviews import REVIEW_ACTIONS, check_pipeline
from paperclip.keyring import Keyring
from paperclip.keys import UrlError, display_url, normalise_url, url_allowed
from paperclip.models.webhooks import HookAnswer, ReviewTarget
from paperclip.pipelines import parse
from paperclip.settings import Settings
from paperclip.store import Store

POLL_TIMEOUT = timedelta(minutes=30)
"""A poll that has not ended by then is cut off (the next one starts afresh)."""


def _company(company_id: str) -> TypedSearchAttributes:
    return TypedSearchAttributes([SearchAttributePair(SA_COMPANY, company_id)])


async def start_review(client: Client, task_queue: str, review: ReviewInput) -> str:
    """Start the review of a head (or find it started); its workflow's id."""
    workflow_id = review_workflow_id(review.company_id, review.repo, review.pull.number, review.pull.head_sha)
    try:
        await client.start_workflow(
            REVIEW_WORKFLOW,
            review,
            id=workflow_id,
            task_queue=task_queue,
            search_attributes=_company(review.company_id),
        )
    except WorkflowAlreadyStartedError:
        pass  # the same head's review runs already
    return workflow_id


async def review_delivery(
    context: AppContext, company_id: str, target: ReviewTarget, delivery: str, values: dict[str, Any]
) -> HookAnswer:
    """A review hook's delivery (its inputs `REVIEW_INPUTS`): a `pull_request` opened, updated,
    reopened or ready for review, into the monitor's branch of its repository, starts the review
    of its head; any other is skipped."""
    monitor = await asyncio.to_thread(context.store.get_monitor, company_id, target.monitor)
    if monitor is None:
        raise ApiError(404, "not_found", f"company '{company_id}' has no monitor '{target.monitor}'")
    wanted = (
        values.get("event") == "pull_request"
        and values.get("action") in REVIEW_ACTIONS
        and values.get("draft") is not True
        and str(values.get("repo") or "").lower() == monitor.repo.lower()
        and values.get("base") == monitor.branch
    )
    if not wanted:
        return HookAnswer(delivery=delivery, skipped=True)
    try:
        pull = PullRef(number=values.get("number"), head_sha=values.get("head"))
    except ValidationError:
        raise ApiError(422, "invalid_input", "a pull_request delivery without its number and head sha") from None
    review = ReviewInput(company_id=company_id, monitor=monitor.name, repo=monitor.repo, pull=pull, source="webhook")
    workflow_id = await start_review(await context.temporal.get(), context.task_queue, review)
    return HookAnswer(delivery=delivery, review=workflow_id)


async def check_monitor(store: Store, settings: Settings, company_id: str, spec: GitHubMonitorSpec) -> str:
    """Refuse a monitor that could never review (422, naming what to do); its credential's name.

    The token is the named credential, else the one of the company's team (then the
    deployment's) bound to the API's URL. Its key is never opened here.
    """
    try:
        normalise_url(spec.api_url)
    except UrlError as err:
        raise ApiError(422, "invalid_input", f"api_url: {err}") from None
    found = await asyncio.to_thread(store.get_pipeline, company_id, spec.pipeline)
    if found is None:
        raise ApiError(
            422,
            "invalid_input",
            f"company '{company_id}' has no pipeline '{spec.pipeline}': add it first"
            f" (paperclip pipeline add {spec.pipeline} --company {company_id})",
        )
    try:
        check_pipeline(parse(found.content))
    except InvalidInput as err:
        raise ApiError(422, "invalid_input", err.message) from None
    team = await asyncio.to_thread(store.company_team, company_id)
    return await asyncio.to_thread(_credential, store, settings, team, spec)


def _credential(store: Store, settings: Settings, team: str | None, spec: GitHubMonitorSpec) -> str:
    where = display_url(normalise_url(spec.api_url))
    if spec.credential is not None:
        urls = Keyring(store, settings).bound_urls(team, spec.credential)
        if urls is None:
            raise ApiError(422, "invalid_input", f"credential '{spec.credential}' is not found")
        if not url_allowed(spec.api_url, urls):
            bound = " and ".join(display_url(u) for u in urls) or "no URL"
            raise ApiError(422, "invalid_input", f"credential '{spec.credential}' is bound to {bound}, not to {where}")
        return spec.credential
    owners = [team, None] if team is not None else [None]
    for owner in owners:  # the team's first, then the deployment's
        for credential in store.list_credentials([owner]):
            if credential.sealed is not None and url_allowed(spec.api_url, credential.urls):
                return credential.name
    raise ApiError(
        422,
        "invalid_input",
        f"no credential is bound to {where}: add the token with"
        f" `paperclip credential add NAME --url {spec.api_url}` (or name one with --credential)",
    )


async def create_schedule(client: Client, task_queue: str, monitor: GitHubMonitor) -> None:
    """The monitor's polls: every `every_seconds`, the first at once, never two at a time."""
    company, name = monitor.company_id, monitor.name
    schedule_id = monitor_schedule_id(company, name)
    schedule = Schedule(
        action=ScheduleActionStartWorkflow(
            POLL_WORKFLOW,
            PollInput(company_id=company, monitor=name),
            id=schedule_id.replace("github-monitor:", "github-poll:", 1),
            task_queue=task_queue,
            execution_timeout=POLL_TIMEOUT,
            typed_search_attributes=_company(company),
        ),
        spec=ScheduleSpec(intervals=[ScheduleIntervalSpec(every=timedelta(seconds=monitor.every_seconds))]),
        policy=SchedulePolicy(overlap=ScheduleOverlapPolicy.SKIP),
        state=ScheduleState(note=f"GitHub monitor {name} of {company}: {monitor.repo} into {monitor.branch}"),
    )
    await client.create_schedule(schedule_id, schedule, trigger_immediately=True, search_attributes=_company(company))


async def delete_schedule(client: Client, company_id: str, name: str) -> None:
    """Stop the monitor's polls (none: nothing to do)."""
    try:
        await client.get_schedule_handle(monitor_schedule_id(company_id, name)).delete()
    except RPCError as err:
        if err.status != RPCStatusCode.NOT_FOUND:
            raise
