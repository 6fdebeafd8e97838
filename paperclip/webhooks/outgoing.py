"""What a company's webhook subscriptions are told, and how it reads: which activity-log entries
are events (`notification_of`), and a delivery's body as JSON or as Slack text (`body`).
"""

import json
from datetime import datetime

from paperclip.models.pipelines import PipelineRunState
from paperclip.models.records import ActivityEntry
from paperclip.models.webhooks import Notification, PipelineNotice, WebhookEvent, WebhookFormat
from paperclip.vocabulary import TaskStatus

_EVENTS = {"approval.requested": WebhookEvent.APPROVAL_PENDING, "budget.exhausted": WebhookEvent.BUDGET_INCIDENT}
_TITLES = {
    WebhookEvent.APPROVAL_PENDING: "approval pending",
    WebhookEvent.BUDGET_INCIDENT: "budget incident",
    WebhookEvent.TASK_FAILED: "task failed",
    WebhookEvent.PIPELINE_FINISHED: "pipeline finished",
}


def notification_of(entry: ActivityEntry, task_status: TaskStatus | None) -> Notification | None:
    """The event an activity-log entry is, if any: an approval asked for, a budget that stopped its
    scope, a task that ended `failed` (`task_status`: the entry's task's status now)."""
    event = _EVENTS.get(entry.kind)
    if entry.kind == "task.finished" and task_status is TaskStatus.FAILED:
        event = WebhookEvent.TASK_FAILED
    if event is None:
        return None
    return Notification(
        id=entry.id,
        event=event,
        company_id=entry.company_id,
        at=entry.at,
        summary=entry.summary,
        task=entry.task,
        agent=entry.agent,
    )


def pipeline_notification(state: PipelineRunState, at: datetime) -> Notification:
    """The `pipeline.finished` event of a run that ended (its id names the run: one per run)."""
    company, run = state.company_id, state.run_id
    notice = PipelineNotice(
        pipeline=state.pipeline,
        run_id=run,
        status=state.status.value,
        error=state.error,
        tokens=state.tokens,
        cost_usd=state.cost_usd,
        link=f"/api/companies/{company}/pipeline-runs/{run}",
    )
    why = f": {state.error[:300]}" if state.error else ""
    return Notification(
        id=f"pipeline:{company}:{run}:finished",
        event=WebhookEvent.PIPELINE_FINISHED,
        company_id=company,
        at=at,
        summary=f"{state.pipeline} run {run} {state.status.value} (${state.cost_usd:.4f}){why}",
        pipeline=notice,
    )


def _slack_escape(text: str) -> str:
    # Slack reads &, < and > as markup (links, mentions): https://api.slack.com/reference/surfaces/formatting
    return text.replace("&", "&amp;").replace("<", "&lt;").replace(">", "&gt;")


def slack_text(notification: Notification) -> str:
    """One line for a Slack channel: `[acme] task failed: ACME-3 failed: …`."""
    return _slack_escape(f"[{notification.company_id}] {_TITLES[notification.event]}: {notification.summary}")


def body(notification: Notification, format: WebhookFormat) -> bytes:
    """What a subscription of `format` is sent (the bytes its signature covers)."""
    if format is WebhookFormat.SLACK:
        return json.dumps({"text": slack_text(notification)}).encode()
    # Other events' bodies stay as they were before pipelines had one.
    return notification.model_dump_json(exclude={"pipeline"} if notification.pipeline is None else None).encode()
