"""What a CLI or `process` agent's spec may ask of the worker that runs it.

Three kinds of rule, checked by the API when an agent is hired (or a company founded or imported
with it) and again by the CLI-turn activity before it starts anything (a spec that reached a
company without the API, or was hired before these rules):

- **Invalid** (`spec_problems`, a 422): `cli.env` naming a variable the activity sets itself or
  that changes where a key goes or what runs (`env_name_problem`); a `cli.base_url` that is not a
  URL a key can be bound to; a credential or base URL for a tool that takes none from us.
- **Owner-only** (`owner_only_powers`, a 403 for an operator): a `process` agent (any command on
  the worker), a CLI agent with its own `cli.command`, or `cli.args` that point the tool at other
  settings (Claude Code's `--settings`, Codex's `-c`, …): each runs, or can send the tool's key,
  wherever its author likes; or `cli.args` that change the tool's permissions (Claude Code's
  `--permission-mode`, `--allowedTools`, …), which would win over its profile.
- **Outside the workspace roots** (`workspace_problem`, a 403 for everyone): a `cli.workspace`
  must be inside the company's own folder (`$PAPERCLIP_HOME/workspaces/<company>`) or a root the
  deployment opened (`PAPERCLIP_WORKSPACE_ROOTS`), compared as real paths, so `..` and symlinks
  do not get out. Not even an owner may pick another folder: it could be another team's.
"""

import os
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from paperclip.keys import OFFICIAL_URLS, UrlError, normalise_url
from paperclip.models import (
    DEFAULT_CREDENTIALS,
    Adapter,
    AgentSpec,
    CliConfig,
    CliPermissions,
    Provider,
    ToolPolicy,
    ToolRule,
)

CLI_ADAPTERS = frozenset(
    {Adapter.CLAUDE_LOCAL, Adapter.CODEX_LOCAL, Adapter.OPENCODE_LOCAL, Adapter.GEMINI_LOCAL, Adapter.PROCESS}
)
"""The adapters whose turns run a process on a worker."""

_NAME = re.compile(r"^[A-Za-z_][A-Za-z0-9_]*$")
_RESERVED = frozenset(
    {
        # Ours: the agent's own HOME, the worker's PATH and shell.
        "HOME", "PATH", "SHELL",
        # Where a request goes, and whom the tool trusts on the way.
        "HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY", "FTP_PROXY",
        "SSL_CERT_FILE", "SSL_CERT_DIR", "NODE_EXTRA_CA_CERTS", "NODE_TLS_REJECT_UNAUTHORIZED",
        "REQUESTS_CA_BUNDLE", "CURL_CA_BUNDLE",
        # Code a process loads or runs before, or instead of, the tool.
        "NODE_OPTIONS", "NODE_PATH", "PYTHONPATH", "PYTHONSTARTUP", "PYTHONHOME", "BASH_ENV", "ENV",
        "PERL5OPT", "PERL5LIB", "RUBYOPT", "RUBYLIB", "GIT_SSH", "GIT_SSH_COMMAND", "GIT_ASKPASS",
        "SSH_ASKPASS", "GIT_EXEC_PATH", "GIT_PROXY_COMMAND",
        # Where the tools read their settings (which may say where their key goes).
        "CLAUDE_CONFIG_DIR", "CODEX_HOME", "OPENCODE_CONFIG", "OPENCODE_CONFIG_CONTENT", "OPENCODE_CONFIG_DIR",
        "GEMINI_CLI_HOME", "GEMINI_CLI_SYSTEM_SETTINGS_PATH", "GEMINI_CLI_SYSTEM_DEFAULTS_PATH",
        # What the tools may do without asking (the agent's permission profile says).
        "OPENCODE_PERMISSION",
    }
)  # fmt: skip
_RESERVED_PREFIXES = ("PAPERCLIP_", "LD_", "DYLD_", "XDG_", "BASH_FUNC_", "GIT_CONFIG")
_SECRET_OR_URL = re.compile(r"(^|_)(API_?KEY|KEY|TOKEN|SECRET|PASSWORD|PASSWD|CREDENTIALS?|BASE_URL|API_BASE)$")
"""Names of a secret (it would travel in history) or of where a key goes (the activity sets it)."""


