"""The one vocabulary of the API, the workflows and the activities.

Everything here is a pure pydantic model: it passes through the workflow sandbox and is
serialised by `pydantic_data_converter`. Every Temporal entry point takes one `…Input` and
returns one `…Result`, so a field can be added later without breaking running workflows.
"""

import re
import string
from datetime import datetime
from enum import StrEnum
from typing import Annotated, Any, Literal

from pydantic import BaseModel, Field, field_validator, model_validator

from paperclip.idempotency import Answered

SLUG = re.compile(r"^[a-z0-9][a-z0-9_-]{0,62}$")
PREFIX = re.compile(r"^[A-Z][A-Z0-9]{0,9}$")
NOT_BLANK = r"\S"
"""A schema pattern: the text holds something other than whitespace."""
Slug = Annotated[str, Field(json_schema_extra={"pattern": SLUG.pattern})]
"""A name `check_slug` checks: the schema states its pattern, the validator says in words what is wrong."""
Prefix = Annotated[str, Field(json_schema_extra={"pattern": PREFIX.pattern})]
"""A task-identifier prefix `check_prefix` checks, its pattern stated in the schema."""


def check_slug(value: str, what: str) -> str:
    """`value` if it is a valid identifier (agent, company, template, routine names), else ValueError."""
    if not SLUG.fullmatch(value):
        raise ValueError(f"{what} must be 1-63 lowercase letters, digits, '-' or '_', starting with a letter or digit")
    return value


def check_prefix(value: str) -> str:
    """`value` if it is a valid task-identifier prefix (`ACME`), else ValueError."""
    if not PREFIX.fullmatch(value):
        raise ValueError("prefix must be 1-10 uppercase letters or digits, starting with a letter")
    return value


# --------------------------------------------------------------------------- enums


class Provider(StrEnum):
    OPENAI = "openai"
    """OpenAI, or any OpenAI-compatible endpoint by `base_url` (Ollama, vLLM, LiteLLM, OpenRouter)."""
    ANTHROPIC = "anthropic"
    SIMULATED = "simulated"
    """Offline and deterministic, for demos and tests without keys; labelled wherever it shows."""


class Priority(StrEnum):
    CRITICAL = "critical"
    HIGH = "high"
    MEDIUM = "medium"
    LOW = "low"

    @property
    def rank(self) -> int:
        return _PRIORITY_RANK[self]


_PRIORITY_RANK = {Priority.CRITICAL: 0, Priority.HIGH: 1, Priority.MEDIUM: 2, Priority.LOW: 3}


class TaskStatus(StrEnum):
    """The task lifecycle (see docs/architecture.md).

    queued → running → (blocked ⇄ running) → done | failed; cancelled from any open status.
    """

    QUEUED = "queued"
    """Created, waiting for the company to dispatch it (agent concurrency, company cap)."""
    RUNNING = "running"
    """The agent is taking turns on it."""
    BLOCKED = "blocked"
    """Waiting for the subtasks it delegated; wakes when they finish."""
    DONE = "done"
    FAILED = "failed"
    CANCELLED = "cancelled"

    @property
    def is_terminal(self) -> bool:
        return self in TERMINAL_STATUSES


TERMINAL_STATUSES = frozenset({TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.CANCELLED})

TASK_TRANSITIONS: dict[TaskStatus, frozenset[TaskStatus]] = {
    TaskStatus.QUEUED: frozenset({TaskStatus.RUNNING, TaskStatus.CANCELLED}),
    TaskStatus.RUNNING: frozenset({TaskStatus.BLOCKED, TaskStatus.DONE, TaskStatus.FAILED, TaskStatus.CANCELLED}),
    TaskStatus.BLOCKED: frozenset({TaskStatus.RUNNING, TaskStatus.FAILED, TaskStatus.CANCELLED}),
    TaskStatus.DONE: frozenset(),
    TaskStatus.FAILED: frozenset(),
    TaskStatus.CANCELLED: frozenset(),
}


class InvalidTransition(ValueError):
    """A task status change the lifecycle does not allow."""


def check_transition(old: TaskStatus, new: TaskStatus) -> None:
    """Raise `InvalidTransition` unless `old → new` is allowed (a no-op change is allowed)."""
    if old != new and new not in TASK_TRANSITIONS[old]:
        raise InvalidTransition(f"task status cannot go from {old} to {new}")


class Role(StrEnum):
    """What an agent is for; other agents read it (with `capabilities`) when delegating."""

    CEO = "ceo"
    CTO = "cto"
    CMO = "cmo"
    CFO = "cfo"
    ENGINEER = "engineer"
    DESIGNER = "designer"
    PM = "pm"
    QA = "qa"
    DEVOPS = "devops"
    RESEARCHER = "researcher"
    REVIEWER = "reviewer"
    GENERAL = "general"


class AgentStatus(StrEnum):
    """An agent's lifecycle: `idle` and `running` follow its tasks; the rest are set by people,
    the board's decisions or failures."""

    PENDING_APPROVAL = "pending_approval"
    """Hired by an agent in a company that requires the board's approval; does no work yet."""
    ACTIVE = "active"
    """Hired (or resumed) and available."""
    IDLE = "idle"
    """Available, with no task running."""
    RUNNING = "running"
    """At least one of its tasks is running."""
    PAUSED = "paused"
    """Holds before its next turn until resumed."""
    ERROR = "error"
    """Its last task failed for good; available again once resumed."""
    TERMINATED = "terminated"

    @property
    def is_available(self) -> bool:
        """Takes new work (dispatch starts its queued tasks)."""
        return self in (AgentStatus.ACTIVE, AgentStatus.IDLE, AgentStatus.RUNNING)


_WORKING = frozenset({AgentStatus.ACTIVE, AgentStatus.IDLE, AgentStatus.RUNNING})
AGENT_TRANSITIONS: dict[AgentStatus, frozenset[AgentStatus]] = {
    AgentStatus.PENDING_APPROVAL: frozenset({AgentStatus.ACTIVE, AgentStatus.TERMINATED}),
    AgentStatus.ACTIVE: _WORKING | {AgentStatus.PAUSED, AgentStatus.ERROR, AgentStatus.TERMINATED},
    AgentStatus.IDLE: _WORKING | {AgentStatus.PAUSED, AgentStatus.ERROR, AgentStatus.TERMINATED},
    AgentStatus.RUNNING: _WORKING | {AgentStatus.PAUSED, AgentStatus.ERROR, AgentStatus.TERMINATED},
    AgentStatus.PAUSED: frozenset({AgentStatus.ACTIVE, AgentStatus.TERMINATED}),
    AgentStatus.ERROR: frozenset({AgentStatus.ACTIVE, AgentStatus.PAUSED, AgentStatus.TERMINATED}),
    AgentStatus.TERMINATED: frozenset(),
}


