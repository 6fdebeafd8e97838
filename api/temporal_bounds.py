"""Every call the API makes to Temporal has a bounded wait, so a request never hangs on a worker
that is not there.

`bounded(client, seconds=...)` is the API's client with the interceptor `Bounds`:
each call gets `rpc_timeout` (one RPC) and an overall deadline (an update polls, and the SDK
retries, past one RPC's timeout). Past the deadline the call raises `NoAnswer`, which
`api.errors` answers with 503 and `Retry-After`. An update made while serving a request with an
`Idempotency-Key` takes its id from the key (`REQUEST_KEY`, set by `api.idempotency`), so a
retry is a repeat that Temporal and the company recognise.
"""

import asyncio
from collections.abc import Awaitable
from contextvars import ContextVar
from datetime import timedelta
from typing import Any, Protocol, TypeVar

from temporalio.client import (
    BackfillScheduleInput,
    CancelWorkflowInput,
    Client,
    CountWorkflowsInput,
    CreateScheduleInput,
    DeleteScheduleInput,
    DescribeScheduleInput,
    DescribeWorkflowInput,
    FetchWorkflowHistoryEventsInput,
    Interceptor,
    ListSchedulesInput,
    ListWorkflowsInput,
    OutboundInterceptor,
    PauseScheduleInput,
    QueryWorkflowInput,
    RPCTimeoutOrCancelledError,
    ScheduleAsyncIterator,
    ScheduleDescription,
    ScheduleHandle,
    SignalWorkflowInput,
    StartWorkflowInput,
    StartWorkflowUpdateInput,
    TerminateWorkflowInput,
    TriggerScheduleInput,
    UnpauseScheduleInput,
    UpdateScheduleInput,
    WorkflowExecutionAsyncIterator,
    WorkflowExecutionCount,
    WorkflowExecutionDescription,
    WorkflowHandle,
    WorkflowHistoryEventAsyncIterator,
    WorkflowUpdateHandle,
)
from temporalio.service import RetryConfig, RPCError, RPCStatusCode

from paperclip.idempotency import RequestKey

T = TypeVar("T")

REQUEST_KEY: ContextVar[RequestKey | None] = ContextVar("paperclip_request_key", default=None)
"""The idempotency key of the request being served, if it has one."""
API_RETRIES = RetryConfig(max_retries=3)
"""How the API's own connection retries a failed RPC: a few quick retries, so that a refusal
such as Temporal's limit of in-flight updates (retried with a long backoff) reaches the caller
as a 429 within the bound instead of the bound running out."""


class NoAnswer(RPCTimeoutOrCancelledError):
    """Temporal (or, for an update or query, the company's worker) did not answer in time."""

    def __init__(self, what: str, seconds: float) -> None:
        super().__init__(f"no answer to {what} within {seconds:g} s")
        self.what = what
        self.seconds = seconds


class _Timed(Protocol):
    rpc_timeout: timedelta | None


class Bounds(Interceptor):
    """Bound every call by `seconds`; name updates after the request's idempotency key."""

    def __init__(self, seconds: float) -> None:
        self.seconds = seconds

    def intercept_client(self, next: OutboundInterceptor) -> OutboundInterceptor:
        return _Bounded(next, self.seconds)


