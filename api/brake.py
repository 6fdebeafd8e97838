"""The emergency brake: pause every company of the caller's scope at once, and lift it.

`POST /api/pause-all` sends each company the validated `pause_company` update, marked as the
brake's (`CompanyActionInput.brake`): nothing is dispatched and every task holds before its next
turn. `POST /api/resume-all` sends `resume_company` with the same mark, which the company
accepts only if the brake paused it: a company paused by hand or for its budget stays paused.
The board's scope is every company; an owner's, the companies of the teams it owns.

Companies are reached concurrently (`CONCURRENCY` at a time), each call bounded like any other
(`api.temporal_bounds`): one without an answer is reported `unknown` (the change may still apply).
"""

import asyncio
from typing import Literal

from fastapi import Request
from pydantic import BaseModel, Field
from temporalio.client import Client
from temporalio.exceptions import TemporalError

from api.errors import ApiError, temporal_error_to_api
from api.governance import company_action
from api.recent import RECENT

CONCURRENCY = 32
"""Companies the brake reaches at once."""
REASON = "emergency brake"

BrakeAction = Literal["pause", "resume"]


class BrakeBody(BaseModel):
    reason: str = Field(default=REASON, max_length=2_000)
    """Shown in each company's activity log."""


class BrakeReport(BaseModel):
    """What the brake did to each company of the caller's scope."""

    action: BrakeAction
    changed: list[str]
    """Companies paused (resumed) now."""
    unchanged: dict[str, str]
    """Companies left as they were, and why: already paused; paused by hand or for its budget,
    not by the brake (resume); not paused; archived."""
    failed: dict[str, str]
    """Companies the change was refused for, and the error."""
    unknown: list[str]
    """Companies that gave no answer in time: the change may still apply (repeat the request)."""


async def apply_brake(
    *, client: Client, request: Request, companies: list[str], action: BrakeAction, reason: str, actor: str
) -> BrakeReport:
    """Pause (or resume) each of `companies` as the emergency brake; never raises for one company."""
    report = BrakeReport(action=action, changed=[], unchanged={}, failed={}, unknown=[])
    room = asyncio.Semaphore(CONCURRENCY)

    async def one(company: str) -> None:
        async with room:
            try:
                await company_action(
                    client=client, company_id=company, action=action, reason=reason, actor=actor, brake=True
                )
            except (ApiError, TemporalError) as err:
                error = err if isinstance(err, ApiError) else temporal_error_to_api(request, err)
                if error.status_code == 409:
                    report.unchanged[company] = error.message
                elif error.code == "no_answer":
                    report.unknown.append(company)
                else:
                    report.failed[company] = error.message
            else:
                report.changed.append(company)
            finally:
                RECENT.forget(company)

    await asyncio.gather(*(one(company) for company in companies))
    return BrakeReport(
        action=action,
        changed=sorted(report.changed),
        unchanged=dict(sorted(report.unchanged.items())),
        failed=dict(sorted(report.failed.items())),
        unknown=sorted(report.unknown),
    )