def check_agent_transition(old: AgentStatus, new: AgentStatus) -> None:
    """Raise `InvalidTransition` unless `old → new` is allowed (a no-op change is allowed)."""
    if old != new and new not in AGENT_TRANSITIONS[old]:
        raise InvalidTransition(f"agent status cannot go from {old} to {new}")


class GoalLevel(StrEnum):
    """Where a goal sits in the tree: a goal's parent is on a higher level."""

    COMPANY = "company"
    TEAM = "team"
    AGENT = "agent"
    TASK = "task"

    @property
    def rank(self) -> int:
        return list(GoalLevel).index(self)


class GoalStatus(StrEnum):
    PLANNED = "planned"
    ACTIVE = "active"
    ACHIEVED = "achieved"
    CANCELLED = "cancelled"

    @property
    def is_open(self) -> bool:
        return self in (GoalStatus.PLANNED, GoalStatus.ACTIVE)


GOAL_TRANSITIONS: dict[GoalStatus, frozenset[GoalStatus]] = {
    GoalStatus.PLANNED: frozenset({GoalStatus.ACTIVE, GoalStatus.ACHIEVED, GoalStatus.CANCELLED}),
    GoalStatus.ACTIVE: frozenset({GoalStatus.PLANNED, GoalStatus.ACHIEVED, GoalStatus.CANCELLED}),
    GoalStatus.ACHIEVED: frozenset({GoalStatus.ACTIVE}),
    GoalStatus.CANCELLED: frozenset(),
}


def check_goal_transition(old: GoalStatus, new: GoalStatus) -> None:
    """Raise `InvalidTransition` unless `old → new` is allowed (a no-op change is allowed)."""
    if old != new and new not in GOAL_TRANSITIONS[old]:
        raise InvalidTransition(f"goal status cannot go from {old} to {new}")


class ApprovalKind(StrEnum):
    HIRE_AGENT = "hire_agent"
    """An agent hired another one in a company that requires the board's approval for hires."""
    STRATEGY = "strategy"
    """The CEO's plan for a task, before any work is delegated (when the company requires it)."""
    BOARD = "board"
    """Any agent asks a person."""
    BUDGET_OVERRIDE = "budget_override"
    """A budget ran out: the board raises it (the scope resumes) or keeps the scope paused."""


class ApprovalStatus(StrEnum):
    PENDING = "pending"
    APPROVED = "approved"
    REJECTED = "rejected"
    REVISION_REQUESTED = "revision_requested"
    """Not yet: the agent revises and asks again."""


# --------------------------------------------------------------------------- specs


class ModelPrice(BaseModel):
    """USD per million tokens; overrides the built-in table for one model."""

    input: float = Field(ge=0)
    output: float = Field(ge=0)
    cached_input: float | None = Field(default=None, ge=0)
    """None: the input price."""


class ModelConfig(BaseModel):
    """Which model an agent talks to. Holds no secret: `credential` names one."""

    provider: Provider = Provider.SIMULATED
    model: str = "simulated"
    base_url: str | None = None
    credential: str | None = None
    """Name of the credential (an environment variable for now); default per provider."""
    max_tokens: int = Field(default=1024, ge=1, le=200_000)
    temperature: float | None = Field(default=None, ge=0, le=2)
    heartbeat_timeout_seconds: float = Field(default=30, gt=0)
    """How soon a silent model call (a dead worker) is noticed and retried."""
    turn_timeout_seconds: float = Field(default=600, gt=0)
    price: ModelPrice | None = None
    """Its price, when not the built-in table's (a negotiated rate, a model the table lacks)."""

    @property
    def is_simulated(self) -> bool:
        return self.provider is Provider.SIMULATED

    @property
    def credential_name(self) -> str | None:
        """The credential its calls use (`credential`, else the provider's); None when simulated."""
        if self.provider is Provider.SIMULATED:
            return None
        return self.credential or DEFAULT_CREDENTIALS[self.provider]


DEFAULT_CREDENTIALS = {Provider.OPENAI: "OPENAI_API_KEY", Provider.ANTHROPIC: "ANTHROPIC_API_KEY"}
"""The credential a model uses when its config names none."""


class RateLimit(BaseModel):
    """What a provider allows one credential, shared by every agent and worker that uses it."""

    requests_per_minute: float | None = Field(default=None, gt=0)
    """Calls a minute: Temporal's rate limit on the credential's own model queue."""
    tokens_per_minute: int | None = Field(default=None, gt=0)
    """Tokens a minute (input + output): a token bucket in the store, reserved before each call."""


class HeartbeatPolicy(BaseModel):
    """When an agent wakes on its own. A wake first checks, without any model call, whether
    there is work; with none it spends nothing."""

    interval_seconds: int | None = Field(default=None, ge=60)
    """Periodic wake; None: no periodic wake."""
    wake_on_assignment: bool = True
    wake_on_comment: bool = True


class Budget(BaseModel):
    """A monthly cap (UTC calendar month) in USD or tokens; None: no cap of that kind."""

    monthly_usd: float | None = Field(default=None, ge=0)
    monthly_tokens: int | None = Field(default=None, ge=0)

    @property
    def is_capped(self) -> bool:
        return self.monthly_usd is not None or self.monthly_tokens is not None

    @property
    def limits(self) -> tuple[float | None, int | None]:
        return self.monthly_usd, self.monthly_tokens


class Cap(BaseModel):
    """A lifetime cap, in USD or tokens (None: no cap of that kind): on a task with its
    subtasks, or on a goal with the goals under it."""

    usd: float | None = Field(default=None, ge=0, allow_inf_nan=False)
    tokens: int | None = Field(default=None, ge=0)

    @property
    def is_capped(self) -> bool:
        return self.usd is not None or self.tokens is not None

    @property
    def limits(self) -> tuple[float | None, int | None]:
        return self.usd, self.tokens


