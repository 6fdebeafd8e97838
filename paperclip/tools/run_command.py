"""`run_command(command, timeout_seconds?)`: a shell command in the task's workspace, in the
sandbox (`activities.sandbox`): it reaches no file outside the workspace, no secret, and no
host but the task's allowed ones through the egress proxy."""

from pydantic import Field

from paperclip.models import ToolPolicy
from paperclip.tools.base import ToolArguments
from paperclip.tools.registry import RegisteredTool, register

RUN_COMMAND = "run_command"


class RunCommandArguments(ToolArguments):
    tool = RUN_COMMAND

    command: str = Field(
        min_length=1,
        max_length=10_000,
        description="A shell command (run by /bin/sh -c) in the workspace, e.g. `pytest -q tests/test_x.py`.",
    )
    timeout_seconds: float | None = Field(
        default=None,
        gt=0,
        le=3600,
        description="Stop it after this many seconds (at most the call's own time limit).",
    )


RUN_COMMAND_TOOL = register(
    RegisteredTool(
        name=RUN_COMMAND,
        arguments=RunCommandArguments,
        description=(
            "Run a shell command in your workspace and read its exit code and output (stdout and stderr "
            "together, the first 1 MB). It sees only the workspace, has no network except the hosts your "
            "task may reach, and everything it starts is stopped when it ends or times out."
        ),
        policy=ToolPolicy.ASK,
        risky=True,
        subject=lambda arguments: arguments.command,
    )
)
