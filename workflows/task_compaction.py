"""Compaction turns of the task workflow: when the last model call's prompt (the provider's own
count) passed the agent's `compaction_share` of its model's context window, the next turn is
preceded by a model call that summarises the conversation (`activities.compaction`); later
turns load from the summary on (`paperclip.compaction`).

A compaction is a turn of its own: it takes the next seq and the messages waiting for the next
turn (they are summarised with the rest), it is reserved from the company's budgets like a turn
and its cost is the task's. A failed compaction gives the messages back and the turn goes on
uncompacted; another is tried `RETRY_AFTER_TURNS` turns later.
"""

from collections.abc import Awaitable, Callable
from datetime import timedelta

from temporalio import workflow
from temporalio.exceptions import ActivityError

with workflow.unsafe.imports_passed_through():
    from paperclip import compaction
    from paperclip.constants import Activity
    from paperclip.models import Adapter, ModelTurnInput, ModelTurnResult, WorstCase
    from paperclip.pricing import worst_case
    from paperclip.prompts import bytes_of, system_prompt
    from workflows import retries
    from workflows.patches import COMPACTION
    from workflows.task_acting import store_standing
    from workflows.task_core import TaskCore

RETRY_AFTER_TURNS = 5
"""Turns after a failed compaction before the next try (a compaction that keeps failing, say on a
credential that is gone, must not double the task's turns)."""

Reserve = Callable[[WorstCase], Awaitable[bool]]
"""Asks the company for a call's worst case: False when refused (the task holds) or cancelled."""


def due(task: TaskCore) -> bool:
    """Whether the next turn is to be preceded by a compaction: a model agent's task whose last
    measured prompt reached its threshold, with a model turn since the last compaction."""
    carry = task.carry
    if task.input.agent.adapter is not Adapter.MODEL or carry.turn <= carry.compacted_turn:
        return False
    return carry.prompt_tokens >= compaction.threshold(task.input.agent, task.model())


async def compact(task: TaskCore, reserve: Reserve) -> bool:
    """Run a compaction turn when one is due. True when the task's loop should look again before
    its turn (a compaction ran, or its reservation was refused); False: go on with the turn."""
    if not due(task) or not workflow.patched(COMPACTION):
        return False
    model = compaction.compaction_model(task.input.agent)
    # The whole conversation as measured, what waits, and the request; the reply at most `max_tokens`.
    prompt = task.carry.prompt_tokens + sum(bytes_of(m) for m in task.carry.pending)
    prompt += bytes_of(compaction.request_message())
    usd, tokens = worst_case(model, prompt)
    worst = WorstCase(usd=usd, input_tokens=prompt, output_tokens=tokens - prompt)
    if not await reserve(worst):
        return True
    standing = await store_standing(task)
    queue = await task.model_queue(model)
    sent = task.begin_turn()
    try:
        result = await workflow.execute_activity(
            Activity.COMPACTION,
            ModelTurnInput(
                session=task.session(),
                seq=task.carry.turn,
                model=model,
                system_prompt="" if standing else system_prompt(task.input),
                tools=[] if standing else task.tools(),
                standing=standing,
                new_messages=sent,
                worst=worst,
            ),
            result_type=ModelTurnResult,
            task_queue=queue,
            start_to_close_timeout=timedelta(seconds=model.turn_timeout_seconds),
            heartbeat_timeout=timedelta(seconds=model.heartbeat_timeout_seconds),
            # One try: a failed compaction costs a turn nothing but its own spend.
            retry_policy=retries.ONE_ATTEMPT,
        )
    except ActivityError as err:
        # Its seq stays used (its ledger row may hold a spend); what it took waits for the turn.
        task.carry.pending = sent + task.carry.pending
        task.carry.compacted_turn = task.carry.turn + RETRY_AFTER_TURNS - 1
        workflow.logger.warning("%s: compaction failed (%s); the turn goes on", task.input.identifier, err.cause)
        return False
    task.carry.compacted_turn = task.carry.turn
    task.carry.usage = task.carry.usage + result.usage
    task.carry.cost_usd += result.cost_usd or 0.0
    task.report_turn(False)
    return True