class Spend(BaseModel):
    """Spend in one month (or, under a `Cap`, since the cap was set), and what running calls
    have reserved of it."""

    usd: float = 0.0
    tokens: int = 0
    reserved_usd: float = 0.0
    reserved_tokens: int = 0
    unconfirmed_usd: float = 0.0
    """Of `usd`: attempts lost with their worker, charged at their worst case."""
    unconfirmed_tokens: int = 0

    def room(self, budget: "Budget | Cap", usd: float, tokens: int, *, counting_reserved: bool = True) -> bool:
        """Whether a call costing at most `usd` / `tokens` fits under `budget` with what is spent
        (and, counting them, what calls in flight have reserved)."""
        reserved_usd, reserved_tokens = (self.reserved_usd, self.reserved_tokens) if counting_reserved else (0.0, 0)
        max_usd, max_tokens = budget.limits
        if max_usd is not None and self.usd + reserved_usd + usd > max_usd + 1e-12:
            return False
        return max_tokens is None or self.tokens + reserved_tokens + tokens <= max_tokens

    def share(self, budget: "Budget | Cap") -> float:
        """The larger of the spent shares of the caps (0 with no cap)."""
        max_usd, max_tokens = budget.limits
        shares = [0.0]
        if max_usd:
            shares.append(self.usd / max_usd)
        if max_tokens:
            shares.append(self.tokens / max_tokens)
        return max(shares)


class CapState(BaseModel):
    """A lifetime cap in a company, with what its scope spent since the cap was set."""

    scope: str
    """`task:ACME-3` (the task and its subtasks) or `goal:G2` (tasks serving it or a goal under it)."""
    cap: Cap
    spend: Spend = Field(default_factory=Spend)
    stopped: bool = False
    """A call did not fit: the tasks it covers hold until the cap is raised."""


class Permissions(BaseModel):
    can_hire: bool = False
    """May call `hire_agent` (from a template)."""


class EndpointKind(StrEnum):
    OPENAI_COMPATIBLE = "openai-compatible"
    """An OpenAI-compatible API (Ollama, vLLM, LiteLLM, OpenRouter, OpenAI itself)."""
    ANTHROPIC = "anthropic"


class Endpoint(BaseModel):
    """A model server registered by name: a credential of the same owner and name (keyless for a
    server that needs no key) bound to its URL."""

    name: Slug
    team: str | None = None
    """The team it belongs to; None: the deployment's."""
    kind: EndpointKind = Field(alias="type")
    url: str = Field(pattern=r"^https?://", max_length=2_000)
    model: str | None = None
    """The model agents on it use by default."""
    has_key: bool = False

    model_config = {"populate_by_name": True, "serialize_by_alias": True}

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_slug(v, "endpoint name")

    def model_config_for(self, model: str | None = None) -> "ModelConfig":
        """The `ModelConfig` of an agent on this endpoint."""
        provider = Provider.ANTHROPIC if self.kind is EndpointKind.ANTHROPIC else Provider.OPENAI
        return ModelConfig(
            provider=provider,
            model=model or self.model or "default",
            base_url=self.url,
            credential=self.name,
        )


class Adapter(StrEnum):
    """What runs an agent's turns."""

    MODEL = "model"
    """A model call with tools (`AgentSpec.model`), the default."""
    CLAUDE_LOCAL = "claude_local"
    """Claude Code: `claude -p … --output-format stream-json`."""
    CODEX_LOCAL = "codex_local"
    """Codex CLI: `codex exec --json …`."""
    OPENCODE_LOCAL = "opencode_local"
    """OpenCode: `opencode run --format json …`."""
    PROCESS = "process"
    """Any command: the prompt on stdin or as an argument, stdout is the result, exit code 0 is success."""
    HTTP = "http"
    """An agent behind a URL (`AgentSpec.http`): each turn POSTs the task to it, a 2xx is "accepted",
    and the agent answers later by calling the API back with its task token."""


class CliConfig(BaseModel):
    """How a CLI agent's turns run (adapters other than `model`). Holds no secret."""

    command: list[str] = Field(default_factory=list)
    """The executable and its fixed arguments; empty: the adapter's own (`claude`, `codex`,
    `opencode`); required for `process`."""
    args: list[str] = Field(default_factory=list)
    """Extra arguments, after the adapter's."""
    model: str | None = None
    """Passed as the tool's model (`--model`); for OpenCode `provider/model`."""
    prompt_on_stdin: bool = True
    """`process` only: the prompt on stdin (else as the last argument)."""
    env: dict[str, str] = Field(default_factory=dict)
    """Variables the tool gets besides its scrubbed environment (no secrets: they travel in
    history). The API refuses names of keys, base URLs, proxies and the like (`paperclip.cli_rules`)."""
    credential: str | None = None
    """The credential whose key the tool gets (in its key variable, e.g. `ANTHROPIC_API_KEY`), if it
    is bound to the tool's URL. None: the provider's key (`ANTHROPIC_API_KEY`, `OPENAI_API_KEY`)
    when `base_url` is unset, else no key."""
    base_url: str | None = Field(default=None, pattern=r"^https?://", max_length=2_000)
    """The provider URL the tool is told (e.g. `ANTHROPIC_BASE_URL`); None: the provider's own."""
    workspace: str | None = None
    """The working directory, inside the deployment's workspace roots; None: a folder of the
    agent's under `PAPERCLIP_HOME/workspaces/<company>`."""
    worktrees: bool = True
    """When the workspace is a git repository, each task works in a git worktree of its own
    (`PAPERCLIP_HOME/worktrees/<company>/<task>`, branch `paperclip/<company>/<task>`)."""
    keep_worktree_on_failure: bool = True
    """A failed or cancelled task's worktree stays for inspection (a done task's always goes)."""
    turn_timeout_seconds: float = Field(default=1800, gt=0)
    """A turn running longer is stopped: SIGTERM to its process group, SIGKILL after `grace_seconds`."""
    grace_seconds: float = Field(default=10, ge=0)
    heartbeat_timeout_seconds: float = Field(default=30, gt=0)
    """How soon a lost worker is noticed (the turn heartbeats every few seconds while it runs)."""
    max_output_chars: int = Field(default=32_000, ge=1_000, le=1_000_000)
    """A result longer than this travels in history cut short, with a reference to the whole
    text in the store (Temporal's payloads stay small)."""
    turn_budget_usd: float | None = Field(default=None, gt=0, allow_inf_nan=False)
    """The most one turn may cost. Under a budget each turn reserves it before it runs; Claude
    Code gets it as `--max-budget-usd`, and a tool whose output reports cost as it goes is
    stopped once it passes it. None: the turn reserves nothing and is counted when it ends."""
    turn_budget_tokens: int | None = Field(default=None, gt=0)
    """The same, in tokens."""

    @field_validator("env")
    @classmethod
    def _env(cls, env: dict[str, str]) -> dict[str, str]:
        for name in env:
            if not name or "=" in name or name.startswith("PAPERCLIP_"):
                raise ValueError(f"{name!r}: an environment variable name, not a PAPERCLIP_ one")
        return env


