"""Measuring a prompt before it is sent: the estimate calibrated by the provider's own counts,
and the provider's counting endpoint where it offers one.

`paperclip.context.fit` estimates a prompt at four characters a token plus a margin. Real
tokenizers differ (code and JSON count denser, prose lighter), so each worker keeps, per model
and endpoint, the ratio of the tokens the provider reported for its recent prompts to their
plain estimate (`Calibration`), learnt from every reply's usage. A prompt the calibrated
estimate puts near the window (`COUNT_FROM` of it) is counted by the provider where it can
(Anthropic's free `count_tokens`) before it is sent; one that counts over the limit is trimmed
again with the counted ratio, so it is never sent over.

The calibration lives in the worker's memory: a new worker starts from the plain estimate and
its margin, and learns from its first replies.
"""

from collections import deque
from collections.abc import Sequence

from temporalio import activity
from temporalio.exceptions import ApplicationError

from activities.providers import ModelProvider, ProviderRequest
from paperclip import context
from paperclip.models import Message, ModelConfig, Standing

COUNT_FROM = 0.5
"""A prompt whose calibrated estimate passes this share of its limit is counted by the provider."""
COUNT_ROUNDS = 3
"""Counts (and trims) at most this many times before giving up on a prompt."""
OBSERVED_FROM = 2_000
"""Prompts of fewer plain-estimate tokens teach nothing: the provider's fixed framing (tool-use
instructions, a few hundred tokens) would dominate their ratio."""
KEPT = 8
"""Observations kept per model; the ratio is the largest of them (the densest recent prompt)."""
RATIO_BOUNDS = (0.5, 4.0)


class Calibration:
    """Per (provider, endpoint, model), the ratio of the provider's token counts to the plain estimate."""

    def __init__(self) -> None:
        self._seen: dict[tuple[str, str | None, str], deque[float]] = {}

    @staticmethod
    def _key(cfg: ModelConfig) -> tuple[str, str | None, str]:
        return (cfg.provider.value, cfg.base_url, cfg.model)

    def ratio(self, cfg: ModelConfig) -> float | None:
        """The ratio to estimate `cfg`'s prompts with (None until the provider has counted one)."""
        seen = self._seen.get(self._key(cfg))
        return max(seen) if seen else None

    def observe(self, cfg: ModelConfig, counted: int, plain: int) -> None:
        """Learn from the provider counting `counted` tokens for a prompt estimated `plain`."""
        if plain < OBSERVED_FROM or counted <= 0:
            return
        low, high = RATIO_BOUNDS
        ratio = min(high, max(low, counted / plain))
        self._seen.setdefault(self._key(cfg), deque(maxlen=KEPT)).append(ratio)


def plain(request: ProviderRequest) -> int:
    return context.plain_tokens(request.system_prompt, request.tools, request.messages)


async def _count(provider: ModelProvider, request: ProviderRequest) -> int | None:
    """The provider's count, or None when it has none or counting failed (the estimate stands)."""
    if activity.in_activity():
        activity.heartbeat({"counting": "prompt tokens"})  # a count takes a request's time
    try:
        return await provider.count_tokens(request)
    except ApplicationError as err:
        activity.logger.warning("counting the prompt's tokens failed (%s); the estimate stands", err.message)
        return None


async def measured_fit(
    provider: ModelProvider,
    cfg: ModelConfig,
    standing: Standing,
    messages: Sequence[Message],
    calibration: Calibration,
    *,
    seq: int = 1,
) -> ProviderRequest:
    """The request to send for `messages`: trimmed to fit `cfg`'s window by the calibrated
    estimate and, near the window, by the provider's count where it offers one.

    Raises:
        context.ContextTooLong: what must be kept does not fit, by the estimate or by the count.
    """

    def request(ratio: float | None) -> tuple[ProviderRequest, context.Fitted]:
        fitted = context.fit(cfg, standing.system_prompt, standing.tools, list(messages), ratio=ratio)
        built = ProviderRequest(
            model=cfg, system_prompt=standing.system_prompt, tools=standing.tools, messages=fitted.messages, seq=seq
        )
        return built, fitted

    built, fitted = request(calibration.ratio(cfg))
    limit, _ = context.prompt_limits(cfg)
    for _ in range(COUNT_ROUNDS):
        if fitted.tokens < COUNT_FROM * limit:
            break
        counted = await _count(provider, built)
        if counted is None:
            break
        estimated = plain(built)
        calibration.observe(cfg, counted, estimated)
        if counted <= limit:
            break
        # Denser than the estimate thought: trim again at (at least) the ratio just counted.
        built, fitted = request(max(calibration.ratio(cfg) or 0.0, counted / max(1, estimated)))
    else:
        counted = await _count(provider, built)
        if counted is not None and counted > limit:
            raise context.ContextTooLong(counted, cfg.max_tokens, context.context_window(cfg), cfg.model)
    _log_trimmed(built, fitted)
    return built


def _log_trimmed(built: ProviderRequest, fitted: context.Fitted) -> None:
    if fitted.stubbed or fitted.dropped:
        activity.logger.info(
            "turn %s: prompt trimmed from ~%s to ~%s tokens (%s tool outputs stubbed, %s messages left out)",
            built.seq,
            fitted.full_tokens,
            fitted.tokens,
            fitted.stubbed,
            fitted.dropped,
        )
