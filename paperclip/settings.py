"""One settings class for every process, read from `PAPERCLIP_*` environment variables and the
`.env` file (`paperclip.envfile`)."""

import os
import socket
import sys
from collections.abc import Iterator, Mapping
from contextlib import contextmanager
from functools import lru_cache
from pathlib import Path
from typing import Annotated, Any, Literal

from pydantic import Field, PrivateAttr, ValidationError, ValidationInfo, field_validator
from pydantic_settings import (
    BaseSettings,
    NoDecode,
    PydanticBaseSettingsSource,
    SecretsSettingsSource,
    SettingsConfigDict,
    SettingsError,
)

from paperclip.envfile import DeploymentEnviron, EnvFileSource, file_environ
from paperclip.terms import ModelPrice, RateLimit
from paperclip.vocabulary import Provider

SECRETS_DIR_VARIABLE = "PAPERCLIP_SECRETS_DIR"

DEFAULT_TASK_QUEUE = "paperclip"
"""`paperclip.constants.TASK_QUEUE`, written out (a test holds them equal): that module brings
Temporal's SDK, which every CLI command reads settings without needing. For the same reason the
validators of settings only some processes use import their checks when a value is given."""


class Settings(BaseSettings):
    """Where things are and how they are reached.

    Every field can be set by an environment variable named `PAPERCLIP_<FIELD>`;
    `temporal_address` is also read from the conventional `TEMPORAL_ADDRESS`. A `.env` file
    (`$PAPERCLIP_HOME/.env`, then `./.env`; or the one `PAPERCLIP_ENV_FILE` names) may set any of
    them, and the provider keys and base URLs below, without entering the process environment
    that agents inherit (`paperclip.envfile`); a variable the environment sets wins.

    `PAPERCLIP_PRICES` is a JSON object of `provider:model` → USD per million tokens, e.g.
    `{"openai:gpt-4o": {"input": 2.5, "output": 10, "cached_input": 1.25}, "openai:my-model":
    {"input": 0.2, "output": 0.8}}` (`cached_input` defaults to `input`, `cache_write` to what the
    provider bills: 1.25x `input` on Anthropic, `input` on OpenAI; a family name also prices its
    dated versions). It beats the built-in table and is written into an agent's model when the
    agent is hired, unless its spec sets `model.price` itself.

    `PAPERCLIP_RATE_LIMITS` is a JSON object of credential name → what the provider allows it,
    e.g. `{"OPENAI_API_KEY": {"requests_per_minute": 500, "tokens_per_minute": 200000}}`.
    Requests a minute become Temporal's rate limit on that credential's own model queue
    (`<task_queue>-llm@<credential>`), tokens a minute a token bucket in the store: both are
    shared by every agent and every worker using the credential. A team's credential is keyed
    `<team>/<name>` (`{"red/my-llm": {...}}`), the deployment's by its name.

    `PAPERCLIP_ENV_CREDENTIALS` (a JSON list, default `["OPENAI_API_KEY", "ANTHROPIC_API_KEY"]`)
    names the worker's environment variables (or `.env` variables) an agent may use as its
    credential; no other variable is ever read as a key. Each goes only to the URLs it is bound
    to: a provider's own key to the provider's official URL and to `OPENAI_BASE_URL` /
    `ANTHROPIC_BASE_URL` when the environment or the `.env` file sets it, and any of them to the
    URLs `PAPERCLIP_CREDENTIAL_URLS` lists for it (JSON: name → URLs, e.g.
    `{"OPENAI_API_KEY": ["https://llm.internal.example/v1"]}`).

    `PAPERCLIP_MCP_STDIO_ALLOW` is a JSON object of the stdio MCP servers companies' owners may
    attach, by name: a pinned Python distribution's console script or an absolute path, with its
    arguments (`{"time": "mcp-server-time==2026.10.19 --local-timezone UTC"}`, `paperclip.mcp`).
    The API and the workers must be given the same.
    """

    model_config = SettingsConfigDict(env_prefix="PAPERCLIP_", extra="ignore")

    home: Path = Field(default=Path("~/.paperclip"))
    secrets_dir: Path | None = None
    """A folder of files, one a setting, named as its variable (`PAPERCLIP_SECRET_KEY`,
    `PAPERCLIP_DATABASE_URL`, `TEMPORAL_ADDRESS`) and holding its value: a mounted Kubernetes
    secret, say, so keys stay out of the environment. The environment and the `.env` file win
    over a file here; read only from the variable `PAPERCLIP_SECRETS_DIR` (or the `.env` file)."""
    database_url: str | None = None
    temporal_address: str | None = Field(default=None, validation_alias="TEMPORAL_ADDRESS")
    temporal_namespace: str = "default"
    task_queue: str = DEFAULT_TASK_QUEUE
    """The workflow queue; model calls go to `<task_queue>-llm`."""
    model_concurrency: int = Field(default=100, ge=1)
    """Model calls one worker runs at once (they mostly wait on the network)."""
    cli_concurrency: int = Field(default=4, ge=1)
    """CLI-agent turns one worker runs at once (each a process tree on this machine)."""
    cli_sandbox: bool = True
    """Run CLI and `process` agents' turns in the sandbox (bubblewrap: the workspace and the agent's
    HOME writable, nothing of `$PAPERCLIP_HOME` or the worker's environment). On, a host without a
    working bubblewrap fails such a turn, saying so; `PAPERCLIP_CLI_SANDBOX=false` runs them with
    the worker's own powers instead."""
    worker_shutdown_seconds: float = Field(default=0.0, ge=0, le=3600)
    """How long a worker told to stop (SIGTERM) lets its running activities finish, having stopped
    taking new ones, before it cancels the rest (Temporal's graceful shutdown timeout); what it
    cancels is retried on another worker. 0: cancel at once (the embedded stack, stopped by hand).
    A deployment sets it and gives the process longer than that to stop before it is killed."""
    migrate_on_start: bool = True
    """Whether the API and the workers bring the store's schema to the newest revision when they
    start (under a lock, so together they migrate once). A deployment that runs `paperclip migrate`
    as a one-shot job before it rolls the new version out sets it false."""
    worker_build_id: str | None = Field(default=None, min_length=1, max_length=255, pattern=r"^[^.\s]+$")
    """Opt-in Temporal worker versioning (a Worker Deployment Version): this worker's build, e.g.
    the image's tag or git commit. Set, a worker takes only the workflow tasks Temporal routes to
    this build (see `paperclip.versioning`); unset, workers are unversioned (the embedded stack)."""
    worker_deployment_name: str = Field(default="paperclip", min_length=1, max_length=255, pattern=r"^[^.\s]+$")
    """The Worker Deployment the build belongs to (with `PAPERCLIP_WORKER_BUILD_ID`)."""
    worker_versioning_behavior: Literal["auto_upgrade", "pinned"] = "auto_upgrade"
    """What a versioned worker's workflows do when a newer build becomes current: `auto_upgrade`
    (their next task goes to the new build, which replays them: patches and `paperclip
    replay-check` make that safe) or `pinned` (they finish on the build that started them, which
    must then keep running until they do)."""
    metrics_port: int | None = Field(default=None, ge=1, le=65535)
    """Where a worker serves Prometheus metrics (`/metrics`): the Temporal SDK's own and the
    product counters (`paperclip.telemetry.counters`). None (the default): no metrics endpoint."""
    metrics_host: str = "0.0.0.0"
    """The address the worker's metrics endpoint binds (all interfaces, for a scraper in the cluster)."""
    tracing: bool | None = None
    """OpenTelemetry tracing (`paperclip.telemetry.tracing`): None (the default) turns it on exactly
    when `OTEL_EXPORTER_OTLP_ENDPOINT` or `OTEL_EXPORTER_OTLP_TRACES_ENDPOINT` is set; spans go to
    that endpoint by OTLP/HTTP, configured by the standard `OTEL_*` variables."""
    tool_concurrency: int = Field(default=8, ge=1)
    """Tool calls (`run_tool`) one worker runs at once, on its host's tools queue."""
    workspace_concurrency: int = Field(default=2, ge=1)
    """Workspaces (`prepare_workspace`: a clone, a worktree) one worker makes at once."""
    worker_host: str = Field(default_factory=socket.gethostname, min_length=1, max_length=200)
    """This worker's host as the tools and CLI queues know it (`<task_queue>-tools@<worker_host>`,
    `<task_queue>-cli@<worker_host>`): the workspaces it makes, and the CLI sessions it holds, are
    reached there. Two workers on one machine with different homes are two hosts."""
    github_api_url: str = "https://api.github.com"
    """Where `create_pull_request` calls GitHub's REST API for repositories on github.com (other
    hosts: `https://<host>/api/v3`, GitHub Enterprise Server's)."""
    host: str = "127.0.0.1"
    temporal_port: int = 7233
    temporal_ui_port: int = 8233
    api_port: int = 8000
    api_workers: int = Field(default=1, ge=1, le=64)
    """API processes (`PAPERCLIP_API_WORKERS`): more answer more readers at once. Each keeps its
    own half second of recent reads (`api.recent`), so with several a read may be up to half a
    second behind a change made through another."""
    api_temporal_timeout_seconds: float = Field(default=10.0, gt=0, le=300)
    """How long the API waits on Temporal for one call (an update, a query, a start) before it
    answers 503 with `Retry-After` (`PAPERCLIP_API_TEMPORAL_TIMEOUT_SECONDS`): no worker may be
    serving the company."""
    ui_port: int = 8501
    api_url: str | None = None
    api_key: str | None = None
    """The CLI's API key (`paperclip token create`), sent as a bearer token; None: the board token
    of the home folder, to an API on this machine (`paperclip.board`)."""
    idempotency_key: str | None = None
    """The `Idempotency-Key` a CLI command sends with its change; None: a new one per command. Set it
    to the key a failed command printed to run it again without doing it twice."""
    auth: Literal["local", "required"] = "local"
    """Either way the board is whoever presents the board token (`$PAPERCLIP_HOME/board.token`), a
    user whoever presents an API key. `local`: a request from this machine without either is told
    how to get in, and the Temporal Web UI on this machine may call the codec routes; `required`:
    every request but the health check needs a credential."""
    secret_key: str | None = None
    """32 bytes, base64, that encrypt stored credentials; None: the key file in the home folder."""
    payload_key: str | None = None
    """Base64 keys of 32 bytes, comma-separated: every Temporal payload is sealed with the first
    (AES-256-GCM), any opens (`paperclip.codec`). None: payloads are plain JSON."""
    codec_origins: list[str] = Field(default_factory=lambda: ["http://localhost:8233", "http://127.0.0.1:8233"])
    """Web UIs that may call the API's codec endpoint from the browser (CORS)."""
    prices: dict[str, ModelPrice] = Field(default_factory=dict)
    """Price overrides by `provider:model` (see above), keys lowercased."""

    rate_limits: dict[str, RateLimit] = Field(default_factory=dict)
    """Limits by credential name (see above); every worker of a deployment must have the same."""
    workspace_roots: Annotated[list[Path], NoDecode] = Field(default_factory=list)
    """Folders CLI agents may work in besides their company's own (`$PAPERCLIP_HOME/workspaces/
    <company>`), separated by `:` (`PAPERCLIP_WORKSPACE_ROOTS=/srv/repos:/data`); the API and the
    workers must be given the same."""

    allow_private_hosts: Annotated[list[str], NoDecode] = Field(default_factory=list)
    """`host[:port]` on this machine or a link-local network that tools (`http_fetch`, the
    sandbox's egress proxy) and `http` agents may reach even so, comma-separated; every other loopback, link-local
    or metadata address is refused (`paperclip.netguard`)."""

    backup_every: int = Field(default=3600, ge=0)
    """How often the system routine backs up (`PAPERCLIP_BACKUP_EVERY`: seconds or a duration,
    `1h`, `30m`, `1d`); 0 turns scheduled backups off (the worker then removes the schedule)."""
    backup_keep_days: int = Field(default=30, ge=1, le=36_500)
    """Days a backup is kept: each scheduled backup removes the archives older than this."""
    backup_dir: Path | None = None
    """Where archives are written; None: `$PAPERCLIP_HOME/backups`. In a cluster, a volume every
    worker mounts (the scheduled backup runs on any of them)."""
    backup_key: str | None = None
    """32 bytes, base64, that encrypt backups; None: the key file `$PAPERCLIP_HOME/backup.key`,
    made (0600) on first use. Never written into an archive: keep a copy elsewhere
    (`paperclip backup export-key`)."""

    conversations_keep_days: int = Field(default=365, ge=0, le=36_500)
    """Days the transcript of a finished task (done, failed or cancelled: its messages, and so
    their search entries) is kept after the task last changed; the daily purge
    (`paperclip.lifecycle.retention`) removes older ones. The task's record and its costs stay.
    0 keeps them forever."""
    tool_outputs_keep_days: int = Field(default=90, ge=0, le=36_500)
    """Days a stored long tool output (`paperclip.store.tool_outputs`) is kept; 0: forever."""
    activity_keep_days: int = Field(default=365, ge=0, le=36_500)
    """Days an activity log entry is kept; 0: forever."""
    attachments_keep_days: int = Field(default=0, ge=0, le=36_500)
    """Days a file uploaded to a finished task (done, failed, cancelled) is kept, record and bytes;
    0 (the default): forever, since an attachment is often what the task delivered."""
    temporal_retention_days: int = Field(default=30, ge=0, le=3650)
    """Days Temporal keeps a closed workflow's history (the namespace's retention), which every
    worker sets at its start (`paperclip.lifecycle.namespace`); 0 leaves the namespace as it was
    registered. A company's histories are deleted with it whatever this says."""
    attachments_backend: Literal["disk", "s3"] = "disk"
    """Where files uploaded to tasks are kept (`paperclip.attachments`): `disk`,
    `$PAPERCLIP_HOME/attachments` (one API process, its workers on the same machine); `s3`, a
    bucket every API process and worker reaches."""
    attachments_max_bytes: int = Field(default=25 * 1024 * 1024, ge=1, le=5 * 1024**3)
    """The largest attachment, in bytes (larger uploads: 413)."""
    attachments_s3_bucket: str | None = None
    attachments_s3_endpoint_url: str | None = None
    """An S3-compatible endpoint (MinIO, Ceph, R2...); None: AWS's for the region."""
    attachments_s3_region: str = "us-east-1"
    attachments_s3_credentials_file: Path | None = None
    """A secret file, JSON `{"access_key_id": …, "secret_access_key": …}`: the only place the
    bucket's keys are read from, sent only to the endpoint above."""

    @field_validator("backup_every", mode="before")
    @classmethod
    def _backup_every(cls, every: object) -> object:
        if isinstance(every, str):
            from paperclip.models.routines import parse_duration  # the models only for a duration given

            return parse_duration(every)
        return every

    @classmethod
    def settings_customise_sources(
        cls,
        settings_cls: type[BaseSettings],
        init_settings: PydanticBaseSettingsSource,
        env_settings: PydanticBaseSettingsSource,
        dotenv_settings: PydanticBaseSettingsSource,
        file_secret_settings: PydanticBaseSettingsSource,
    ) -> tuple[PydanticBaseSettingsSource, ...]:
        """Arguments, then the environment, then the `.env` file, then the files of
        `PAPERCLIP_SECRETS_DIR` (which must be a folder: a mistyped one would otherwise quietly
        leave every secret unset)."""
        variables = file_environ()
        folder = os.environ.get(SECRETS_DIR_VARIABLE) or variables.get(SECRETS_DIR_VARIABLE)
        if folder:
            if not Path(folder).expanduser().is_dir():
                raise SettingsError(f"{SECRETS_DIR_VARIABLE}={folder} is not a folder")
            file_secret_settings = SecretsSettingsSource(settings_cls, secrets_dir=folder)
        return init_settings, env_settings, EnvFileSource(settings_cls, variables), file_secret_settings

    _file_environ: dict[str, str] = PrivateAttr(default_factory=dict)

    def model_post_init(self, context: Any) -> None:
        self._file_environ = file_environ()

    @property
    def environ(self) -> Mapping[str, str]:
        """The process environment with the `.env` file's variables beneath it (the environment
        wins, read live): where the deployment's provider keys (`env_credentials`) and
        `OPENAI_BASE_URL` / `ANTHROPIC_BASE_URL` are read. Never a child process's environment."""
        return DeploymentEnviron(self._file_environ)

    @field_validator("allow_private_hosts", mode="before")
    @classmethod
    def _split_hosts(cls, hosts: object) -> object:
        if isinstance(hosts, str):
            return [h.strip() for h in hosts.split(",") if h.strip()]
        return hosts

    @field_validator("workspace_roots", mode="before")
    @classmethod
    def _split_roots(cls, roots: object) -> object:
        if isinstance(roots, str):
            return [r for r in roots.split(os.pathsep) if r.strip()]
        return roots

    @field_validator("workspace_roots")
    @classmethod
    def _absolute_roots(cls, roots: list[Path]) -> list[Path]:
        roots = [r.expanduser() for r in roots]
        for root in roots:
            if not root.is_absolute():
                raise ValueError(f"{root}: a workspace root is an absolute path")
        return roots

    @field_validator("rate_limits")
    @classmethod
    def _rate_limit_keys(cls, limits: dict[str, RateLimit]) -> dict[str, RateLimit]:
        for name, limit in limits.items():
            if not name.strip() or name != name.strip():
                raise ValueError(f"{name!r}: a rate limit is keyed by a credential's name, e.g. OPENAI_API_KEY")
            if limit.requests_per_minute is None and limit.tokens_per_minute is None:
                raise ValueError(f"{name}: set requests_per_minute, tokens_per_minute or both")
        return limits

    env_credentials: list[str] = Field(default_factory=lambda: ["OPENAI_API_KEY", "ANTHROPIC_API_KEY"])
    """Environment variables an agent may name as its credential (see above)."""
    credential_urls: dict[str, list[str]] = Field(default_factory=dict)
    """More URLs an environment credential may be sent to, by its name (see above)."""

    @field_validator("env_credentials")
    @classmethod
    def _env_credentials(cls, names: list[str]) -> list[str]:
        for name in names:
            if not name or not all(c.isalnum() or c == "_" for c in name) or name[0].isdigit():
                raise ValueError(f"{name!r}: not an environment variable name")
            if name.startswith("PAPERCLIP_"):
                raise ValueError(f"{name}: PAPERCLIP_ variables are the deployment's settings, never a credential")
        return names

    @field_validator("credential_urls")
    @classmethod
    def _credential_urls(cls, bound: dict[str, list[str]], info: ValidationInfo) -> dict[str, list[str]]:
        if not bound:
            return bound
        from paperclip.keys import UrlError, normalise_url

        allowed = info.data.get("env_credentials", [])
        for name, urls in bound.items():
            if name not in allowed:
                raise ValueError(f"{name} is not in PAPERCLIP_ENV_CREDENTIALS, so it is never read")
            for url in urls:
                try:
                    normalise_url(url)
                except UrlError as err:
                    raise ValueError(f"{name}: {err}") from None
        return bound

    mcp_stdio_allow: dict[str, str] = Field(default_factory=dict)
    """The stdio MCP servers that may be attached, by name (see above)."""

    @field_validator("mcp_stdio_allow")
    @classmethod
    def _mcp_stdio_allow(cls, entries: dict[str, str]) -> dict[str, str]:
        if not entries:  # pydantic-settings validates the default too: nothing to import for it
            return entries
        from paperclip.mcp import parse_allow_list

        parse_allow_list(entries)  # raises, naming the entry, for one that is not pinned
        return entries

    @field_validator("payload_key")
    @classmethod
    def _payload_key(cls, key: str | None) -> str | None:
        if key:
            from paperclip.codec import parse_keys

            parse_keys(key)
        return key or None

    @field_validator("prices")
    @classmethod
    def _price_keys(cls, prices: dict[str, ModelPrice]) -> dict[str, ModelPrice]:
        checked: dict[str, ModelPrice] = {}
        for key, price in prices.items():
            provider, _, model = key.strip().lower().partition(":")
            if provider not in (Provider.OPENAI, Provider.ANTHROPIC) or not model:
                raise ValueError(f"{key!r}: name a price `openai:<model>` or `anthropic:<model>`")
            checked[f"{provider}:{model}"] = price
        return checked

    @property
    def home_dir(self) -> Path:
        return self.home.expanduser()

    @property
    def resolved_database_url(self) -> str:
        """The store URL: `PAPERCLIP_DATABASE_URL`, else SQLite under the home folder."""
        if self.database_url:
            return self.database_url
        return f"sqlite:///{self.home_dir / 'paperclip.db'}"

    @property
    def resolved_backup_dir(self) -> Path:
        """Where archives go: `PAPERCLIP_BACKUP_DIR`, else `backups` in the home folder."""
        return (self.backup_dir or self.home_dir / "backups").expanduser()

    @property
    def resolved_temporal_address(self) -> str:
        return self.temporal_address or f"{self.host}:{self.temporal_port}"

    @property
    def tracing_enabled(self) -> bool:
        """`tracing` if set, else whether the environment names an OTLP endpoint."""
        if self.tracing is not None:
            return self.tracing
        return any(os.environ.get(v) for v in ("OTEL_EXPORTER_OTLP_ENDPOINT", "OTEL_EXPORTER_OTLP_TRACES_ENDPOINT"))

    @property
    def resolved_api_url(self) -> str:
        return self.api_url or f"http://{self.host}:{self.api_port}"

    @property
    def temporal_ui_url(self) -> str:
        return f"http://{self.host}:{self.temporal_ui_port}"


