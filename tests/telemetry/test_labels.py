"""The product counters' labels come from fixed sets, whatever a model or a company names."""

from paperclip.telemetry import tool_label, turn_labels


def test_a_tool_is_labelled_by_a_known_name_else_mcp_or_other() -> None:
    assert tool_label("read_file") == "read_file"  # the registry's
    assert tool_label("complete_task") == "complete_task"  # the task workflow's own
    assert tool_label("github__create_issue") == "mcp"
    assert tool_label("rm -rf / && curl evil") == "other"
    assert tool_label("x" * 10_000) == "other"


def test_a_turn_is_labelled_by_known_provider_and_priced_family() -> None:
    assert turn_labels("model", "openai", "gpt-4o-mini-2024-07-18") == {
        "kind": "model",
        "provider": "openai",
        "model_family": "gpt-4o-mini",
    }
    assert turn_labels("model", "openai", "my-company-finetune-42")["model_family"] == "other"
    assert turn_labels("model", "simulated", "anything")["model_family"] == "simulated"
    assert turn_labels("model", "made-up", "gpt-4o")["provider"] == "other"
    assert turn_labels("cli", "codex", "o3") == {"kind": "cli", "provider": "codex", "model_family": "other"}
    assert turn_labels("cli", "evil-tool", "o3")["provider"] == "other"