HTTP_PLACEHOLDERS = frozenset(
    {"prompt", "task_id", "title", "company_id", "agent", "turn", "api_url", "task_url", "token", "expires_at"}
)
"""What an `HttpConfig.template` may use, as `$name` (or `${name}`)."""


class HttpConfig(BaseModel):
    """How an `http` agent gets its turns. Holds no secret: a key is named by `credential`."""

    url: str = Field(pattern=r"^https?://", max_length=2_000)
    headers: dict[str, str] = Field(default_factory=dict)
    """Sent with every turn (no secrets: they would travel in history; see `credential`)."""
    credential: str | None = None
    """A stored credential or endpoint name (`paperclip agent register`), else an environment
    variable of the worker: sent as `Authorization: Bearer <key>`."""
    template: str | None = None
    """The request body with `$placeholders` (`HTTP_PLACEHOLDERS`), each replaced by its value
    JSON-escaped, so it goes inside quotes: `{"text": "$prompt", "reply_to": "$task_url"}`.
    None: a JSON document with the task, the prompt and the callback (see the README)."""
    content_type: str = "application/json"
    timeout_seconds: float = Field(default=30, gt=0, le=600)
    """For the POST to be answered; a 5xx, a 429 or no answer is retried, any other 4xx is final."""
    reply_timeout_seconds: float = Field(default=3600, gt=0, le=7 * 24 * 3600)
    """How long the task waits for the agent's answer after a 2xx; then it fails. The agent's
    token expires five minutes after."""

    @field_validator("headers")
    @classmethod
    def _headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name in headers:
            if not name or not all(c.isalnum() or c in "-_" for c in name):
                raise ValueError(f"{name!r}: not a header name")
            if name.lower() == "authorization":
                raise ValueError("the Authorization header comes from `credential` (a secret would travel in history)")
        return headers

    @field_validator("template")
    @classmethod
    def _template(cls, template: str | None) -> str | None:
        if template is None:
            return None
        try:
            names = set(string.Template(template).get_identifiers())
        except ValueError as err:
            raise ValueError(f"the template: {err}") from None
        unknown = names - HTTP_PLACEHOLDERS
        if unknown or not string.Template(template).is_valid():
            known = ", ".join(f"${n}" for n in sorted(HTTP_PLACEHOLDERS))
            raise ValueError(f"the template uses {', '.join(sorted(unknown)) or 'a bad $'}; it may use {known}")
        return template


class AgentSpec(BaseModel):
    """An agent as hired: who it is, what it runs on, whom it reports to."""

    name: Slug
    role: Role = Role.GENERAL
    title: str = ""
    capabilities: str = ""
    """Free text other agents read when choosing whom to delegate to."""
    system_prompt: str = ""
    model: ModelConfig = Field(default_factory=ModelConfig)
    reports_to: str | None = None
    max_turns: int = Field(default=20, ge=1, le=10_000)
    max_concurrent_runs: int = Field(default=4, ge=1, le=500)
    wake_model: ModelConfig | None = None
    """A cheaper model for the work its heartbeat finds for it (planning an unattended goal)."""
    fallback_models: list[ModelConfig] = Field(default_factory=list, max_length=5)
    """Tried in order when a call on the model before fails for good (retries spent, or refused)."""
    tools: list[str] | None = None
    """Tools it may use beyond the standard ones; None: the standard set."""
    heartbeat: HeartbeatPolicy = Field(default_factory=HeartbeatPolicy)
    budget: Budget = Field(default_factory=Budget)
    permissions: Permissions = Field(default_factory=Permissions)
    template: str | None = None
    """The template it was hired from, if any."""
    adapter: Adapter = Adapter.MODEL
    cli: CliConfig = Field(default_factory=CliConfig)
    """How its turns run when `adapter` is a CLI tool or `process`."""
    http: HttpConfig | None = None
    """Where its turns go when `adapter` is `http`."""

    @field_validator("name")
    @classmethod
    def _name(cls, v: str) -> str:
        return check_slug(v, "agent name")

    @model_validator(mode="after")
    def _process_needs_a_command(self) -> "AgentSpec":
        if self.adapter is Adapter.PROCESS and not self.cli.command:
            raise ValueError("a `process` agent needs `cli.command`")
        if self.adapter is Adapter.HTTP and self.http is None:
            raise ValueError("an `http` agent needs `http.url`")
        return self


class AgentBrief(BaseModel):
    """What a delegator sees of a report: enough to choose whom to give work to."""

    name: str
    role: Role
    title: str
    capabilities: str


class CompanySpec(BaseModel):
    id: Slug
    name: str = Field(min_length=1, max_length=200)
    mission: str = ""
    prefix: Prefix
    require_hire_approval: bool = False
    """Agents hired by agents wait (`pending_approval`) until the board approves."""
    require_strategy_approval: bool = False
    """The CEO's plan for each of its tasks needs the board's approval before it delegates."""
    approval_timeout_seconds: int | None = Field(default=None, ge=60)
    """An approval undecided this long is escalated (flagged for the board, in the activity log)."""
    budget: Budget = Field(default_factory=Budget)
    """The company's monthly cap, over every agent."""
    soft_limit: float = Field(default=0.8, gt=0, le=1)
    """The share of a budget at which the board is warned."""

    @field_validator("id")
    @classmethod
    def _id(cls, v: str) -> str:
        return check_slug(v, "company id")

    @field_validator("prefix")
    @classmethod
    def _prefix(cls, v: str) -> str:
        return check_prefix(v)


# --------------------------------------------------------------------------- messages


class ToolCall(BaseModel):
    id: str
    name: str
    arguments: dict[str, Any] = Field(default_factory=dict)


class Message(BaseModel):
    """One message of a conversation, provider-neutral."""

    role: Literal["system", "user", "assistant", "tool"]
    content: str = ""
    tool_calls: list[ToolCall] = Field(default_factory=list)
    tool_call_id: str | None = None
    """For role `tool`: the call this answers."""
    author: str | None = None
    """Who said it, for traces: an agent name, `board`, or a task identifier."""


