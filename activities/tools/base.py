"""What a tool's runner is given and answers.

A runner does one call in the task's workspace: it is given the call's checked arguments (the
tool's argument model) and a `ToolContext`, and answers a `ToolOutput`. A failure the model
should read (no such file, an ambiguous edit, a refused host) is a `ToolFailed`; anything else
is the activity's failure, which Temporal retries.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from paperclip.attachments import AttachmentRecords
from paperclip.errors import InvalidInput
from paperclip.keys import BoundKey, KeyResolver
from paperclip.models import RepositoryConfig, SessionRef
from paperclip.models.work_products import DeclaredProduct
from paperclip.settings import Settings


@dataclass
class ToolContext:
    """Where and for whom one call runs."""

    workspace: Path
    """The task's directory on this host: every path a tool takes is inside it."""
    home: Path
    """`PAPERCLIP_HOME` of this worker: never reachable from a tool."""
    session: SessionRef
    allow_hosts: list[str] = field(default_factory=list)
    """Hosts the call may reach (through the egress proxy for sandboxed processes)."""
    timeout_seconds: float = 300.0
    heartbeat: Callable[..., None] = lambda *details: None
    """Beats for the activity: a long call stays alive, and a cancellation reaches it."""
    repository: RepositoryConfig | None = None
    """The repository the workspace was made from (`prepare_workspace`); None: a plain folder."""
    branch: str = ""
    """The task's branch in the workspace (empty when it is no git worktree)."""
    keys: KeyResolver | None = None
    """Resolves the credential a tool sends (`RepositoryConfig.credential`): checked against
    its bound URLs right before each request, and never put in a process's environment."""
    settings: Settings | None = None
    """The worker's settings (e.g. `github_api_url`); None: the process's."""
    push_url: str = ""
    """Where `git push` sends it (`RepositoryConfig.push_url`, else its source URL); empty:
    pushing is refused."""
    private_hosts: list[str] = field(default_factory=list)
    """`host[:port]` on this machine or a link-local network the deployment lets tools reach
    (`Settings.allow_private_hosts`); every other such address is refused."""
    key_for: Callable[[str], BoundKey | None] = lambda url: None
    """The credential bound to a URL that a request there carries (added by us: `http_fetch`,
    the egress proxy, `git push`); never given to the model or the sandbox."""
    call_id: str = ""
    """The model's id of this call (an attachment's id is derived from it: a retry makes no second)."""
    store: AttachmentRecords | None = None
    """Where `attach_file` records what it attaches; None: nothing is attached here."""


@dataclass
class ToolOutput:
    """A runner's answer; the activity stores it when it is long."""

    content: str
    untrusted: bool = False
    """The content came from outside the task (a fetched page, an MCP result, a file it did not write)."""
    cost_usd: float = 0.0
    products: list[DeclaredProduct] = field(default_factory=list)
    """What the call produced (a commit, a pull request): kept as the task's work products."""


class ToolFailed(InvalidInput):
    """The call could not do what was asked; the message is the model's to read."""


Runner = Callable[[ToolContext, Any], Awaitable[ToolOutput]]
"""Runs one checked call (the tool's argument model) in a context."""
