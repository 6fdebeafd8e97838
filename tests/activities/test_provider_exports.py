"""The names other layers import from `activities.providers` stay put."""

import activities.providers as providers


def test_the_exported_names_are_pinned() -> None:
    assert sorted(providers.__all__) == [
        "AnthropicMessages",
        "MISSING_CREDENTIAL",
        "ModelProvider",
        "NON_RETRYABLE_TYPES",
        "NOT_BOUND",
        "OnChunk",
        "OpenAIChat",
        "ProviderReply",
        "ProviderRequest",
        "RATE_LIMITED",
        "REJECTED",
        "SIMULATED_LABEL",
        "Simulated",
        "UNAVAILABLE",
    ]
    assert all(hasattr(providers, name) for name in providers.__all__)
