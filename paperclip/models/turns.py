"""One agent turn as an activity sees it: a model call, a CLI tool's run or a POST to an HTTP
agent, with the attempts the task workflow makes of it and their worst cases; and the calls an
agent working outside the workers makes back through the API."""

import hashlib
import json
from typing import Any, Literal

from pydantic import BaseModel, Field

from paperclip.models.agents import CliConfig, HttpConfig, ModelConfig
from paperclip.models.conversation import Message, SessionRef, ToolSpec, Usage
from paperclip.models.tooling import CliGrant, ToolRule
from paperclip.vocabulary import Adapter, Provider


class WorstCase(BaseModel):
    """The most one call may cost: what its attempt reserved, and what it is charged at when its
    worker is lost before the answer is known (an *unconfirmed* attempt)."""

    usd: float = 0.0
    input_tokens: int = 0
    """The prompt's size, bounded from above."""
    output_tokens: int = 0
    """The reply's bound (`max_tokens`)."""

    @property
    def tokens(self) -> int:
        return self.input_tokens + self.output_tokens


class AttemptRef(BaseModel):
    """One attempt of a turn's model call: which model (0 the agent's own, n its n-th fallback)
    and which attempt on it (from 1)."""

    model_index: int = 0
    attempt: int = 1


class LostAttempt(AttemptRef):
    """An attempt whose worker was lost before it answered: charged at its worst case until a later
    attempt reads in the ledger what became of it."""

    worst: WorstCase


class SettledAttempt(AttemptRef):
    """What the ledger says of a lost attempt: it answered (`confirmed`, with what it spent), it was
    never sent (`not_sent`: nothing spent), or nobody knows (`unconfirmed`: its worst case stays)."""

    outcome: Literal["confirmed", "not_sent", "unconfirmed"]
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float | None = None


class ModelTurnInput(BaseModel):
    """One model call: only the *new* messages travel; earlier ones are loaded from the store."""

    session: SessionRef
    seq: int = Field(ge=1)
    """Turn number in the session; messages are upserted by (session, seq), so a retry is idempotent."""
    model: ModelConfig
    system_prompt: str = ""
    tools: list[ToolSpec] = Field(default_factory=list)
    standing: str | None = None
    """The hash of the system prompt and tools, stored once (`store_standing`) and read back by the
    activity; then `system_prompt` and `tools` are empty. None: they travel here."""
    new_messages: list[Message]
    model_index: int = 0
    """0: the agent's own model; n: its n-th fallback (the ledger keys calls by it)."""
    attempt: int = 1
    """Which attempt of this turn on this model (the task workflow retries, one attempt an activity)."""
    worst: WorstCase | None = None
    """The call's worst case, written to the ledger as an unconfirmed row before the call is sent."""
    lost: list[LostAttempt] = Field(default_factory=list)
    """Earlier attempts of this turn lost with their worker: the ledger says what became of them, and
    one that answered is not sent again (its stored reply is this attempt's answer)."""


class Standing(BaseModel):
    """What a task's model calls send besides the messages, stored once by its hash."""

    system_prompt: str
    tools: list[ToolSpec] = Field(default_factory=list)

    def digest(self) -> str:
        """The content hash it is stored and passed by."""
        text = json.dumps(self.model_dump(mode="json"), sort_keys=True, separators=(",", ":"))
        return hashlib.sha256(text.encode()).hexdigest()


class StandingInput(BaseModel):
    """Store a task's standing instructions and tools under their hash (`store_standing`)."""

    digest: str
    standing: Standing


class ModelTurnResult(BaseModel):
    reply: Message
    usage: Usage
    """What this attempt's own call spent (nothing when it answered with a lost attempt's stored reply)."""
    cost_usd: float | None
    """None when the model's price is unknown (token-only accounting)."""
    provider: Provider
    model: str
    simulated: bool = False
    stop_reason: str | None = None
    settled: list[SettledAttempt] = Field(default_factory=list)
    """What became of the lost attempts the input named."""
    reused: AttemptRef | None = None
    """The lost attempt whose stored reply this is (no call was sent again); None: a new call."""


