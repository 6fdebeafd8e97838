"""The task workflow retries its own turns: each attempt one activity, reserved first, waited for
on a durable timer, and an attempt lost with its worker charged at its worst case until the
ledger says what became of it."""

import asyncio
import uuid
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Literal

from temporalio import activity
from temporalio.api.enums.v1 import EventType
from temporalio.client import Client
from temporalio.exceptions import ApplicationError
from temporalio.testing import WorkflowEnvironment
from temporalio.worker import Worker

from paperclip.constants import llm_queue, task_workflow_id
from paperclip.models import (
    AgentSpec,
    Budget,
    CompanySpec,
    CreateTaskInput,
    Message,
    ModelConfig,
    ModelTurnInput,
    ModelTurnResult,
    Provider,
    SettledAttempt,
    TaskStatus,
    ToolCall,
    Usage,
)
from paperclip.tools import COMPLETE_TASK
from tests.workflows.helpers import start_company, wait_for
from tests.workflows.stand_ins import RecordingStore, end_companies
from workflows.company import CompanyWorkflow
from workflows.task import TaskWorkflow

USED = Usage(input_tokens=100, output_tokens=10)


@dataclass
class FlakyModel:
    """Completes at once, after the failures it is given: an exception is raised, `"lose"` sleeps
    without heartbeating (its worker, as far as Temporal knows, is lost). What it says of a lost
    attempt (`settle_as`) stands in for the ledger."""

    failures: list[Exception | Literal["lose"]] = field(default_factory=list)
    settle_as: Literal["confirmed", "not_sent", "unconfirmed"] = "unconfirmed"
    calls: list[ModelTurnInput] = field(default_factory=list)

    @activity.defn(name="model_turn")
    async def model_turn(self, input: ModelTurnInput) -> ModelTurnResult:
        self.calls.append(input)
        if self.failures:
            failure = self.failures.pop(0)
            if failure == "lose":
                await asyncio.sleep(3600)
            assert isinstance(failure, Exception)
            raise failure
        settled = [
            SettledAttempt(
                model_index=lost.model_index,
                attempt=lost.attempt,
                outcome=self.settle_as,
                usage=USED if self.settle_as == "confirmed" else Usage(),
                cost_usd=None,
            )
            for lost in input.lost
        ]
        done = ToolCall(id="c1", name=COMPLETE_TASK, arguments={"result": "done"})
        return ModelTurnResult(
            reply=Message(role="assistant", tool_calls=[done], author=input.session.agent),
            usage=USED,
            cost_usd=None,
            provider=Provider.SIMULATED,
            model="flaky",
            simulated=True,
            settled=settled,
        )


async def run_workers(client: Client, model: FlakyModel):  # type: ignore[no-untyped-def]
    queue = f"retries-{uuid.uuid4().hex}"
    store = RecordingStore()
    workers = [
        Worker(client, task_queue=queue, workflows=[CompanyWorkflow, TaskWorkflow], activities=[store.record]),
        Worker(client, task_queue=llm_queue(queue), activities=[model.model_turn]),
    ]
    return queue, workers


def solo(**model: object) -> list[AgentSpec]:
    config = ModelConfig(heartbeat_timeout_seconds=1, **model)  # type: ignore[arg-type]
    return [AgentSpec(name="ceo", role="ceo", model=config)]


UNAVAILABLE = ApplicationError("openai is unavailable (503): try later", type="ProviderUnavailable")


async def test_each_attempt_is_one_activity_reserved_first_and_the_board_sees_the_retry(
    skipping_env: WorkflowEnvironment,
) -> None:
    client = skipping_env.client
    limited = ApplicationError(
        "openai rate limited the request (429): slow down",
        type="ProviderRateLimited",
        next_retry_delay=timedelta(minutes=20),
    )
    model = FlakyModel(failures=[UNAVAILABLE, limited])
    queue, workers = await run_workers(client, model)
    async with workers[0], workers[1]:
        spec = CompanySpec(id="x", name="Acme", prefix="ACME", budget=Budget(monthly_tokens=1_000_000))
        company = await start_company(client, queue, solo(), spec=spec)
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Try", assignee="ceo"))
        waiting = await wait_for(
            company, lambda s: bool(s.tasks) and s.tasks[0].retry is not None and s.tasks[0].retry.attempt == 3
        )
        await skipping_env.sleep(timedelta(minutes=21))  # the 20 minutes the provider asked for
        done = await wait_for(company, lambda s: s.tasks[0].status is TaskStatus.DONE)
        task = client.get_workflow_handle(task_workflow_id(company.id.split(":", 1)[1], "ACME-1"))
        task_history = await task.fetch_history()
        company_history = await company.fetch_history()
        await end_companies(client, queue)
    retry = waiting.tasks[0].retry
    assert retry is not None and (retry.attempt, retry.of) == (3, 10)
    assert "rate limited the request (429)" in retry.error
    assert any(e.kind == "task.retrying" for e in waiting.recent)
    assert done.tasks[0].retry is None
    assert [c.attempt for c in model.calls] == [1, 2, 3]
    scheduled = [
        e.activity_task_scheduled_event_attributes
        for e in task_history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_SCHEDULED
        and e.activity_task_scheduled_event_attributes.activity_type.name == "model_turn"
    ]
    assert [s.retry_policy.maximum_attempts for s in scheduled] == [1, 1, 1]
    started = [
        e.activity_task_started_event_attributes.attempt
        for e in task_history.events
        if e.event_type == EventType.EVENT_TYPE_ACTIVITY_TASK_STARTED
    ]
    assert set(started) == {1}  # Temporal never retried one: the task did
    timers = [
        e.timer_started_event_attributes.start_to_fire_timeout.ToTimedelta()
        for e in task_history.events
        if e.event_type == EventType.EVENT_TYPE_TIMER_STARTED
    ]
    assert timers[:2] == [timedelta(seconds=1), timedelta(minutes=20)]  # backoff, then retry-after
    requests = [
        e
        for e in company_history.events
        if e.event_type == EventType.EVENT_TYPE_WORKFLOW_EXECUTION_SIGNALED
        and e.workflow_execution_signaled_event_attributes.signal_name == "request_budget"
    ]
    assert len(requests) == 3  # each attempt reserved again


