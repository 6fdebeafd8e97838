"""An agent as hired: the model it talks to (or the CLI tool or URL that runs its turns), its
heartbeat, budget and permissions, and the endpoints its models may be served from. None of it
holds a secret: a credential is named, and resolved by the activity that uses it."""

import string

from pydantic import BaseModel, Field, field_validator, model_validator

from paperclip.models.budgets import Budget
from paperclip.models.names import AgentName, EndpointName, Host
from paperclip.models.tooling import RepositoryConfig, ToolRule
from paperclip.terms import ModelPrice
from paperclip.vocabulary import Adapter, CliPermissions, EndpointKind, Provider, Role


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
    context_window: int | None = Field(default=None, ge=1024, le=100_000_000)
    """Tokens a call may carry (prompt and reply), when not the built-in table's (`paperclip.context`):
    a local model served with a small window, say."""

    @model_validator(mode="after")
    def _reply_fits(self) -> "ModelConfig":
        if self.context_window is not None and self.max_tokens >= self.context_window:
            raise ValueError(
                f"max_tokens ({self.max_tokens}) must be less than context_window ({self.context_window}):"
                " the reply is part of the window"
            )
        return self

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


class HeartbeatPolicy(BaseModel):
    """When an agent wakes on its own. A wake first checks, without any model call, whether
    there is work; with none it spends nothing."""

    interval_seconds: int | None = Field(default=None, ge=60)
    """Periodic wake; None: no periodic wake."""
    wake_on_assignment: bool = True
    wake_on_comment: bool = True


class Permissions(BaseModel):
    can_hire: bool = False
    """May call `hire_agent` (from a template)."""


class Endpoint(BaseModel):
    """A model server registered by name: a credential of the same owner and name (keyless for a
    server that needs no key) bound to its URL."""

    name: EndpointName
    team: str | None = None
    """The team it belongs to; None: the deployment's."""
    kind: EndpointKind = Field(alias="type")
    url: str = Field(pattern=r"^https?://", max_length=2_000)
    model: str | None = None
    """The model agents on it use by default."""
    has_key: bool = False

    model_config = {"populate_by_name": True, "serialize_by_alias": True}

    def model_config_for(self, model: str | None = None) -> "ModelConfig":
        """The `ModelConfig` of an agent on this endpoint."""
        provider = Provider.ANTHROPIC if self.kind is EndpointKind.ANTHROPIC else Provider.OPENAI
        return ModelConfig(
            provider=provider,
            model=model or self.model or "default",
            base_url=self.url,
            credential=self.name,
        )


class CliConfig(BaseModel):
    """How a CLI agent's turns run (adapters other than `model`). Holds no secret."""

    command: list[str] = Field(default_factory=list)
    """The executable and its fixed arguments; empty: the adapter's own (`claude`, `codex`,
    `opencode`, `gemini`); required for `process`."""
    args: list[str] = Field(default_factory=list)
    """Extra arguments, after the adapter's."""
    model: str | None = None
    """Passed as the tool's model (`--model`); for OpenCode `provider/model`."""
    prompt_on_stdin: bool = True
    """`process` only: the prompt on stdin (else as the last argument)."""
    permissions: CliPermissions | None = None
    """What the tool may do, mapped to its flags (Claude `--permission-mode`/`--allowedTools`,
    Codex `--sandbox` and network, OpenCode's permission config, Gemini CLI's `--approval-mode`
    and policy); None: what the agent's tool policy allows (`paperclip.cli_rules.permissions_for`)."""
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

    name: AgentName
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
    compaction_model: ModelConfig | None = None
    """The model that writes the summary of a long conversation (a cheaper one will do); None:
    its `wake_model`, else its `model`."""
    compaction_share: float = Field(default=0.7, gt=0, le=0.95)
    """The share of its model's context window a task's prompt may reach before the next turn is
    preceded by a compaction turn."""
    fallback_models: list[ModelConfig] = Field(default_factory=list, max_length=5)
    """Tried in order when a call on the model before fails for good (retries spent, or refused)."""
    tools: list[str] | None = None
    """Tools it may use beyond the standard ones (registry names, or an MCP server's
    `server__tool`); None: the standard set."""
    tool_policy: list[ToolRule] = Field(default_factory=list, max_length=200)
    """Allow, ask or deny per tool (and argument pattern), over each tool's default."""
    repository: RepositoryConfig | None = None
    """Where its tasks' workspace tools work; None: the company's repository, if any."""
    allow_hosts: list[Host] = Field(default_factory=list, max_length=100)
    """Where its tools may reach over the network (`http_fetch`, and `run_command` through the
    egress proxy): `host` or `host:port`; nowhere when empty."""
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

    @model_validator(mode="after")
    def _process_needs_a_command(self) -> "AgentSpec":
        if self.adapter is Adapter.PROCESS and not self.cli.command:
            raise ValueError("a `process` agent needs `cli.command`")
        if self.adapter is Adapter.HTTP and self.http is None:
            raise ValueError("an `http` agent needs `http.url`")
        return self

    @property
    def is_simulated(self) -> bool:
        """Whether its turns run on the offline simulated model: a CLI or HTTP agent's never do
        (its `model` is not used)."""
        return self.adapter is Adapter.MODEL and self.model.is_simulated

    @property
    def runs_on(self) -> str:
        """What runs its turns, as shown: `provider/model` for a model agent, else its adapter
        (`claude`, `codex`, `opencode`, `process`, `http`) with the CLI's model when it names one
        (`claude/claude-sonnet-4-5`)."""
        if self.adapter is Adapter.MODEL:
            return f"{self.model.provider}/{self.model.model}"
        model = self.cli.model if self.adapter is not Adapter.HTTP else None
        return f"{self.adapter.label}/{model}" if model else self.adapter.label


class AgentBrief(BaseModel):
    """What a delegator sees of a report: enough to choose whom to give work to."""

    name: str
    role: Role
    title: str
    capabilities: str


class AgentFromTemplateInput(BaseModel):
    """An agent's hire from a template, inside a task (the `agent_from_template` activity)."""

    template: str
    name: str
    title: str = ""
    reports_to: str | None
    """Its manager; None: decided where it is hired (a pipeline run's temporary agent: the company's top)."""
    fallback: ModelConfig | None = None
    """The model to run on when the template's provider has no credential here (the hirer's); None:
    the deployment's choice, as for a hire through the API (`paperclip.demo.demo_model`)."""
