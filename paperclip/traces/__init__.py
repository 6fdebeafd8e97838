"""A task's conversation trace: read from its workflow history (`history`), told as Markdown
(`markdown`). Fetching the histories from Temporal is the API's part (`api/traces.py`)."""

from paperclip.traces.history import MODEL_TURN, TraceReader, message_fields
from paperclip.traces.markdown import task_section, tokens_text, trace_to_markdown, tree_lines

__all__ = [
    "MODEL_TURN",
    "TraceReader",
    "message_fields",
    "task_section",
    "tokens_text",
    "trace_to_markdown",
    "tree_lines",
]