def env_name_problem(name: str) -> str | None:
    """Why `cli.env` may not set `name` (None: it may). Case does not matter: several tools
    read `https_proxy` as well as `HTTPS_PROXY`."""
    if not _NAME.match(name):
        return f"{name!r} is not an environment variable name (letters, digits and '_', not first a digit)"
    upper = name.upper()
    if upper in _RESERVED or upper.startswith(_RESERVED_PREFIXES):
        return f"{name} is set by paperclip or changes what the tool runs or trusts; it cannot come from the spec"
    if _SECRET_OR_URL.search(upper):
        return (
            f"{name} names a secret or where a key is sent: a key comes from `cli.credential`, its URL "
            "from `cli.base_url` (the environment of a spec travels in history, unencrypted by default)"
        )
    return None


GEMINI = "gemini"
"""Whose key Gemini CLI takes: Google's Gemini API (not a model `Provider`: agents reach it
only through Gemini CLI)."""
TOOL_CREDENTIALS: dict[Provider | str, str] = {p: name for p, name in DEFAULT_CREDENTIALS.items()}
TOOL_CREDENTIALS[GEMINI] = "GEMINI_API_KEY"
"""The credential a tool's key comes from when its spec names none (for the official URL)."""
TOOL_URLS: dict[Provider | str, str] = {p: url for p, url in OFFICIAL_URLS.items()}
TOOL_URLS[GEMINI] = "https://generativelanguage.googleapis.com"
"""Where a tool's provider is when its spec names no `cli.base_url`."""


@dataclass(frozen=True)
class ToolKey:
    """How a CLI tool is given a provider's key: the variable it reads the key from, and where it
    is told the provider's URL."""

    provider: Provider | str
    """A `Provider`, or `GEMINI`."""
    key_variable: str
    url_variable: str
    """`OPENCODE_CONFIG_CONTENT` for OpenCode: its inline config, which beats its config files."""

    @property
    def default_credential(self) -> str:
        return TOOL_CREDENTIALS[self.provider]

    @property
    def official_url(self) -> str:
        return TOOL_URLS[self.provider]


def tool_key(adapter: Adapter, cli: CliConfig) -> ToolKey | None:
    """How `adapter` takes a key; None for a tool paperclip gives none (`process`, an OpenCode
    model of another provider than `anthropic/…` or `openai/…`)."""
    if adapter is Adapter.CLAUDE_LOCAL:
        return ToolKey(Provider.ANTHROPIC, "ANTHROPIC_API_KEY", "ANTHROPIC_BASE_URL")
    if adapter is Adapter.CODEX_LOCAL:
        return ToolKey(Provider.OPENAI, "OPENAI_API_KEY", "OPENAI_BASE_URL")
    if adapter is Adapter.OPENCODE_LOCAL:
        provider = (cli.model or "").partition("/")[0]
        if provider in (Provider.ANTHROPIC, Provider.OPENAI):
            return ToolKey(Provider(provider), DEFAULT_CREDENTIALS[Provider(provider)], "OPENCODE_CONFIG_CONTENT")
    if adapter is Adapter.GEMINI_LOCAL:
        return ToolKey(GEMINI, TOOL_CREDENTIALS[GEMINI], "GOOGLE_GEMINI_BASE_URL")
    return None


def spec_problems(spec: AgentSpec) -> list[str]:
    """What makes a CLI or `process` agent's spec unacceptable, one sentence each, naming the field."""
    return cli_problems(spec.adapter, spec.cli)