class Usage(BaseModel):
    input_tokens: int = 0
    output_tokens: int = 0
    cached_input_tokens: int = 0

    def __add__(self, other: "Usage") -> "Usage":
        return Usage(
            input_tokens=self.input_tokens + other.input_tokens,
            output_tokens=self.output_tokens + other.output_tokens,
            cached_input_tokens=self.cached_input_tokens + other.cached_input_tokens,
        )

    def __sub__(self, other: "Usage") -> "Usage":
        return Usage(
            input_tokens=self.input_tokens - other.input_tokens,
            output_tokens=self.output_tokens - other.output_tokens,
            cached_input_tokens=self.cached_input_tokens - other.cached_input_tokens,
        )


class ToolSpec(BaseModel):
    name: str
    description: str
    parameters: dict[str, Any]
    """JSON schema of the arguments."""


class SessionRef(BaseModel):
    """Where a conversation's earlier messages live in the store."""

    company_id: str
    task: str
    """The task identifier, e.g. `ACME-12.3`."""
    agent: str
    goal: str | None = None
    """The goal the task serves, for the cost ledger."""


# --------------------------------------------------------------------------- activities


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
    system_prompt: str
    tools: list[ToolSpec]
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


class TeamRole(StrEnum):
    """What a member may do in its team's companies."""

    OWNER = "owner"
    """Everything, and manages the team's members."""
    OPERATOR = "operator"
    """Reads and changes: companies, agents, tasks, approvals."""
    VIEWER = "viewer"
    """Reads only."""


class ApiKeyInfo(BaseModel):
    """An API key as listed: never its secret."""

    id: str
    user: str
    label: str
    created_at: datetime
    revoked_at: datetime | None = None


class HttpTurnInput(BaseModel):
    """One turn of an `http` agent: the task, posted to its URL."""

    session: SessionRef
    seq: int = Field(ge=1)
    title: str
    http: HttpConfig
    prompt: str


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


class CliTurnResult(BaseModel):
    reply: Message
    """The tool's final answer (cut short past `max_output_chars`, the whole of it in the store)."""
    usage: Usage
    cost_usd: float | None
    """What the tool reported; None when it reports tokens only (a subscription)."""
    tool: str
    """`claude-code`, `codex`, `opencode` or `process`."""
    model: str
    session_id: str | None = None
    """To resume on the task's next turn."""
    events: int = 0
    """Stream events the tool emitted."""
    settled: list[SettledAttempt] = Field(default_factory=list)
    """What became of the lost attempts the input named."""


class ActivityEntry(BaseModel):
    """One line of the company's activity log."""

    id: str
    """Unique and deterministic (made with `workflow.uuid4()`): a retried write is not doubled."""
    company_id: str
    at: datetime
    kind: str
    """e.g. `company.created`, `agent.hired`, `task.created`, `task.status`, `task.finished`."""
    actor: str
    """`board`, an agent name, or `system`."""
    task: str | None = None
    agent: str | None = None
    summary: str = ""
    data: dict[str, Any] = Field(default_factory=dict)


class Unconfirmed(BaseModel):
    """Attempts whose worker was lost before the provider's answer was known, charged at their worst
    case: budgets count them as spent (a cap is never passed), costs show them apart."""

    attempts: int = 0
    tokens: int = 0
    usd: float = 0.0

    def __add__(self, other: "Unconfirmed") -> "Unconfirmed":
        return Unconfirmed(
            attempts=self.attempts + other.attempts,
            tokens=self.tokens + other.tokens,
            usd=round(self.usd + other.usd, 10),
        )

    def __sub__(self, other: "Unconfirmed") -> "Unconfirmed":
        return Unconfirmed(
            attempts=self.attempts - other.attempts,
            tokens=self.tokens - other.tokens,
            usd=round(self.usd - other.usd, 10),
        )


class RetryState(BaseModel):
    """A task waiting to try its failed model call again (the task workflow owns the retries)."""

    attempt: int
    """The attempt that comes next (from 2)."""
    of: int
    """The most attempts a call gets on one model."""
    at: datetime
    """When the next attempt goes."""
    error: str
    """Why the last one failed."""
    model: str


class TaskRecord(BaseModel):
    """A task as the store keeps it (kept after the company forgets it)."""

    company_id: str
    identifier: str
    title: str
    brief: str = ""
    assignee: str
    parent: str | None = None
    priority: Priority = Priority.MEDIUM
    status: TaskStatus = TaskStatus.QUEUED
    result: str | None = None
    turns: int = 0
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0
    created_at: datetime
    updated_at: datetime
    routine: str | None = None
    """The routine that created it, if any."""
    goal: str | None = None
    """The goal it serves; a subtask serves its parent's."""
    unconfirmed: "Unconfirmed" = Field(default_factory=lambda: Unconfirmed())
    """Model calls lost with their worker before they answered, charged at their worst case."""
    retry: "RetryState | None" = None
    """Set while the task waits to try a failed model call again."""
    held: str | None = None
    """Why the task holds before its next turn (`budget`, `agent paused`, `company paused`, …); None: it does not."""


class TaskDetail(TaskRecord):
    """A task with the subtasks it delegated (direct children, oldest first)."""

    subtasks: list[TaskRecord] = Field(default_factory=list)


class CommentPosted(BaseModel):
    """The tasks a comment reached: the one commented on, then those of agents it @-mentioned."""

    reached: list[str]


class CostEvent(BaseModel):
    """One model call's usage and price, as the ledger keeps it: one row per attempt (session, seq,
    model, attempt), written unconfirmed at its worst case before the call is sent and confirmed
    with what the provider reported the moment it answers."""

    company_id: str
    agent: str
    task: str
    goal: str | None = None
    seq: int
    provider: str
    """A `Provider`, or the CLI tool that made the call (`claude-code`, `codex`, `opencode`, `process`)."""
    model: str
    usage: Usage
    cost_usd: float | None
    """None when the model's price is unknown: token-only accounting, never a silent zero."""
    simulated: bool = False
    at: datetime
    model_index: int = 0
    """0: the agent's own model; n: its n-th fallback."""
    attempt: int = 1
    """Which attempt of the turn on that model (each is a row of its own)."""
    confirmed: bool = True
    """False: the attempt's worker was lost before the provider's answer was known; `usage` and
    `cost_usd` are then its worst case, charged so that a cap is never passed."""


