"""What a company's webhook subscriptions are told, and how it reads: which activity-log entries
are events (`notification_of`), and a delivery's body as JSON or as Slack text (`body`).
"""

import json

from paperclip.models.enums import TaskStatus
from paperclip.models.records import ActivityEntry
from paperclip.models.webhooks import Notification, WebhookEvent, WebhookFormat

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
    return notification.model_dump_json().encode()
