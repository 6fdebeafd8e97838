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

from activities.model_turn import ModelActivities, _Heartbeat, input_hash, pending_cost, turn_cost
from activities.providers import ProviderRequest
from paperclip import compaction, context, pricing
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
        provider, _ = await turns._provider(cfg, input.session.company_id)
        standing = await turns._standing_of(input)
        earlier = await asyncio.to_thread(turns.store.load_messages, input.session, before_seq=input.seq)
        asked = [*input.new_messages, compaction.request_message()]
        # The agent's system prompt and tools stay: the conversation's tool calls refer to them.
        # A conversation past the compaction model's window is trimmed as a turn's would be.
        try:
            fitted = context.fit(cfg, standing.system_prompt, standing.tools, [*earlier, *asked])
        except context.ContextTooLong as err:
            raise ApplicationError(str(err), type=context.CONTEXT_TOO_LONG, non_retryable=True) from err
        request = ProviderRequest(
            model=cfg,
            system_prompt=standing.system_prompt,
            tools=standing.tools,
            messages=fitted.messages,
            seq=input.seq,
        )
        digest = input_hash(request)
        fields = {
            "provider": cfg.provider,
            "model": cfg.model,
            "simulated": cfg.is_simulated,
            "model_index": input.model_index,
            "attempt": input.attempt,
        }
        if input.worst is not None:
            pending = pending_cost(input.session, input.seq, input.worst, **fields)
            await asyncio.to_thread(turns.store.begin_call, pending, input_hash=digest)
        heartbeat = _Heartbeat()
        heartbeat.beat()
        beating = asyncio.ensure_future(heartbeat.keep_beating())
        try:
            reply = await provider.complete(request, heartbeat)
        finally:
            beating.cancel()
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
