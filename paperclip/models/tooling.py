"""The vocabulary of tools that act: what a policy says of a call, where a task's workspace is,
and what a tool's activity takes and answers."""

from datetime import datetime
from enum import StrEnum
from typing import Any, Literal

from pydantic import BaseModel, Field

from paperclip.models.conversation import Message, SessionRef, ToolCall
from paperclip.models.mcp import McpListing


class ToolPolicy(StrEnum):
    """What happens to a call of a tool."""

    ALLOW = "allow"
    """It runs."""
    ASK = "ask"
    """It waits, at no cost, for a person's approval (kind `tool_call`) and runs only if approved."""
    DENY = "deny"
    """It does not run; the model is told."""


class ToolRule(BaseModel):
    """One line of an agent's (or a company's) tool policy. The most specific matching rule wins:
    a rule with a pattern before one without, a company's before an agent's."""

    tool: str = Field(min_length=1, max_length=128)
    """A registry tool's name, an MCP tool's `server__tool`, or `server__*` for all of a server's."""
    policy: ToolPolicy
    pattern: str | None = Field(default=None, max_length=500)
    """A shell-style pattern the call's subject must match (the command of `run_command`, the
    path of a file tool, the URL of `http_fetch`, the subcommand of `git`); None: any call."""
    untrusted: bool = False
    """Whether the rule still holds once the task has read untrusted content (else a risky tool is
    escalated to `ask`)."""


class RepositoryConfig(BaseModel):
    """The repository a model agent's tasks work in: each task gets a git worktree of it, on a
    branch of its own (`paperclip/<company>/<task>`), on the worker host that holds it."""

    source: str = Field(min_length=1, max_length=2_000)
    """An absolute path under the deployment's workspace roots, or an `https://` URL (cloned with
    `credential`)."""
    credential: str | None = Field(default=None, max_length=200)
    """A credential bound to the URL's host: used to clone, push and open pull requests; it never
    enters a tool's environment or the sandbox."""
    push_url: str | None = Field(default=None, max_length=2_000)
    """Where `git push` sends the task's branch (a URL, or a path under the roots); None: the
    source when it is a URL, else pushing is refused."""
    base: str = Field(default="", max_length=250)
    """The branch tasks start from; empty: the repository's current branch."""


class SetToolingInput(BaseModel):
    """Replace a company's repository and tool rules (`CompanyWorkflow.set_tooling`): tasks
    dispatched from then on get them; running tasks keep those they were given."""

    repository: RepositoryConfig | None = None
    tool_policy: list[ToolRule] = Field(default_factory=list, max_length=200)
    actor: str = "board"


class ToolCallRequest(BaseModel):
    """A call of a tool waiting for a person (an approval of kind `tool_call`)."""

    call_id: str
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    """As the model gave them (checked against the tool's model); long values are stored."""
    subject: str = ""
    """What a policy's pattern matches of the call (its command, path, URL or subcommand)."""
    reason: str = ""
    """The agent's words with the call (the text of its turn)."""
    why_asked: str = ""
    """Why it waits: the policy says `ask`, or the task has read untrusted content."""


class ToolDecision(BaseModel):
    """What a person may add to an approval of a tool call."""

    scope: Literal["once", "task"] = "once"
    """`task`: the same tool (and pattern) is allowed for the rest of the task without asking."""
    arguments: dict[str, Any] | None = None
    """Edited arguments: checked against the tool's model and its policy again before it runs."""


class WorkspaceRef(BaseModel):
    """Where a task's tools run: a directory on one worker host, reached by that host's queue."""

    path: str
    """The task's directory on the host (its git worktree when the repository is one)."""
    host: str
    """The worker host that holds it."""
    queue: str
    """The host's own tools queue: every tool call of the task goes there."""
    repository: str = ""
    """The repository it was made from (a path under the deployment's roots, or a URL)."""
    branch: str = ""
    """The task's branch (empty when the workspace is not a git repository)."""