@lru_cache
def get_settings() -> Settings:
    """The process-wide settings, read once."""
    return Settings()


def settings_problems(error: Exception) -> list[str] | None:
    """One readable line per problem with the `PAPERCLIP_*` settings (`invalid setting
    PAPERCLIP_RATE_LIMITS (rate_limits): …`), for a command to print before it exits; None when
    `error` is not about the settings."""
    if isinstance(error, ValidationError):
        if error.title != Settings.__name__:
            return None
        lines = []
        for problem in error.errors():
            field = ".".join(str(part) for part in problem["loc"])
            name = f"PAPERCLIP_{field.split('.')[0].upper()}"
            lines.append(f"invalid setting {name} ({field}): {problem['msg'].removeprefix('Value error, ')}")
        return lines
    if isinstance(error, SettingsError):  # e.g. a JSON setting that is not JSON
        cause = f": {error.__cause__}" if error.__cause__ else ""
        return [f"invalid setting: {error}{cause}"]
    return None


@contextmanager
def bad_settings_exit(program: str = "paperclip") -> Iterator[None]:
    """Run a command's body; a bad `PAPERCLIP_*` setting met in it ends the process with one line
    per problem on stderr (`settings_problems`) and exit code 2, instead of a traceback."""
    try:
        yield
    except (ValidationError, SettingsError) as error:
        problems = settings_problems(error)
        if problems is None:
            raise
        for line in problems:
            print(f"{program}: {line}", file=sys.stderr)
        sys.exit(2)