async def lose_one(env: WorkflowEnvironment, settle_as: Literal["confirmed", "not_sent", "unconfirmed"]):  # type: ignore[no-untyped-def]
    client = env.client
    model = FlakyModel(failures=["lose"], settle_as=settle_as)
    queue, workers = await run_workers(client, model)
    async with workers[0], workers[1]:
        spec = CompanySpec(id="x", name="Acme", prefix="ACME", budget=Budget(monthly_tokens=1_000_000))
        company = await start_company(client, queue, solo(), spec=spec)
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Try", assignee="ceo"))
        lost = await wait_for(company, lambda s: bool(s.tasks) and s.tasks[0].unconfirmed.attempts == 1, timeout=30)
        done = await wait_for(company, lambda s: s.tasks[0].status is TaskStatus.DONE and not s.spend.reserved_tokens)
        await end_companies(client, queue)
    return model, lost, done


async def test_a_lost_attempt_is_charged_at_its_worst_case_while_its_outcome_is_unknown(
    dev_env: WorkflowEnvironment,
) -> None:
    model, lost, done = await lose_one(dev_env, "unconfirmed")
    worst = model.calls[0].worst
    assert worst is not None and worst.tokens > 1024  # the prompt and all of max_tokens
    assert [c.attempt for c in model.calls] == [1, 2]
    assert [(a.model_index, a.attempt) for a in model.calls[1].lost] == [(0, 1)]
    assert lost.spend.tokens >= worst.tokens and lost.spend.unconfirmed_tokens == worst.tokens
    assert done.tasks[0].unconfirmed.attempts == 1 and done.tasks[0].unconfirmed.tokens == worst.tokens
    assert done.unconfirmed.tokens == worst.tokens
    assert done.spend.tokens == worst.tokens + USED.input_tokens + USED.output_tokens
    assert done.tasks[0].usage == USED  # confirmed usage only
    assert done.agents[0].unconfirmed.attempts == 1


async def test_a_lost_attempt_the_ledger_confirms_is_charged_what_it_spent(dev_env: WorkflowEnvironment) -> None:
    _, lost, done = await lose_one(dev_env, "confirmed")
    assert lost.tasks[0].unconfirmed.attempts == 1
    assert done.tasks[0].unconfirmed.attempts == 0 and done.spend.unconfirmed_tokens == 0
    assert done.tasks[0].usage == USED + USED  # the lost call's and the retry's
    assert done.spend.tokens == 2 * (USED.input_tokens + USED.output_tokens)


async def test_a_lost_attempt_never_sent_costs_nothing(dev_env: WorkflowEnvironment) -> None:
    _, _, done = await lose_one(dev_env, "not_sent")
    assert done.tasks[0].unconfirmed.attempts == 0
    assert done.tasks[0].usage == USED
    assert done.spend.tokens == USED.input_tokens + USED.output_tokens


async def test_a_call_that_keeps_failing_fails_the_task_after_its_attempts(skipping_env: WorkflowEnvironment) -> None:
    client = skipping_env.client
    model = FlakyModel(failures=[UNAVAILABLE] * 10)
    queue, workers = await run_workers(client, model)
    async with workers[0], workers[1]:
        company = await start_company(client, queue, solo())
        await company.execute_update(CompanyWorkflow.create_task, CreateTaskInput(title="Try", assignee="ceo"))
        await wait_for(company, lambda s: bool(s.tasks) and s.tasks[0].status is not TaskStatus.QUEUED)
        await skipping_env.sleep(timedelta(minutes=5))  # a backoff of 1 s, doubling, at most a minute
        snap = await wait_for(company, lambda s: s.tasks[0].status.is_terminal)
        await end_companies(client, queue)
    assert snap.tasks[0].status is TaskStatus.FAILED
    assert snap.tasks[0].result == "model call failed after 10 attempts: openai is unavailable (503): try later"
    assert len(model.calls) == 10