class ToolRunInput(BaseModel):
    """One call of a tool that runs as an activity (`run_tool`)."""

    session: SessionRef
    call_id: str
    tool: str
    arguments: dict[str, Any] = Field(default_factory=dict)
    """Checked against the tool's argument model by the workflow first."""
    workspace: WorkspaceRef | None = None
    allow_hosts: list[str] = Field(default_factory=list)
    """Hosts `http_fetch`, `git push` and sandboxed commands may reach (through the egress proxy)."""
    timeout_seconds: float = Field(default=300, gt=0, le=24 * 3600)


class ToolRunResult(BaseModel):
    """A tool's answer, as the model reads it next turn."""

    content: str
    """At most `INLINE_LIMIT` characters; the rest is in the store under `ref`."""
    ref: str | None = None
    """The stored full output, when it was longer than what is inline."""
    size: int = 0
    """The full output's length in characters."""
    error: bool = False
    """The call failed (the content says why, for the model)."""
    untrusted: bool = False
    """The content came from outside (a fetched page, an MCP result, a file the task did not write)."""
    cost_usd: float = 0.0
    """What the call cost (a paid MCP or HTTP tool), for the budget."""
    duration_ms: int = 0


INLINE_LIMIT = 64 * 1024
"""A tool result's inline characters at most; a longer one is stored and passed by reference."""


class PrepareWorkspaceInput(BaseModel):
    """Make (or find) a task's workspace on a worker host (`prepare_workspace`)."""

    session: SessionRef
    repository: RepositoryConfig
    previous: WorkspaceRef | None = None
    """The workspace the task had on a host that no longer answers: rebuilt from the repository
    and the task's pushed branch, and the answer says what was lost."""


class PreparedWorkspace(BaseModel):
    workspace: WorkspaceRef
    lost: str = ""
    """When rebuilt: what of the old workspace is gone (unpushed commits, uncommitted files)."""


class ToolStep(BaseModel):
    """One call of a model's turn that the task acts on: decided, waiting for a person, or
    answered (all of a turn's calls are answered, in call order, before its next turn)."""

    call: ToolCall
    subject: str = ""
    reason: str = ""
    """The agent's words with the call (the text of its turn)."""
    request_id: str | None = None
    """The approval (kind `tool_call`) it waits for, if it asked."""
    asked_at: datetime | None = None
    escalated: bool = False
    """Still undecided past the company's approval timeout: the company was told."""
    pattern: str | None = None
    """The pattern of the rule that asked: what "allow for this task" allows (None: the subject)."""
    run: bool = False
    """Decided to run (allowed, or approved) and not yet run."""
    result: Message | None = None
    """Its tool message, once answered."""
    cli: bool = False
    """A call a CLI agent's tool refused because its policy says `ask` (`workflows.cli_asks`):
    approved, it is not run by the task but granted to the tool's next turn."""


class CliGrant(BaseModel):
    """A call a CLI agent's tool was refused, asked about and approved: its tool may make it
    (the same tool on the same subject, exactly) in the task's next turn, or in every later one
    when the person allowed it for the task."""

    tool: str
    """The registry tool its own tool stands for (`run_command`, `write_file`, `edit_file`,
    `http_fetch`)."""
    subject: str
    """The command, path or URL, as approved."""
    for_task: bool = False


class ToolState(BaseModel):
    """What a task carries of its tools across continue-as-new."""

    workspace: WorkspaceRef | None = None
    untrusted_read: bool = False
    """The task has read content from outside: its risky tools are asked about first."""
    allowed: list[ToolRule] = Field(default_factory=list)
    """What a person allowed for the rest of the task (`ToolDecision.scope == "task"`)."""
    steps: list[ToolStep] = Field(default_factory=list)
    """The last turn's calls while any is still unanswered (the task waits for approvals)."""
    text_turns: int = 0
    """Consecutive replies without a tool call (an agent with tools is reminded to complete)."""
    idle_turns: int = 0
    """Consecutive turns whose calls all failed, were refused, or repeated the turn before's."""
    last_calls: list[str] = Field(default_factory=list)
    """The calls of the turn before (name and arguments), to tell a repeat."""
    mcp: dict[str, McpListing] = Field(default_factory=dict)
    """The agent's MCP servers by name: their tools as last listed (`workflows.task_mcp`)."""
    cli_grants: list[CliGrant] = Field(default_factory=list)
    """Approved calls of a CLI agent's tool, given to its next turn (`for_task` ones to every one)."""
