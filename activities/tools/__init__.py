"""The tools that act, as activities: one module per tool (its runner), registered in `RUNNERS`.

The task workflow checks a call against the tool's argument model (`paperclip.tools`) and its
policy first; the `run_tool` activity then runs it in the task's workspace on the worker host
that holds it, and answers a `ToolRunResult` (long output stored and passed by reference).
"""

from activities.tools import git, http_fetch, run_command
from activities.tools.base import Runner, ToolContext, ToolFailed, ToolOutput
from paperclip.tools.git import GIT
from paperclip.tools.http_fetch import HTTP_FETCH
from paperclip.tools.run_command import RUN_COMMAND

RUNNERS: dict[str, Runner] = {}
"""Tool name → its runner: every registry tool that runs as an activity."""
RUNNERS[RUN_COMMAND] = run_command.run
RUNNERS[GIT] = git.run
RUNNERS[HTTP_FETCH] = http_fetch.run

__all__ = ["RUNNERS", "Runner", "ToolContext", "ToolFailed", "ToolOutput"]
