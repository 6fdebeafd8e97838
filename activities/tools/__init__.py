"""The tools that act, as activities: one module per tool (its runner), registered in `RUNNERS`.

The task workflow checks a call against the tool's argument model (`paperclip.tools`) and its
policy first; the `run_tool` activity then runs it in the task's workspace on the worker host
that holds it, and answers a `ToolRunResult` (long output stored and passed by reference).
"""

from activities.tools.base import Runner, ToolContext, ToolFailed, ToolOutput

RUNNERS: dict[str, Runner] = {}
"""Tool name → its runner: every registry tool that runs as an activity."""

__all__ = ["RUNNERS", "Runner", "ToolContext", "ToolFailed", "ToolOutput"]