class CostGroup(StrEnum):
    """What a cost summary adds up by."""

    AGENT = "agent"
    MODEL = "model"
    """`provider:model`, e.g. `openai:gpt-4o`."""
    TASK = "task"
    DAY = "day"
    """The UTC date of the call, `YYYY-MM-DD`."""
    GOAL = "goal"
    """The goal the task served; None for tasks that serve none."""


class CostLine(BaseModel):
    """The calls of one group (or of all of them)."""

    key: str | None
    calls: int = 0
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0
    """USD of the priced calls; unpriced ones count in tokens only."""
    unpriced_calls: int = 0
    """Calls of a model without a price: their cost is unknown, not zero."""
    unconfirmed: Unconfirmed = Field(default_factory=Unconfirmed)
    """Calls lost with their worker before they answered (in `calls`, `usage` and `cost_usd` at
    their worst case)."""


class RecordInput(BaseModel):
    """A batch of store writes from the company workflow (one activity per batch)."""

    activity: list[ActivityEntry] = Field(default_factory=list)
    tasks: list[TaskRecord] = Field(default_factory=list)


# --------------------------------------------------------------------------- company workflow


class GoalInput(BaseModel):
    """A goal to add to the company's goal tree."""

    title: str = Field(min_length=1, max_length=300, json_schema_extra={"pattern": NOT_BLANK})
    description: str = Field(default="", max_length=5_000)
    level: GoalLevel = GoalLevel.COMPANY
    parent: str | None = None
    """The goal this one serves (on a higher level); none for a company goal."""
    owner: str | None = None
    """The agent answerable for it; required below the company level."""
    status: GoalStatus = GoalStatus.ACTIVE
    budget: Cap | None = None
    """A lifetime cap on the tasks serving it or a goal under it."""
    actor: str = "board"

    @field_validator("title")
    @classmethod
    def _title(cls, v: str) -> str:
        if not v.strip():
            raise ValueError("a goal needs a title")
        return v.strip()


class Goal(BaseModel):
    id: str
    """`G1`, `G2`, … in the company."""
    title: str
    description: str = ""
    level: GoalLevel
    parent: str | None = None
    owner: str | None = None
    status: GoalStatus
    created_at: datetime
    updated_at: datetime


class GoalUpdateInput(BaseModel):
    """Change a goal's status or wording."""

    id: str
    status: GoalStatus | None = None
    title: str | None = Field(default=None, min_length=1, max_length=300)
    description: str | None = Field(default=None, max_length=5_000)
    note: str = Field(default="", max_length=2_000)
    actor: str = "board"


class Approval(BaseModel):
    """A question for the board, and its answer."""

    id: str
    """`AP-1`, `AP-2`, … in the company."""
    request_id: str
    """The asking task's own id for it: a repeated request is not doubled."""
    kind: ApprovalKind
    title: str
    details: str = ""
    requested_by: str
    """The agent that asked."""
    task: str | None = None
    """The task that asked, which the decision wakes."""
    agent: AgentSpec | None = None
    """For `hire_agent`: the agent to hire."""
    status: ApprovalStatus = ApprovalStatus.PENDING
    note: str = ""
    """The decision's note: why, or what to revise."""
    decided_by: str | None = None
    created_at: datetime
    decided_at: datetime | None = None
    escalated: bool = False
    """Undecided past the company's approval timeout."""


class ApprovalRequest(BaseModel):
    """Signal from a task to its company: ask the board (or hire, which may need the board)."""

    request_id: str
    kind: ApprovalKind
    title: str
    details: str = ""
    requested_by: str
    task: str
    agent: AgentSpec | None = None


class DecideApprovalInput(BaseModel):
    id: str
    decision: Literal[ApprovalStatus.APPROVED, ApprovalStatus.REJECTED, ApprovalStatus.REVISION_REQUESTED]
    note: str = Field(default="", max_length=5_000)
    actor: str = "board"


class ApprovalAnswer(BaseModel):
    """Signal from the company to the asking task: the request's outcome so far, or the decision."""

    request_id: str
    ok: bool = True
    """False: the request was refused outright (`message` says why)."""
    message: str = ""
    approval: Approval | None = None
    """None when no approval was needed (a hire in a company that does not require one)."""


class ApprovalTimedOut(BaseModel):
    """Signal from a waiting task to its company: the approval passed the company's timeout."""

    request_id: str


class AgentState(BaseModel):
    spec: AgentSpec
    status: AgentStatus = AgentStatus.ACTIVE
    running: int = 0
    """Top-level tasks dispatched to it and not finished."""
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0
    wakes: int = 0
    """Heartbeat wakes that found work."""
    skipped_wakes: int = 0
    """Heartbeat wakes that found none and spent nothing."""
    last_wake: datetime | None = None
    awake: bool = False
    spend: Spend = Field(default_factory=Spend)
    """This month's spend (see `CompanyState.month`)."""
    unconfirmed: Unconfirmed = Field(default_factory=Unconfirmed)
    """Its tasks' unconfirmed attempts (in `spend`, not in `usage`)."""
    pause_reason: str | None = None
    """`budget` when its budget stopped it (a new month resumes it)."""
    """Woken with tasks waiting for it (`wake_on_assignment` off): dispatch may start them."""
    unanswered: list[str] = Field(default_factory=list)
    """Its tasks with comments it has not been woken for (`wake_on_comment` off)."""


