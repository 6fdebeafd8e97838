"""Tools registered for a test, as the workspace tools register themselves when imported: the
surface (the API's list, hiring checks, templates, approvals) reads the registry, whatever fills it."""

from collections.abc import Iterator
from contextlib import contextmanager

import pytest
from pydantic import Field

from paperclip.models import ToolPolicy
from paperclip.tools.base import ToolArguments
from paperclip.tools.registry import REGISTRY, RegisteredTool, register


class RunArguments(ToolArguments):
    tool = "stand_in_run"
    command: str = Field(min_length=1, description="The command line to run in the workspace.")
    timeout_seconds: int = Field(default=60, ge=1, le=3600, description="Killed after this long.")


class ReadArguments(ToolArguments):
    tool = "stand_in_read"
    path: str = Field(min_length=1, description="A path inside the workspace.")


RUN = RegisteredTool(
    name="stand_in_run",
    arguments=RunArguments,
    description="Run a command in the task's workspace.\nIts output comes back.",
    policy=ToolPolicy.ASK,
    risky=True,
    subject=lambda arguments: arguments.command,
)
READ = RegisteredTool(name="stand_in_read", arguments=ReadArguments, description="Read a file of the workspace.")


@contextmanager
def registered(*tools: RegisteredTool) -> Iterator[list[str]]:
    """`tools` in the registry for the block (those of the same name already there stay as they are)."""
    added = [tool.name for tool in tools if tool.name not in REGISTRY]
    for tool in tools:
        if tool.name in added:
            register(tool)
    try:
        yield [tool.name for tool in tools]
    finally:
        for name in added:
            REGISTRY.pop(name, None)


@pytest.fixture
def stand_in_tools() -> Iterator[list[str]]:
    """`stand_in_run` (ask, risky, its subject the command) and `stand_in_read` (allow) registered."""
    with registered(RUN, READ) as names:
        yield names


WORKSPACE_TOOLS = (
    "read_file",
    "write_file",
    "edit_file",
    "list_files",
    "search_files",
    "run_command",
    "git",
    "http_fetch",
    "create_pull_request",
)
"""The workspace tools the built-in templates name (registered by their own modules)."""


def workspace_stand_ins() -> list[RegisteredTool]:
    """A stand-in for each workspace tool, for a registry that does not hold them."""
    return [
        RegisteredTool(
            name=name,
            arguments=type(f"StandIn_{name}", (ToolArguments,), {"tool": name}),
            description=f"Stand-in for {name}.",
        )
        for name in WORKSPACE_TOOLS
    ]