class CliTurnInput(BaseModel):
    """One turn of a CLI agent: the prompt of this turn, and the tool's session to resume."""

    session: SessionRef
    seq: int = Field(ge=1)
    adapter: Adapter
    cli: CliConfig
    prompt: str
    resume: str | None = None
    """The tool's session id from the task's last turn; None: a new session."""
    attempt: int = 1
    """Which attempt of this turn (the task workflow retries, one attempt an activity)."""
    worst: WorstCase | None = None
    """The turn's worst case (its per-turn budget), written to the ledger before the tool starts."""
    lost: list[LostAttempt] = Field(default_factory=list)
    """Earlier attempts of this turn lost with their worker (the ledger says what became of them)."""
    orphan: dict[str, Any] | None = None
    """A lost attempt's last heartbeat (`pid`, `host`, `marker`): its tool, if it still runs on
    this machine, is killed before this attempt starts another."""
    rules: list[ToolRule] = Field(default_factory=list)
    """The agent's and company's rules that deny or ask of what the tool's own tools do
    (`paperclip.cli_rules.cli_tool_rules`): the tool is started refusing those calls."""
    granted: list[CliGrant] = Field(default_factory=list)
    """Calls asked about and approved: the tool is started allowing exactly these."""


class ToolDenial(BaseModel):
    """A tool call a CLI agent's tool refused under its permission profile: the turn went on
    without it (the tool said so to its model), so the turn is not failed, nor run again."""

    tool: str
    """The tool's own name for it (Claude Code's `Bash`, `Write`, …)."""
    detail: str = ""
    """What it would have done, cut short: the command, the file, the URL."""


class CliSessionTotal(BaseModel):
    """What a CLI tool says one of its sessions has used in all, over every turn so far (Codex
    reports only this). The store keeps the last one booked per session, so the session's next
    turn, on whichever worker, books only what it added (`activities.cli.outcome.turn_usage`)."""

    company_id: str
    tool: str
    session_id: str
    task: str
    usage: Usage


class CliTurnResult(BaseModel):
    reply: Message
    """The tool's final answer (cut short past `max_output_chars`, the whole of it in the store)."""
    usage: Usage
    cost_usd: float | None
    """What the tool reported; None when it reports tokens only (a subscription)."""
    tool: str
    """`claude-code`, `codex`, `opencode`, `gemini` or `process`."""
    model: str
    session_id: str | None = None
    """To resume on the task's next turn."""
    events: int = 0
    """Stream events the tool emitted."""
    event_kinds: dict[str, int] = Field(default_factory=dict)
    """Those events counted by kind (`system/init`, `assistant`, `item.completed`, …; the most
    frequent few dozen), which the trace shows."""
    settled: list[SettledAttempt] = Field(default_factory=list)
    """What became of the lost attempts the input named."""
    denials: list[ToolDenial] = Field(default_factory=list)
    """Tool calls its permissions refused during the turn (its reply says so too): not a clean
    success, though the turn ended."""
    host_queue: str | None = None
    """The CLI queue of the worker host that ran the turn (`<task_queue>-cli@<host>`): the session
    and workspace are on its disk, so the task sends the agent's later turns there (None: a worker
    without one, and the later turns run on any host)."""


class HttpTurnInput(BaseModel):
    """One turn of an `http` agent: the task, posted to its URL."""

    session: SessionRef
    seq: int = Field(ge=1)
    title: str
    http: HttpConfig
    prompt: str
    attempt: int = 1
    """Which attempt of this turn (the task retries the POST since `http-turn-retries`)."""


class HttpTurnResult(BaseModel):
    status_code: int
    """The agent's 2xx."""
    answer: str = ""
    """The start of its response body (it answers the task later, through the API)."""


class AgentCall(BaseModel):
    """A call an agent working outside the workers (a CLI tool, an HTTP agent) makes through the
    API on its own task, as a tool call: the task handles it as it would the model's."""

    agent: str | None
    """Who calls (from its task token), refused once the task is another agent's; None: the board."""
    tool: Literal["complete_task", "delegate_task", "request_approval", "escalate"]
    arguments: dict[str, Any] = Field(default_factory=dict)


class AgentCallAnswer(BaseModel):
    answer: str
    """What the tool says, as the model would read it."""
    subtask: str | None = None
    """The subtask `delegate_task` started."""


class WorkspaceRelease(BaseModel):
    """A CLI task has ended: its worktree may go."""

    company_id: str
    task: str
    agent: str
    cli: CliConfig
    succeeded: bool


class ModelQueueInput(BaseModel):
    """Which model queue a company's agents' calls on a credential go to."""

    company_id: str
    credential: str
    """The credential's name, as the agent's model names it."""
