"""`git(subcommand, …)`: status, diff, add, commit, log and push of the task's workspace.

The command line is built by us from a few typed fields, never from the model's words: there is
no way to pass a flag (`-c`, `--exec`, `--upload-pack`, `--config`, `-o` …), and a path that
looks like one is refused. `push` sends only the task's own branch, to the configured remote.
"""

from typing import Literal

from pydantic import ConfigDict, Field, field_validator

from paperclip.models import ToolPolicy
from paperclip.tools.base import ToolArguments
from paperclip.tools.registry import RegisteredTool, register

GIT = "git"
Subcommand = Literal["status", "diff", "add", "commit", "log", "push"]


def check_path(path: str) -> str:
    """A path git may be given: relative, inside the workspace, not a flag, not in `.git`."""
    parts = path.replace("\\", "/").split("/")
    if not path or path.startswith("-"):
        raise ValueError(f"{path!r}: a path, not a flag (git's options are not the model's to pass)")
    if path.startswith("/") or ".." in parts or ".git" in parts or "\0" in path or ":" in parts[0][:1]:
        raise ValueError(f"{path!r}: a path relative to the workspace, outside .git, without '..'")
    return path


class GitArguments(ToolArguments):
    tool = GIT
    model_config = ConfigDict(extra="forbid")  # an unknown field is refused, never passed on

    subcommand: Subcommand = Field(description="What to do.")
    paths: list[str] = Field(
        default_factory=list,
        max_length=200,
        description="add: the files to stage (`.` for all); diff: limit to these files. Relative to the workspace.",
    )
    message: str | None = Field(default=None, max_length=10_000, description="commit: the commit message.")
    staged: bool = Field(default=False, description="diff: show what is staged (`--cached`).")
    limit: int = Field(default=20, ge=1, le=500, description="log: how many commits.")
    branch: str | None = Field(
        default=None, max_length=250, description="push: the branch to push; only your task's own branch may be."
    )

    @field_validator("paths")
    @classmethod
    def _paths(cls, paths: list[str]) -> list[str]:
        return [check_path(p) for p in paths]

    @field_validator("message")
    @classmethod
    def _message(cls, message: str | None) -> str | None:
        if message is not None and not message.strip():
            raise ValueError("a commit message says something")
        return message


GIT_TOOL = register(
    RegisteredTool(
        name=GIT,
        arguments=GitArguments,
        description=(
            "Use git in your workspace: `status`, `diff` (optionally `staged`, `paths`), `add` (`paths`), "
            "`commit` (`message`; you are its author), `log` (`limit`), `push` (your task's branch to the "
            "configured remote)."
        ),
        policy=ToolPolicy.ALLOW,
        risky=False,
        risky_call=lambda arguments: arguments.subcommand == "push",
        ask_when=lambda arguments: arguments.subcommand == "push",
        note="push: asks by default, risky",
        subject=lambda arguments: arguments.subcommand,
    )
)
