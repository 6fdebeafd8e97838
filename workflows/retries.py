"""The task workflow's own retries of a failed turn, so spend is counted across crashes.

Each attempt is one activity with a single try (`ONE_ATTEMPT`). A failed attempt the workflow
may retry waits on a durable timer — the provider's `retry-after` when it gave one, else an
exponential backoff — and asks its company for the budget again before the next attempt. An
attempt that timed out was lost with its worker: nobody knows whether the provider answered, so it
is charged at its worst case as *unconfirmed* (`LostAttempt`), and the next attempt reads in the
ledger what became of it (`SettledAttempt`): confirmed with what it spent, never sent, or still
unknown. Pure functions over the task's carried state: they run inside the workflow.
"""

from datetime import timedelta

from temporalio.common import RetryPolicy
from temporalio.exceptions import ActivityError, ApplicationError, FailureError, TimeoutError, TimeoutType

from paperclip.models import LostAttempt, SettledAttempt, TaskCarry, Unconfirmed, Usage, WorstCase

ONE_ATTEMPT = RetryPolicy(maximum_attempts=1)
"""Temporal does not retry a turn: the task workflow does, reserving each attempt's budget first."""
MODEL_ATTEMPTS = 10
"""Attempts of one model call on one model (retryable failures only: 429, 5xx, a lost worker)."""
CLI_ATTEMPTS = 3
"""Attempts of one CLI-agent turn (a failed run, a lost worker): each may cost a whole run."""
FIRST_DELAY = timedelta(seconds=1)
MAX_DELAY = timedelta(minutes=1)
"""Backoff between attempts: 1 s, doubling, at most a minute (Temporal's default shape)."""


def retryable(err: ActivityError) -> bool:
    """Whether another attempt may succeed: anything but an error marked final."""
    cause = err.cause
    return not (isinstance(cause, ApplicationError) and cause.non_retryable)


def lost(err: ActivityError) -> bool:
    """Whether the attempt timed out once started (its worker lost, or silent): its outcome is
    unknown. One no worker took (`unclaimed`) never ran."""
    return isinstance(err.cause, TimeoutError) and not unclaimed(err)


def unclaimed(err: ActivityError) -> bool:
    """Whether no worker took the attempt within its schedule-to-start timeout (set on a worker
    host's own queue only: that host is gone): it never ran, and spent nothing."""
    cause = err.cause
    return isinstance(cause, TimeoutError) and cause.type is TimeoutType.SCHEDULE_TO_START


def reason(err: ActivityError) -> str:
    cause = err.cause
    if unclaimed(err):
        return "no worker of the host that holds its session took it in time (the host is gone): it never ran"
    if isinstance(cause, TimeoutError):
        return "its worker was lost (no heartbeat): the call's outcome is unknown"
    if isinstance(cause, FailureError):
        return cause.message
    return str(cause) if cause is not None else str(err)


def delay(err: ActivityError, attempt: int) -> timedelta:
    """How long to wait before attempt `attempt + 1`: the provider's `retry-after`, else backoff."""
    cause = err.cause
    if isinstance(cause, ApplicationError) and cause.next_retry_delay is not None:
        return max(cause.next_retry_delay, timedelta(0))
    return min(FIRST_DELAY * 2 ** max(0, attempt - 1), MAX_DELAY)


def heartbeat_details(err: ActivityError) -> dict[str, object]:
    """What the failed attempt last said of itself (a CLI turn: its session id, pid and host)."""
    cause = err.cause
    details: list[object] = []
    if isinstance(cause, TimeoutError):
        details = list(cause.last_heartbeat_details)
    elif isinstance(cause, ApplicationError):
        details = list(cause.details)
    first = details[0] if details else None
    return first if isinstance(first, dict) else {}


def unconfirmed_of(worst: WorstCase) -> Unconfirmed:
    return Unconfirmed(attempts=1, tokens=worst.tokens, usd=worst.usd)


def charge_lost(carry: TaskCarry, model_index: int, worst: WorstCase) -> None:
    """The attempt in flight was lost: charge its worst case until a later attempt settles it."""
    carry.lost.append(LostAttempt(model_index=model_index, attempt=carry.attempt, worst=worst))
    carry.unconfirmed = carry.unconfirmed + unconfirmed_of(worst)


def settle(carry: TaskCarry, settled: list[SettledAttempt]) -> tuple[Usage, float]:
    """Take what the ledger says of the lost attempts: a confirmed one's worst case gives way to
    what it spent, one never sent costs nothing, an unknown one stays charged. Returns the usage
    and USD the confirmed ones add to the task's."""
    usage, usd = Usage(), 0.0
    for outcome in settled:
        charged = next(
            (a for a in carry.lost if (a.model_index, a.attempt) == (outcome.model_index, outcome.attempt)), None
        )
        if charged is None:
            continue
        carry.lost.remove(charged)
        if outcome.outcome == "unconfirmed":
            continue
        carry.unconfirmed = carry.unconfirmed - unconfirmed_of(charged.worst)
        if outcome.outcome == "confirmed":
            usage = usage + outcome.usage
            usd += outcome.cost_usd or 0.0
    return usage, usd


def unsettled(carry: TaskCarry) -> list[LostAttempt]:
    """Lost attempts of the current turn still waiting for a later attempt to read the ledger."""
    return list(carry.lost)