class CompanyState(BaseModel):
    """Everything the company carries across continue-as-new."""

    spec: CompanySpec
    agents: dict[str, AgentState] = Field(default_factory=dict)
    tasks: dict[str, TaskRecord] = Field(default_factory=dict)
    queue: list[str] = Field(default_factory=list)
    """Identifiers waiting for dispatch, in arrival order (dispatch sorts by priority)."""
    counter: int = 0
    recent: list[ActivityEntry] = Field(default_factory=list)
    seen_events: dict[str, int] = Field(default_factory=dict)
    """Highest event sequence handled per task: task signals are at-least-once."""
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0
    unconfirmed: Unconfirmed = Field(default_factory=Unconfirmed)
    """Unconfirmed attempts of its tasks (in `spend`, not in `usage`)."""
    archived: bool = False
    paused: bool = False
    """Paused by the board: nothing is dispatched and every task holds before its next turn."""
    routine_fires: dict[str, str] = Field(default_factory=dict)
    """The last scheduled run seen per routine (signals are at-least-once)."""
    generation: int = 0
    """How many times the company has continued-as-new."""
    goals: dict[str, Goal] = Field(default_factory=dict)
    goal_counter: int = 0
    approvals: dict[str, Approval] = Field(default_factory=dict)
    """Pending ones, and the last decided ones (older ones are in the activity log)."""
    approval_counter: int = 0
    month: str | None = None
    """The UTC month spend is counted in (`2026-11`)."""
    spend: Spend = Field(default_factory=Spend)
    reservations: dict[str, "Reservation"] = Field(default_factory=dict)
    """Per task: what its model call in flight may cost at most."""
    woken: list[str] = Field(default_factory=list)
    """Queued tasks its agent's heartbeat created: they run on the agent's `wake_model`, if any."""
    deferred: list["BudgetRequest"] = Field(default_factory=list)
    """Requests that fit the budgets but not beside the calls in flight: granted as those settle."""
    pause_reason: str | None = None
    """`budget` (its budget stopped it) or `brake` (the emergency brake); None when paused by hand."""
    warned: list[str] = Field(default_factory=list)
    """Scopes (`company`, agent names, `task:…`, `goal:…`) warned this month for passing the soft limit."""
    caps: dict[str, CapState] = Field(default_factory=dict)
    """Lifetime caps on tasks and goals, by scope."""
    answered: dict[str, Answered] = Field(default_factory=dict)
    """Updates sent with an idempotency key, oldest first (`workflows/company_idempotency.py`)."""


class Reservation(BaseModel):
    agent: str
    seq: int
    usd: float
    tokens: int
    caps: list[str] = Field(default_factory=list)
    """The lifetime caps it was reserved from (a cap set or dropped meanwhile is not touched)."""


class BudgetRequest(BaseModel):
    """Signal from a task to its company before a model call: may it spend this much at most?"""

    identifier: str
    seq: int
    """The turn it is for: the answer names it."""
    agent: str
    usd: float
    tokens: int
    used: Usage
    """The task's usage so far (cumulative), which also settles its previous call."""
    used_usd: float
    unconfirmed: Unconfirmed | None = None
    """The task's unconfirmed attempts so far (cumulative): counted as spent."""


class BudgetDecision(BaseModel):
    """Signal from the company to a task: the model call may go ahead, or its budget is spent."""

    seq: int
    granted: bool
    reason: str = ""


class SetBudgetInput(BaseModel):
    """Set the company's or an agent's monthly budget (None: no cap of that kind)."""

    scope: str = "company"
    """`company` or an agent's name."""
    monthly_usd: float | None = Field(default=None, ge=0)
    monthly_tokens: int | None = Field(default=None, ge=0)
    actor: str = "board"


class SetCapInput(BaseModel):
    """Set (or, with no cap of either kind, drop) the lifetime cap of a task or a goal."""

    scope: str
    """`task:ACME-3` or `goal:G2`."""
    cap: Cap
    actor: str = "board"


class CompanyInput(BaseModel):
    spec: CompanySpec | None = None
    agents: list[AgentSpec] = Field(default_factory=list)
    state: CompanyState | None = None
    """Set when continuing-as-new."""
    goals: list[GoalInput] = Field(default_factory=list)
    """The founding goals (the API requires at least one company goal)."""
    continue_as_new_after_events: int | None = None
    """Continue-as-new after this many handled messages (tests); Temporal's suggestion always applies."""
    actor: str = "board"
    """Who founded it (the activity log says so)."""


class CompanyResult(BaseModel):
    company_id: str
    archived: bool


class HireAgentInput(BaseModel):
    agent: AgentSpec
    actor: str = "board"


class CreateTaskInput(BaseModel):
    title: str = Field(max_length=500, json_schema_extra={"pattern": NOT_BLANK})
    """Not blank (the company refuses it, 400)."""
    brief: str = Field(default="", max_length=100_000)
    assignee: str
    priority: Priority = Priority.MEDIUM
    goal: str | None = None
    """The goal it serves (`G3`)."""
    budget: Cap | None = None
    """A lifetime cap on the task with its subtasks (on top of the monthly budgets)."""
    actor: str = "board"
    """Who asked for it (the API sets the caller; the activity log says so)."""


class CreateTasksInput(BaseModel):
    """Several tasks in one update (an import, a fan-out): one round trip, one workflow task."""

    tasks: list[CreateTaskInput] = Field(min_length=1, max_length=500)


class RoutineFire(BaseModel):
    """Signal from a routine's scheduled run to its company: create the routine's task now."""

    fire_id: str
    """The scheduled run's workflow id: a repeat of the same run is dropped."""
    routine: str
    task: CreateTaskInput
    skip_if_open: bool = True
    """Overlap policy: no new task while the routine's last one is still open."""


class CompanySnapshot(BaseModel):
    """What the API and the dashboard read (a query, answered from memory)."""

    spec: CompanySpec
    agents: list[AgentState]
    tasks: list[TaskRecord]
    queue: list[str]
    recent: list[ActivityEntry]
    usage: Usage
    cost_usd: float
    unconfirmed: Unconfirmed = Field(default_factory=Unconfirmed)
    """Model calls lost with their worker, charged at their worst case (in `spend`, not `usage`)."""
    archived: bool
    paused: bool = False
    pause_reason: str | None = None
    """`budget` when the company's budget stopped it, `brake` when the emergency brake did."""
    generation: int
    goals: list[Goal] = Field(default_factory=list)
    approvals: list[Approval] = Field(default_factory=list)
    month: str | None = None
    spend: Spend = Field(default_factory=Spend)
    budget_warnings: list[str] = Field(default_factory=list)
    """Scopes past their soft limit or stopped by their budget this month, as sentences."""
    caps: list[CapState] = Field(default_factory=list)
    """Lifetime caps on tasks and goals, with their spend."""
    simulated_agents: list[str]
    """Agents on the offline `simulated` model: shown as such wherever they appear."""


class TaskEvent(BaseModel):
    """Signal from a task to its company: a status change, a turn's usage, or its end."""

    identifier: str
    seq: int
    """Per-task increasing sequence: the company ignores a repeat."""
    kind: Literal["started", "status", "turn", "finished", "retry"]
    status: TaskStatus | None = None
    record: TaskRecord | None = None
    """Sent with `started` (a delegated task introduces itself) and `finished`."""
    usage: Usage | None = None
    """The task's usage so far (cumulative, so a dropped or repeated event loses nothing)."""
    cost_usd: float | None = None
    """The task's cost so far (cumulative)."""
    turns: int | None = None
    """Turns taken so far."""
    summary: str = ""
    unconfirmed: Unconfirmed | None = None
    """The task's unconfirmed attempts so far (cumulative, like `usage`)."""
    retry: RetryState | None = None
    """Sent with every event: the retry the task waits for, or None (it is not retrying)."""


