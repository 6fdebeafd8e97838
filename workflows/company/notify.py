"""The company's events told to its webhook subscriptions, part of `CompanyWorkflow`.

The activity log decides what is an event (`paperclip.webhooks.outgoing.notification_of`: an
approval asked for, a budget that stopped its scope, a task that failed), so every place the
company learns of one is covered by the one line it logs. Each pass of the loop hands the events
gathered since to the `notify` activity, which reads the subscriptions, signs and sends; the loop
does not wait for it. Temporal retries it (5xx, no answer) for up to an hour, at most
`MAX_NOTIFYING` at once; events that are not known to be sent when the run continues as new
(waiting, or in an activity still retrying) are carried to the next run and sent again — a
subscriber may see an event twice, and tells by `X-Paperclip-Delivery`. Behind the
`outgoing-webhooks` patch.
"""

from datetime import timedelta

from temporalio import workflow
from temporalio.common import RetryPolicy

with workflow.unsafe.imports_passed_through():
    from paperclip.constants import Activity
    from paperclip.models.webhooks import Notification, NotifyInput, NotifyResult
    from workflows.company.core import CompanyCore
    from workflows.patches import OUTGOING_WEBHOOKS

MAX_NOTIFYING = 20
"""`notify` activities in flight at most (each is a pending activity of the company, which
Temporal caps at 2,000); more events wait for one of them to end."""
NOTIFY_BATCH = 20
"""Events one activity sends at most."""
NOTIFY_RETRIES = RetryPolicy(initial_interval=timedelta(seconds=1), maximum_interval=timedelta(minutes=5))
"""A subscriber that is down is tried again with a backoff up to five minutes apart (the
default's 100 s is short for a receiver being redeployed)."""
NOTIFY_GIVE_UP = timedelta(hours=1)
MAX_WAITING = 500
"""Events kept waiting at most (the oldest dropped first, with a warning): they are workflow
state, carried across continue-as-new, so a subscriber down for long, or workers that do not run
`notify`, must not grow the company's state without bound."""


class NotifyPart(CompanyCore):
    """The events of `CompanyWorkflow` sent to its webhook subscriptions (see the module docstring)."""

    def _notify(self) -> None:
        """Start `notify` for the events gathered since the last pass (not waited for)."""
        if not self._to_notify or not workflow.patched(OUTGOING_WEBHOOKS):
            self._to_notify = []  # a run from before webhooks: nothing was sent
            return
        if len(self._to_notify) > MAX_WAITING:
            dropped = len(self._to_notify) - MAX_WAITING
            workflow.logger.warning("%d webhook notifications dropped: %d more wait to be sent", dropped, MAX_WAITING)
            self._to_notify = self._to_notify[dropped:]
        self._notifying = [(handle, sent) for handle, sent in self._notifying if not handle.done()]
        while self._to_notify and len(self._notifying) < MAX_NOTIFYING:
            batch, self._to_notify = self._to_notify[:NOTIFY_BATCH], self._to_notify[NOTIFY_BATCH:]
            sent = NotifyInput(company_id=self.state.spec.id, notifications=batch)
            handle = workflow.start_activity(
                Activity.NOTIFY,
                sent,
                result_type=NotifyResult,
                start_to_close_timeout=timedelta(minutes=5),
                schedule_to_close_timeout=NOTIFY_GIVE_UP,
                retry_policy=NOTIFY_RETRIES,
            )
            handle.add_done_callback(_given_up)
            self._notifying.append((handle, sent))

    def _unsent_notifications(self) -> list[Notification]:
        """The events not known to be sent, for the next run: those of activities in flight and
        those waiting (none in a run from before webhooks)."""
        in_flight = [n for handle, sent in self._notifying if not handle.done() for n in sent.notifications]
        unsent = (in_flight + self._to_notify)[-MAX_WAITING:]
        return unsent if unsent and workflow.patched(OUTGOING_WEBHOOKS) else []


def _given_up(handle: "workflow.ActivityHandle[NotifyResult]") -> None:
    """Say so when the retries of a `notify` ran out (the company goes on either way)."""
    if not handle.cancelled() and handle.exception() is not None:
        workflow.logger.warning("webhook notifications given up: %s", handle.exception())
