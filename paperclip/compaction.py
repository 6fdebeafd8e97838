"""Compaction: when a task's conversation nears its model's context window, a model call writes a
summary of it, and later requests carry the summary instead of the older messages.

The store keeps every message; only what a turn loads changes (`ConversationStore.load_messages`):
the task's first message (its brief and goals), the latest summary, then the messages after it.
Pure functions and texts: the task workflow, the activity and the store all use them.
"""

from paperclip.context import context_window
from paperclip.models import AgentSpec, Message, ModelConfig

SUMMARY_AUTHOR = "compaction:summary"
"""The author of a summary message: not a possible agent name, task identifier or `board`, so
the store finds the latest summary by it."""
REQUEST_AUTHOR = "compaction:request"
"""The author of the message asking for the summary."""

SUMMARY_REQUEST = (
    "Context compaction: this conversation is getting long. Write a summary that will replace "
    "every message before this one; you will keep the system prompt and the task's first message, "
    "and continue from your summary. Include: what the task is; what was done so far and its "
    "outcome; decisions made and why; open items and the next steps; file paths, stored output "
    "references and identifiers worth re-reading. Do not call any tool: answer with the summary only."
)
SUMMARY_HEADING = "Summary of the conversation so far (earlier messages were compacted):"


def compaction_model(agent: AgentSpec) -> ModelConfig:
    """The model that writes an agent's summaries: its `compaction_model`, else its
    `wake_model`, else its own."""
    return agent.compaction_model or agent.wake_model or agent.model


def threshold(agent: AgentSpec, model: ModelConfig) -> int:
    """The prompt size, in tokens, from which a turn on `model` is preceded by a compaction."""
    return int(context_window(model) * agent.compaction_share)


def request_message() -> Message:
    """The message that asks for the summary, after the conversation to summarise."""
    return Message(role="user", content=SUMMARY_REQUEST, author=REQUEST_AUTHOR)


def summary_message(summary: str) -> Message:
    """The summary as later requests carry it: a user message after the task's first one."""
    return Message(role="user", content=f"{SUMMARY_HEADING}\n\n{summary.strip()}", author=SUMMARY_AUTHOR)


def is_summary(message: Message) -> bool:
    return message.author == SUMMARY_AUTHOR