# --------------------------------------------------------------------------- task workflow


class TaskCarry(BaseModel):
    """What a task carries across continue-as-new."""

    turn: int = 0
    event_seq: int = 0
    reported_turn: int = 0
    """The turn whose usage the company last heard of (an event or a budget request carried it)."""
    status: TaskStatus = TaskStatus.RUNNING
    pending: list[Message] = Field(default_factory=list)
    open_children: dict[str, str] = Field(default_factory=dict)
    """Identifier → assignee of the subtasks still running."""
    child_counter: int = 0
    usage: Usage = Field(default_factory=Usage)
    cost_usd: float = 0.0
    held: bool = False
    """Holding before the next turn (its agent or the company is paused)."""
    admitted: bool = False
    """A delegated task waits for the company's first `hold` signal before its first turn."""
    cancel: "CancelTask | None" = None
    """Set when a cancellation arrived: the task stops and cancels its subtree."""
    handing_over: bool = False
    """Escalated: no turn until the company hands the task to the manager."""
    comments_waiting: int = 0
    """Comments not yet given to the agent: they wake a blocked task."""
    quiet_comments: int = 0
    """Comments that wake the task only with its agent's next heartbeat (`wake_on_comment` off)."""
    seen_comments: list[str] = Field(default_factory=list)
    request_counter: int = 0
    answers: dict[str, "ApprovalAnswer"] = Field(default_factory=dict)
    """The company's latest answer per request this task made."""
    waiting_for: str | None = None
    """The request whose decision the task waits for (no turns meanwhile)."""
    waiting_since: datetime | None = None
    wait_escalated: bool = False
    announced: list[str] = Field(default_factory=list)
    """Requests whose decision the agent has been told."""
    fallback: int = 0
    """Which model the task runs on: 0 the agent's own, n its n-th fallback."""
    cli_session: str | None = None
    """A CLI agent's session on this task (its tool's session id), resumed by its next turn."""
    budgeted: bool | None = None
    """Set when the company announced a cap after the task started (see `TaskInput.company_budgeted`)."""
    prompt_tokens: int = 0
    """The last call's prompt plus its reply, in tokens: the next prompt's size before new messages."""
    budget_decision: "BudgetDecision | None" = None
    """The company's answer to this task's latest budget request."""
    strategy_approved: bool = False
    """The board approved the plan (companies that require it: no delegation before)."""
    attempt: int = 0
    """Attempts made of the current turn's call on the current model (the workflow retries)."""
    lost: list[LostAttempt] = Field(default_factory=list)
    """Attempts of the current turn lost with their worker, not yet settled by a later attempt."""
    unconfirmed: Unconfirmed = Field(default_factory=Unconfirmed)
    """Lost attempts charged at their worst case (never settled, or settled as unknown)."""
    retry: RetryState | None = None
    """The retry the task waits for, if any."""


class TaskInput(BaseModel):
    company_id: str
    company_name: str = ""
    mission: str = ""
    identifier: str
    title: str
    brief: str = ""
    priority: Priority = Priority.MEDIUM
    agent: AgentSpec
    team: list[AgentSpec] = Field(default_factory=list)
    """The agent's subtree below it in the org chart: whom it may delegate to."""
    parent: str | None = None
    depth: int = 0
    goal: str | None = None
    goals: list[Goal] = Field(default_factory=list)
    """The goals the agent sees: for the CEO every open goal, else its task's goal and those above it."""
    require_strategy_approval: bool = False
    approval_timeout_seconds: int | None = None
    company_budgeted: bool = True
    """The company had a cap when the task started: each call is reserved first (so is every call of
    an agent with a cap of its own). Without any, calls go ahead unreserved, and spend is counted as
    the task reports it; setting a cap later tells the running tasks."""
    created_at: datetime | None = None
    """When the task was made: the company queued it, or its parent delegated it."""
    carry: TaskCarry | None = None
    continue_as_new_after_turns: int | None = None
    """Continue-as-new after this many turns in one run (tests); Temporal's suggestion always applies."""


class TaskResult(BaseModel):
    identifier: str
    status: TaskStatus
    result: str | None
    turns: int
    usage: Usage
    cost_usd: float


class ChildFinished(BaseModel):
    """Signal from a subtask to the task that delegated it."""

    identifier: str
    assignee: str
    status: TaskStatus
    result: str | None


# --------------------------------------------------------------------------- governance and chat


class AgentActionInput(BaseModel):
    """Pause, resume or terminate an agent."""

    agent: str
    reason: str = Field(default="", max_length=2_000)
    actor: str = "board"


class TaskActionInput(BaseModel):
    """Cancel a task (with its subtree)."""

    identifier: str
    reason: str = Field(default="", max_length=2_000)
    actor: str = "board"


class ReassignTaskInput(BaseModel):
    """Hand a task to another agent: it carries on from the conversation so far."""

    identifier: str
    assignee: str
    actor: str = "board"


class CompanyActionInput(BaseModel):
    """Pause, resume or archive the company."""

    reason: str = Field(default="", max_length=2_000)
    actor: str = "board"
    brake: bool = False
    """The emergency brake (`POST /api/pause-all`): a pause it makes is marked `pause_reason="brake"`,
    and a resume with it lifts only such a pause."""


class CommentInput(BaseModel):
    """A comment on a task, from a person or an agent; `@name` mentions wake that agent."""

    identifier: str
    body: str = Field(min_length=1, max_length=20_000)
    author: str = "board"


class Comment(BaseModel):
    """Signal to a task: a comment for the agent's next turn."""

    id: str
    author: str
    body: str


class Escalation(BaseModel):
    """Signal from a task to its company: its agent hands it to its manager."""

    identifier: str
    agent: str
    reason: str


class Hold(BaseModel):
    """Signal to a task: hold before the next turn (agent or company paused), or go on."""

    held: bool
    reason: str = ""


class CancelTask(BaseModel):
    """Signal to a task: stop, and cancel the subtasks it delegated."""

    reason: str = ""
    actor: str = "board"


class Reassign(BaseModel):
    """Signal to a task: from the next turn on, this agent (with its team) works on it."""

    agent: AgentSpec
    team: list[AgentSpec] = Field(default_factory=list)


TaskCarry.model_rebuild()

CompanyState.model_rebuild()
