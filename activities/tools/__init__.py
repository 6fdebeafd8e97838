"""The tools that act, as activities: one module per tool (its runner), registered in `RUNNERS`.

The task workflow checks a call against the tool's argument model (`paperclip.tools`) and its
policy first; the `run_tool` activity then runs it in the task's workspace on the worker host
that holds it, and answers a `ToolRunResult` (long output stored and passed by reference).
"""

from activities.tools import git, http_fetch, run_command
from activities.tools.attach_file import run as run_attach_file
from activities.tools.base import Runner, ToolContext, ToolFailed, ToolOutput
from activities.tools.create_pull_request import run as run_create_pull_request
from activities.tools.edit_file import run as run_edit_file
from activities.tools.list_files import run as run_list_files
from activities.tools.read_file import run as run_read_file
from activities.tools.search_files import run as run_search_files
from activities.tools.write_file import run as run_write_file
from paperclip.tools.git import GIT
from paperclip.tools.http_fetch import HTTP_FETCH
from paperclip.tools.run_command import RUN_COMMAND

RUNNERS: dict[str, Runner] = {}
"""Tool name → its runner: every registry tool that runs as an activity."""
RUNNERS[RUN_COMMAND] = run_command.run
RUNNERS[GIT] = git.run
RUNNERS[HTTP_FETCH] = http_fetch.run
RUNNERS["read_file"] = run_read_file
RUNNERS["write_file"] = run_write_file
RUNNERS["edit_file"] = run_edit_file
RUNNERS["list_files"] = run_list_files
RUNNERS["search_files"] = run_search_files
RUNNERS["create_pull_request"] = run_create_pull_request
RUNNERS["attach_file"] = run_attach_file

__all__ = ["RUNNERS", "Runner", "ToolContext", "ToolFailed", "ToolOutput"]
