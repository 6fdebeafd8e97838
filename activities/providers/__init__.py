"""Model providers, one module each, all the same shape (`ModelProvider`)."""

from activities.providers.anthropic_messages import AnthropicMessages
from activities.providers.base import (
    ModelProvider,
    OnChunk,
    ProviderReply,
    ProviderRequest,
)
from activities.providers.errors import (
    MISSING_CREDENTIAL,
    NON_RETRYABLE_TYPES,
    NOT_BOUND,
    RATE_LIMITED,
    REJECTED,
    UNAVAILABLE,
)
from activities.providers.openai_chat import OpenAIChat
from activities.providers.simulated import LABEL as SIMULATED_LABEL
from activities.providers.simulated import Simulated

__all__ = [
    "MISSING_CREDENTIAL",
    "NON_RETRYABLE_TYPES",
    "NOT_BOUND",
    "RATE_LIMITED",
    "REJECTED",
    "SIMULATED_LABEL",
    "UNAVAILABLE",
    "AnthropicMessages",
    "ModelProvider",
    "OnChunk",
    "OpenAIChat",
    "ProviderReply",
    "ProviderRequest",
    "Simulated",
]