class _Bounded(OutboundInterceptor):
    def __init__(self, next: OutboundInterceptor, seconds: float) -> None:
        super().__init__(next)
        self.seconds = seconds

    def _timed(self, input: _Timed) -> None:
        if input.rpc_timeout is None:
            input.rpc_timeout = timedelta(seconds=self.seconds)

    async def _within(self, what: str, call: Awaitable[T]) -> T:
        try:
            return await asyncio.wait_for(call, self.seconds)
        except (TimeoutError, RPCTimeoutOrCancelledError) as err:  # ours, or the SDK's `rpc_timeout`
            raise NoAnswer(what, self.seconds) from err
        except RPCError as err:
            if err.status in (RPCStatusCode.DEADLINE_EXCEEDED, RPCStatusCode.CANCELLED):
                raise NoAnswer(what, self.seconds) from err
            raise

    # ------------------------------------------------------------------ workflows

    async def start_workflow(self, input: StartWorkflowInput) -> WorkflowHandle[Any, Any]:
        self._timed(input)
        return await self._within(f"starting {input.id}", self.next.start_workflow(input))

    async def start_workflow_update(self, input: StartWorkflowUpdateInput) -> WorkflowUpdateHandle[Any]:
        key = REQUEST_KEY.get()
        if key is not None and input.update_id is None:
            input.update_id = key.update_id(input.update)
        self._timed(input)
        return await self._within(f"update {input.update} of {input.id}", self.next.start_workflow_update(input))

    async def query_workflow(self, input: QueryWorkflowInput) -> Any:
        self._timed(input)
        return await self._within(f"query {input.query} of {input.id}", self.next.query_workflow(input))

    async def describe_workflow(self, input: DescribeWorkflowInput) -> WorkflowExecutionDescription:
        self._timed(input)
        return await self._within(f"describing {input.id}", self.next.describe_workflow(input))

    async def signal_workflow(self, input: SignalWorkflowInput) -> None:
        self._timed(input)
        await self._within(f"signal {input.signal} to {input.id}", self.next.signal_workflow(input))

    async def cancel_workflow(self, input: CancelWorkflowInput) -> None:
        self._timed(input)
        await self._within(f"cancelling {input.id}", self.next.cancel_workflow(input))

    async def terminate_workflow(self, input: TerminateWorkflowInput) -> None:
        self._timed(input)
        await self._within(f"terminating {input.id}", self.next.terminate_workflow(input))

    async def count_workflows(self, input: CountWorkflowsInput) -> WorkflowExecutionCount:
        self._timed(input)
        return await self._within("counting workflows", self.next.count_workflows(input))

    def fetch_workflow_history_events(
        self, input: FetchWorkflowHistoryEventsInput
    ) -> WorkflowHistoryEventAsyncIterator:
        self._timed(input)  # each page; a history needs no worker
        return self.next.fetch_workflow_history_events(input)

    def list_workflows(self, input: ListWorkflowsInput) -> WorkflowExecutionAsyncIterator:
        self._timed(input)
        return self.next.list_workflows(input)

    # ------------------------------------------------------------------ schedules (routines)

    async def create_schedule(self, input: CreateScheduleInput) -> ScheduleHandle:
        self._timed(input)
        return await self._within(f"creating schedule {input.id}", self.next.create_schedule(input))

    async def describe_schedule(self, input: DescribeScheduleInput) -> ScheduleDescription:
        self._timed(input)
        return await self._within(f"describing schedule {input.id}", self.next.describe_schedule(input))

    async def delete_schedule(self, input: DeleteScheduleInput) -> None:
        self._timed(input)
        await self._within(f"deleting schedule {input.id}", self.next.delete_schedule(input))

    async def pause_schedule(self, input: PauseScheduleInput) -> None:
        self._timed(input)
        await self._within(f"pausing schedule {input.id}", self.next.pause_schedule(input))

    async def unpause_schedule(self, input: UnpauseScheduleInput) -> None:
        self._timed(input)
        await self._within(f"resuming schedule {input.id}", self.next.unpause_schedule(input))

    async def trigger_schedule(self, input: TriggerScheduleInput) -> None:
        self._timed(input)
        await self._within(f"triggering schedule {input.id}", self.next.trigger_schedule(input))

    async def update_schedule(self, input: UpdateScheduleInput) -> None:
        self._timed(input)
        await self._within(f"updating schedule {input.id}", self.next.update_schedule(input))

    async def backfill_schedule(self, input: BackfillScheduleInput) -> None:
        self._timed(input)
        await self._within(f"backfilling schedule {input.id}", self.next.backfill_schedule(input))

    def list_schedules(self, input: ListSchedulesInput) -> ScheduleAsyncIterator:
        self._timed(input)
        return self.next.list_schedules(input)


def bounded(client: Client, *, seconds: float) -> Client:
    """`client` (sharing its connection) with every call bounded by `seconds` (see `Bounds`)."""
    config = client.config()
    config["interceptors"] = [*config["interceptors"], Bounds(seconds)]
    return Client(**config)
