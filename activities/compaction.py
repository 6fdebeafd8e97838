"""The compaction activity: a model call that summarises a task's conversation, on the model queue.

It is a turn of its own (its seq, its ledger row, its messages): the conversation as the next turn
would load it and the messages waiting for that turn, then a request for a summary
(`paperclip.compaction`). Its reply is kept as the summary message, from which later turns load
(`ConversationStore.load_messages`). Like a model turn, its ledger row is written unconfirmed at
its worst case before the call is sent and confirmed once the provider answers.
"""

import asyncio

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.model_turn import ModelActivities, input_hash, pending_cost, turn_cost
from paperclip import compaction, pricing
from paperclip.constants import Activity
from paperclip.models import ModelTurnInput, ModelTurnResult

EMPTY_SUMMARY = "CompactionEmpty"
"""The model answered the request for a summary with no text."""


class CompactionActivities:
    """Compaction turns, on the provider clients and store of the worker's model turns.

    Args:
        turns: the worker's model-turn activities (their clients, keys and store are shared).
    """

    def __init__(self, turns: ModelActivities) -> None:
        self.turns = turns

    @activity.defn(name=Activity.COMPACTION)
    async def compact(self, input: ModelTurnInput) -> ModelTurnResult:
        """Ask `input.model` for a summary of `input.session`'s conversation and keep it as turn
        `input.seq` (the messages waiting in `input.new_messages`, the request, the summary).

        Raises:
            ApplicationError: what a model turn raises (`ContextTooLong` when even the trimmed
                conversation does not fit the compaction model), or `CompactionEmpty`
                (non-retryable) when the reply holds no text.
        """
        cfg, turns = input.model, self.turns
        provider, key = await turns._provider(cfg, input.session.company_id)
        standing = await turns._standing_of(input)
        earlier = await asyncio.to_thread(turns.store.load_messages, input.session, before_seq=input.seq)
        asked = [*input.new_messages, compaction.request_message()]
        # The agent's system prompt and tools stay: the conversation's tool calls refer to them.
        # A conversation past the compaction model's window is trimmed as a turn's would be.
        request = await turns.fitted_request(provider, cfg, standing, [*earlier, *asked], input.seq)
        digest = input_hash(request)
        fields = {
            "provider": cfg.provider,
            "model": cfg.model,
            "simulated": cfg.is_simulated,
            "model_index": input.model_index,
            "attempt": input.attempt,
        }

        async def begin() -> None:
            if input.worst is not None:
                pending = pending_cost(input.session, input.seq, input.worst, **fields)
                await asyncio.to_thread(turns.store.begin_call, pending, input_hash=digest)

        # Within the credential's limits, like a model turn: a compaction is a call on the same key.
        reply = await turns.call(provider, key, request, before_send=begin)
        cost = pricing.cost_usd(cfg, reply.usage)
        if cost is None:
            activity.logger.warning(pricing.no_price_warning(cfg.provider, cfg.model))
        if not reply.content.strip():
            # Nothing may replace the conversation: no turn is kept, and the ledger row stays
            # unconfirmed at the call's worst case (the task does not reuse this seq).
            raise ApplicationError("the model wrote no summary", type=EMPTY_SUMMARY, non_retryable=True)
        summary = compaction.summary_message(reply.content)
        event = turn_cost(input.session, input.seq, usage=reply.usage, cost_usd=cost, **fields)
        await asyncio.to_thread(
            turns.store.save_turn,
            input.session,
            seq=input.seq,
            new_messages=asked,
            reply=summary,
            cost=event,
            input_hash=digest,
        )
        return ModelTurnResult(
            reply=summary,
            usage=reply.usage,
            cost_usd=cost,
            provider=cfg.provider,
            model=cfg.model,
            simulated=cfg.is_simulated,
            stop_reason=reply.stop_reason,
        )