def cli_problems(adapter: Adapter, cli: CliConfig) -> list[str]:
    """`spec_problems` of an agent's adapter and CLI config."""
    if adapter not in CLI_ADAPTERS:
        return []
    problems = [f"cli.env.{name}: {why}" for name in cli.env if (why := env_name_problem(name))]
    problems += [f"cli.env.{name}: holds a NUL character" for name, value in cli.env.items() if "\0" in value]
    if cli.base_url is not None:
        try:
            normalise_url(cli.base_url)
        except UrlError as err:
            problems.append(f"cli.base_url: {err}")
    if (cli.credential or cli.base_url) and tool_key(adapter, cli) is None:
        what = "a `process` agent" if adapter is Adapter.PROCESS else "OpenCode with this model"
        problems.append(
            f"cli.credential / cli.base_url: {what} is given no provider key by paperclip "
            "(OpenCode: name the model `anthropic/…` or `openai/…`)"
        )
    return problems


CONFIG_FLAGS: dict[Adapter, tuple[str, ...]] = {
    Adapter.CLAUDE_LOCAL: ("--settings", "--mcp-config", "--plugin-dir", "--add-dir"),
    Adapter.CODEX_LOCAL: (
        "-c", "--config", "-p", "--profile", "-C", "--cd", "--add-dir",
        # Over its permission profile: another sandbox, none, or approvals by a model.
        "-s", "--sandbox", "--dangerously-bypass-approvals-and-sandbox", "--approve-for-me",
    ),
    Adapter.OPENCODE_LOCAL: ("--attach", "--dir", "--port", "--share", "--auto", "--agent"),
    Adapter.GEMINI_LOCAL: (
        "--policy", "--admin-policy", "--approval-mode", "-y", "--yolo", "--allowed-tools", "--include-directories",
        "--extensions", "-e", "--allowed-mcp-server-names", "--session-file", "-w", "--worktree", "--raw-output",
    ),
}  # fmt: skip
"""Flags that give a tool other settings (which may send its key elsewhere or start programs),
other directories than its workspace, or more than its permission profile allows (Codex's
`--sandbox` and bypass, OpenCode's `--auto` and `--agent`, Gemini CLI's `--yolo` and policies);
OpenCode's `--attach` runs the turn on another server and `--share` publishes the session."""
PERMISSION_FLAGS: dict[Adapter, tuple[str, ...]] = {
    Adapter.CLAUDE_LOCAL: (
        "--permission-mode", "--dangerously-skip-permissions", "--allow-dangerously-skip-permissions",
        "--allowedTools", "--allowed-tools", "--disallowedTools", "--disallowed-tools", "--tools",
    ),
}  # fmt: skip
"""Flags that change what a tool may do, which its permission profile (`cli.permissions`) sets:
coming after the profile's flags, they would win over it (a read-only agent that bypasses)."""


def _config_flag(adapter: Adapter, args: Sequence[str], table: dict[Adapter, tuple[str, ...]]) -> str | None:
    for arg in args:
        for flag in table.get(adapter, ()):
            long = flag.startswith("--")
            if arg == flag or (long and arg.startswith(flag + "=")) or (not long and arg.startswith(flag)):
                return arg
    return None


def owner_only_powers(spec: AgentSpec) -> list[str]:
    """What in `spec` only the board or an owner of the company's team may ask for, one phrase
    each (empty: an operator may hire it)."""
    if spec.adapter is Adapter.PROCESS:
        return ["a `process` agent runs any command on the worker"]
    if spec.adapter not in CLI_ADAPTERS:
        return []
    powers = []
    if spec.cli.command:
        powers.append(f"`cli.command` {spec.cli.command[0]!r} runs a program of its own choosing on the worker")
    flag = _config_flag(spec.adapter, spec.cli.args, CONFIG_FLAGS)
    if flag is not None:
        powers.append(f"`cli.args` {flag!r} gives the tool other settings or directories than its own")
    flag = _config_flag(spec.adapter, spec.cli.args, PERMISSION_FLAGS)
    if flag is not None:
        powers.append(f"`cli.args` {flag!r} gives the tool other permissions than its profile's (`cli.permissions`)")
    if spec.cli.permissions is CliPermissions.FULL:
        powers.append("`cli.permissions` 'full' lets the tool do whatever it can without asking")
    return powers


def company_folder(home: Path, company_id: str) -> Path:
    """The company's own workspace folder: its agents' default workspaces are inside."""
    return home / "workspaces" / company_id


def _real(path: Path) -> str:
    return os.path.realpath(path.expanduser())


def inside(path: str | Path, roots: Iterable[Path]) -> bool:
    """Whether `path` (absolute, `~` expanded) is one of `roots` or below one, as real paths."""
    try:
        candidate = Path(path).expanduser()
        real = _real(candidate)
    except (OSError, ValueError):  # a NUL character, a symlink loop: no place to work in
        return False
    if not candidate.is_absolute():
        return False
    for root in roots:
        base = _real(root)
        if real == base or real.startswith(base.rstrip(os.sep) + os.sep):
            return True
    return False


def workspace_problem(cli: CliConfig, *, home: Path, company_id: str, roots: Sequence[Path]) -> str | None:
    """Why `cli.workspace` may not be used (None: it is unset, or inside the allowed roots)."""
    if cli.workspace is None:
        return None
    allowed = [company_folder(home, company_id)] if company_id else []
    allowed += roots
    if inside(cli.workspace, allowed):
        return None
    where = ", ".join(str(r) for r in allowed)
    return (
        f"`cli.workspace` {cli.workspace} is outside the deployment's workspace roots ({where}); "
        "the deployment may add a root with PAPERCLIP_WORKSPACE_ROOTS"
    )


_WRITING_TOOLS = ("write_file", "edit_file", "run_command")

ASKING_ADAPTERS = frozenset({Adapter.CLAUDE_LOCAL})
"""The CLI tools whose permissions are per tool and per call, so a policy's `deny` and `ask` of
one tool reach them (`cli_tool_rules`): the others' are per profile only."""
CLI_TOOLS: dict[Adapter, dict[str, str]] = {
    Adapter.CLAUDE_LOCAL: {
        "Bash": "run_command", "Write": "write_file", "Edit": "edit_file", "MultiEdit": "edit_file",
        "NotebookEdit": "edit_file", "WebFetch": "http_fetch",
    },
}  # fmt: skip
"""A tool's own tools → the registry tool each stands for, whose rules govern it."""
ASKED_ARGUMENT = {"run_command": "command"}
"""The tools whose refused calls are asked about (those of the others are refused outright), and
the argument an asked call's subject is shown as in its approval."""


def cli_tool_rules(adapter: Adapter, agent: Sequence[ToolRule], company: Sequence[ToolRule]) -> list[ToolRule]:
    """The rules (the company's, then the agent's) that deny or ask of a registry tool that one
    of `adapter`'s own tools stands for: the tool is started refusing those calls, and a refused
    call a rule asks about is asked about (`workflows.cli_asks`). Empty for a tool whose
    permissions are per profile only (`ASKING_ADAPTERS`)."""
    if adapter not in ASKING_ADAPTERS:
        return []
    governed = set(CLI_TOOLS[adapter].values())
    return [r for r in (*company, *agent) if r.tool in governed and r.policy is not ToolPolicy.ALLOW]


def permissions_for(spec: AgentSpec) -> CliPermissions:
    """What a CLI agent's tool may do: its `cli.permissions`, else what its tool policy allows —
    read-only when the policy denies every tool that writes (`write_file`, `edit_file`,
    `run_command`, any call of them), else workspace-write with network (the tool calls the
    product back over HTTP). A tool that cannot refuse one tool alone (not in `ASKING_ADAPTERS`)
    cannot ask either: for it, `ask` counts as `deny`."""
    if spec.cli.permissions is not None:
        return spec.cli.permissions
    off_policies = {ToolPolicy.DENY} if spec.adapter in ASKING_ADAPTERS else {ToolPolicy.DENY, ToolPolicy.ASK}
    off = {r.tool for r in spec.tool_policy if r.pattern is None and r.policy in off_policies}
    if all(tool in off for tool in _WRITING_TOOLS):
        return CliPermissions.READ_ONLY
    return CliPermissions.WORKSPACE_WRITE_NETWORK
