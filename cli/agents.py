"""`paperclip agent hire|configure|revisions|rollback`: an agent hired, changed after hiring (a
merge patch of its spec, `PATCH /api/companies/{c}/agents/{name}`), its revisions listed and a
former one restored. Hire and configure take the same options (`SpecOptions`), which go where the
agent's adapter reads them: `--model` is a model agent's `model.model` and a CLI agent's
`cli.model` (the tool's `--model`)."""

import json
import shlex
from dataclasses import dataclass, fields
from enum import StrEnum
from typing import TYPE_CHECKING, Annotated, Any

import typer
from rich.markup import escape

from cli.common import ApiUrl, Company, api, console, fail
from cli.output import JsonOption, Table, print_json
from cli.resources import _model
from paperclip.vocabulary import Adapter, CliPermissions, Provider

if TYPE_CHECKING:
    from paperclip.client import ApiClient

CLI_TOOLS = frozenset({Adapter.CLAUDE_LOCAL, Adapter.CODEX_LOCAL, Adapter.OPENCODE_LOCAL, Adapter.PROCESS})
"""Adapters whose turns run a tool on a worker: `--model` and the other CLI options go to `cli`."""


class Permissions(StrEnum):
    """`--permissions`: a CLI agent's profile, or `default` (what its tool policy allows)."""

    READ_ONLY = CliPermissions.READ_ONLY.value
    WORKSPACE_WRITE = CliPermissions.WORKSPACE_WRITE.value
    WORKSPACE_WRITE_NETWORK = CliPermissions.WORKSPACE_WRITE_NETWORK.value
    FULL = CliPermissions.FULL.value
    DEFAULT = "default"


Name = Annotated[str, typer.Argument(help="Agent name (slug), e.g. 'cto'.")]
Title = Annotated[str | None, typer.Option(help="Job title.")]
Capabilities = Annotated[str | None, typer.Option(help="What this agent is good at (shown to delegators).")]
SystemPrompt = Annotated[str | None, typer.Option("--system-prompt", help="System prompt.")]
ProviderOpt = Annotated[Provider | None, typer.Option("--provider", help="A model agent's provider.")]
Model = Annotated[
    str | None, typer.Option(help="Its model: a model agent's (gpt-4o-mini), a CLI tool's --model (OpenCode: p/m).")
]
BaseUrl = Annotated[
    str | None, typer.Option("--base-url", help="Where its model calls go (a CLI tool: its provider URL).")
]
EndpointOpt = Annotated[str | None, typer.Option("--endpoint", help="A registered endpoint its model calls go to.")]
Heartbeat = Annotated[
    int | None, typer.Option("--heartbeat", help="Wake every this many seconds (at least 60; 0: no periodic wake).")
]
WakeOnAssignment = Annotated[
    bool | None,
    typer.Option("--wake-on-assignment/--no-wake-on-assignment", help="Start new tasks at once, or at its next wake."),
]
WakeOnComment = Annotated[
    bool | None,
    typer.Option("--wake-on-comment/--no-wake-on-comment", help="Wake for a comment at once, or at its next wake."),
]
MaxRuns = Annotated[int | None, typer.Option("--max-concurrent-runs", help="Tasks it works on at once.")]
MaxTurns = Annotated[int | None, typer.Option("--max-turns", help="Turns a task may take before it fails.")]
CanHire = Annotated[
    bool | None, typer.Option("--can-hire/--cannot-hire", help="May hire agents into its team (hire_agent).")
]
AdapterOpt = Annotated[
    Adapter | None, typer.Option(help="What runs its turns: a model, or a CLI agent (claude_local, …).")
]
Workspace = Annotated[str | None, typer.Option(help="A CLI agent's working directory.")]
Command = Annotated[
    str | None, typer.Option(help="A CLI agent's command (words split like a shell's), e.g. for `process`.")
]
Arg = Annotated[list[str] | None, typer.Option("--arg", help="An argument for the CLI tool, after its own (repeat).")]
Env = Annotated[list[str] | None, typer.Option("--env", help="NAME=VALUE in the CLI tool's environment (repeat).")]
PermissionsOpt = Annotated[
    Permissions | None, typer.Option("--permissions", help="What the CLI tool may do; default: what its policy allows.")
]
TurnUsd = Annotated[float | None, typer.Option("--turn-budget-usd", help="The most one CLI turn may cost (USD).")]
TurnTokens = Annotated[int | None, typer.Option("--turn-budget-tokens", help="The most one CLI turn may use (tokens).")]
BudgetUsd = Annotated[float | None, typer.Option("--budget-usd", help="Its monthly budget in USD.")]
BudgetTokens = Annotated[int | None, typer.Option("--budget-tokens", help="Its monthly budget in tokens.")]
Tool = Annotated[
    list[str] | None,
    typer.Option("--tool", help="A tool it may use besides the standard ones (repeat; `paperclip tool list`)."),
]
AllowHost = Annotated[
    list[str] | None, typer.Option("--allow-host", help="A host its tools may reach, `host` or `host:port` (repeat).")
]
Rule = Annotated[
    list[str] | None,
    typer.Option("--rule", help="A tool rule TOOL=allow|ask|deny[:PATTERN] (repeat; replaces its rules)."),
]
Url = Annotated[str | None, typer.Option(help="An `http` agent's URL: each turn is POSTed there.")]
Credential = Annotated[
    str | None, typer.Option(help="The credential its key comes from (bound to where its calls go).")
]


@dataclass
class SpecOptions:
    """What hire and configure both set, as given on the command line (None: not given)."""

    title: str | None = None
    capabilities: str | None = None
    system_prompt: str | None = None
    provider: Provider | None = None
    model: str | None = None
    base_url: str | None = None
    heartbeat: int | None = None
    wake_on_assignment: bool | None = None
    wake_on_comment: bool | None = None
    max_concurrent_runs: int | None = None
    max_turns: int | None = None
    can_hire: bool | None = None
    workspace: str | None = None
    command: str | None = None
    arg: list[str] | None = None
    env: list[str] | None = None
    permissions: Permissions | None = None
    turn_budget_usd: float | None = None
    turn_budget_tokens: int | None = None
    budget_usd: float | None = None
    budget_tokens: int | None = None
    tool: list[str] | None = None
    allow_host: list[str] | None = None
    rule: list[str] | None = None
    url: str | None = None
    credential: str | None = None

    def spec(self, adapter: Adapter) -> dict[str, Any]:
        """The spec fields these options set for an agent on `adapter`, as a merge patch (`None`
        puts a field back to its default: `--heartbeat 0`, `--permissions default`, `--env -NAME`).
        One line and exit 1 for an option the adapter has no use for."""
        tool_options = (self.workspace, self.command, self.arg, self.env, self.permissions)
        _refuse(adapter, self.provider is not None and adapter is not Adapter.MODEL, "--provider")
        _refuse(adapter, self.url is not None and adapter is not Adapter.HTTP, "--url")
        _refuse(adapter, (self.model, self.base_url) != (None, None) and adapter is Adapter.HTTP, "--model/--base-url")
        cli_given = any(v is not None for v in (*tool_options, self.turn_budget_usd, self.turn_budget_tokens))
        _refuse(adapter, cli_given and adapter not in CLI_TOOLS, CLI_OPTIONS)
        # Where the model and its key go: a CLI tool's own settings, an HTTP agent's, or the model's.
        where = "cli" if adapter in CLI_TOOLS else "http" if adapter is Adapter.HTTP else "model"
        spec: dict[str, Any] = {}
        for path, value in (
            ("title", self.title),
            ("capabilities", self.capabilities),
            ("system_prompt", self.system_prompt),
            ("max_concurrent_runs", self.max_concurrent_runs),
            ("max_turns", self.max_turns),
            ("tools", self.tool),
            ("allow_hosts", self.allow_host),
            ("tool_policy", None if self.rule is None else [_rule(r) for r in self.rule]),
            ("heartbeat.wake_on_assignment", self.wake_on_assignment),
            ("heartbeat.wake_on_comment", self.wake_on_comment),
            ("permissions.can_hire", self.can_hire),
            ("budget.monthly_usd", self.budget_usd),
            ("budget.monthly_tokens", self.budget_tokens),
            ("model.provider", self.provider.value if self.provider else None),
            (f"{where}.model", self.model),
            (f"{where}.base_url", self.base_url),
            (f"{where}.credential", self.credential),
            ("http.url", self.url),
            ("cli.workspace", self.workspace),
            ("cli.command", shlex.split(self.command) if self.command else None),
            ("cli.args", self.arg),
            ("cli.env", _env(self.env)),
            ("cli.turn_budget_usd", self.turn_budget_usd),
            ("cli.turn_budget_tokens", self.turn_budget_tokens),
        ):
            if value is not None:
                _put(spec, path, value)
        if self.heartbeat is not None:
            _put(spec, "heartbeat.interval_seconds", self.heartbeat or None)
        if self.permissions is not None:
            _put(spec, "cli.permissions", None if self.permissions is Permissions.DEFAULT else self.permissions.value)
        return spec


CLI_OPTIONS = "--workspace, --command, --arg, --env, --permissions and --turn-budget-*"


def _put(spec: dict[str, Any], path: str, value: Any) -> None:
    """Set `value` at the dotted `path` of `spec`, making the objects on the way."""
    *parents, last = path.split(".")
    for name in parents:
        spec = spec.setdefault(name, {})
    spec[last] = value


def _without_nones(value: Any) -> Any:
    """A hire's spec: what is put back to its default is simply left out."""
    if isinstance(value, dict):
        return {k: _without_nones(v) for k, v in value.items() if v is not None}
    return value


def _refuse(adapter: Adapter, given: bool, option: str) -> None:
    if given:
        fail(f"{option}: not for a `{adapter}` agent (its --adapter decides where each option goes)")


def _rule(text: str) -> dict[str, Any]:
    """`TOOL=POLICY[:PATTERN]` as a tool rule."""
    tool, _, rest = text.partition("=")
    policy, _, pattern = rest.partition(":")
    if not tool or policy not in ("allow", "ask", "deny"):
        fail(f"--rule {text!r}: write TOOL=allow|ask|deny, or TOOL=POLICY:PATTERN (e.g. run_command=allow:pytest*)")
    return {"tool": tool, "policy": policy} | ({"pattern": pattern} if pattern else {})


def _env(pairs: list[str] | None) -> dict[str, str | None] | None:
    """`NAME=VALUE` pairs as `cli.env` (a bare `NAME=` sets it empty; `-NAME` unsets it)."""
    if pairs is None:
        return None
    env: dict[str, str | None] = {}
    for pair in pairs:
        if pair.startswith("-") and "=" not in pair:
            env[pair[1:]] = None
            continue
        name, equals, value = pair.partition("=")
        if not name or not equals:
            fail(f"--env {pair!r}: write NAME=VALUE (or -NAME to unset it)")
        env[name] = value
    return env


def _with_endpoint(client: "ApiClient", company: str, endpoint: str, spec: dict[str, Any]) -> dict[str, Any]:
    """`spec` with the model config of the endpoint this company's agents get by that name (its
    team's, else the deployment's); the options given override it."""
    from paperclip.models import Endpoint  # the models only for an agent hired on an endpoint

    found = Endpoint.model_validate(client.get(f"/api/endpoints/{endpoint}", company=company))
    given = spec.get("model", {})
    model = found.model_config_for(given.get("model")).model_dump(mode="json", exclude_none=True)
    return spec | {"model": model | given}


def _print_changes(answer: dict[str, Any]) -> None:
    for change in answer["changes"]:
        when = "[green]now[/green]" if change["live"] else "[dim]from its next task[/dim]"
        console.print(
            f"  {escape(change['field'])}: {escape(_shown(change['before']))} → {escape(_shown(change['after']))}"
            f" ({when})",
            highlight=False,
        )
    if answer["reached"]:
        console.print(f"Running tasks told at once: {', '.join(answer['reached'])}", highlight=False)


def _shown(value: Any) -> str:
    return "unset" if value is None else value if isinstance(value, str) and value else json.dumps(value)


# --------------------------------------------------------------------------- commands


def agent_hire(
    name: Name,
    company: Company,
    role: Annotated[str | None, typer.Option(help="Role, e.g. engineer.")] = None,
    reports_to: Annotated[str | None, typer.Option("--reports-to", help="Manager's agent name.")] = None,
    template: Annotated[
        str | None, typer.Option(help="Agent template, e.g. coder; the options below override its fields.")
    ] = None,
    adapter: AdapterOpt = None,
    title: Title = None,
    capabilities: Capabilities = None,
    system_prompt: SystemPrompt = None,
    provider: ProviderOpt = None,
    model: Model = None,
    base_url: BaseUrl = None,
    endpoint: EndpointOpt = None,
    heartbeat: Heartbeat = None,
    wake_on_assignment: WakeOnAssignment = None,
    wake_on_comment: WakeOnComment = None,
    max_concurrent_runs: MaxRuns = None,
    max_turns: MaxTurns = None,
    can_hire: CanHire = None,
    workspace: Workspace = None,
    command: Command = None,
    arg: Arg = None,
    env: Env = None,
    permissions: PermissionsOpt = None,
    turn_budget_usd: TurnUsd = None,
    turn_budget_tokens: TurnTokens = None,
    budget_usd: BudgetUsd = None,
    budget_tokens: BudgetTokens = None,
    tool: Tool = None,
    allow_host: AllowHost = None,
    rule: Rule = None,
    url: Url = None,
    credential: Credential = None,
    api_url: ApiUrl = None,
) -> None:
    """Hire an agent into a company, from scratch or from an agent template."""
    args = dict(locals())
    options = SpecOptions(**{f.name: args[f.name] for f in fields(SpecOptions)})
    spec = {"name": name, "template": template, "role": role, "reports_to": reports_to}
    spec = {k: v for k, v in spec.items() if v is not None} | _without_nones(options.spec(adapter or Adapter.MODEL))
    if adapter is not None:
        spec["adapter"] = adapter.value
    with api(api_url) as client:
        if endpoint is not None:
            _refuse(adapter or Adapter.MODEL, adapter not in (None, Adapter.MODEL), "--endpoint")
            spec = _with_endpoint(client, company, endpoint, spec)
        agent = client.post(f"/api/companies/{company}/agents", spec)
    hired = agent.get("spec", {})
    manager = f", reporting to {escape(hired['reports_to'])}" if hired.get("reports_to") else ""
    origin = f" from template {escape(template)}" if template else ""
    console.print(f"Hired [bold]{hired.get('name', name)}[/bold] into {company}{origin} on {_model(hired)}{manager}")


def agent_configure(
    name: Name,
    company: Company,
    adapter: AdapterOpt = None,
    title: Title = None,
    capabilities: Capabilities = None,
    system_prompt: SystemPrompt = None,
    provider: ProviderOpt = None,
    model: Model = None,
    base_url: BaseUrl = None,
    endpoint: EndpointOpt = None,
    heartbeat: Heartbeat = None,
    wake_on_assignment: WakeOnAssignment = None,
    wake_on_comment: WakeOnComment = None,
    max_concurrent_runs: MaxRuns = None,
    max_turns: MaxTurns = None,
    can_hire: CanHire = None,
    workspace: Workspace = None,
    command: Command = None,
    arg: Arg = None,
    env: Env = None,
    permissions: PermissionsOpt = None,
    turn_budget_usd: TurnUsd = None,
    turn_budget_tokens: TurnTokens = None,
    budget_usd: BudgetUsd = None,
    budget_tokens: BudgetTokens = None,
    tool: Tool = None,
    no_tools: Annotated[bool, typer.Option("--no-tools", help="No tools beyond the standard ones.")] = False,
    allow_host: AllowHost = None,
    rule: Rule = None,
    no_rules: Annotated[bool, typer.Option("--no-rules", help="No tool rules of its own.")] = False,
    url: Url = None,
    credential: Credential = None,
    patch: Annotated[
        str | None, typer.Option("--patch", help="Any other change, as a JSON merge patch of its spec.")
    ] = None,
    api_url: ApiUrl = None,
) -> None:
    """Change an agent's configuration; tools, rules, budgets and heartbeat reach its running
    tasks at once, the rest applies from its next task. Each change is a revision
    (`agent revisions`, `agent rollback`)."""
    args = dict(locals())
    options = SpecOptions(**{f.name: args[f.name] for f in fields(SpecOptions)})
    try:
        raw = {} if patch is None else json.loads(patch)
    except json.JSONDecodeError as err:
        fail(f"--patch: not JSON: {err}")
    if not isinstance(raw, dict):
        fail("--patch: a JSON object, e.g. '{\"max_turns\": 10}'")
    with api(api_url) as client:
        current = client.get(f"/api/companies/{company}/agents/{name}")["spec"]
        changes = options.spec(adapter or Adapter(current.get("adapter", Adapter.MODEL)))
        if adapter is not None:
            changes["adapter"] = adapter.value
        changes |= {"tools": None} if no_tools else {}
        changes |= {"tool_policy": []} if no_rules else {}
        if endpoint is not None:
            changes = _with_endpoint(client, company, endpoint, changes)
        body = _merged(raw, changes)
        if not body:
            fail("nothing to change: give an option (see paperclip agent configure --help)")
        answer = client.patch(f"/api/companies/{company}/agents/{name}", body)
    if not answer["changes"]:
        console.print(f"Nothing to change: {escape(name)} is configured so already (revision {answer['revision']})")
        return
    console.print(f"Configured [bold]{escape(name)}[/bold] in {company}: revision {answer['revision']}")
    _print_changes(answer)


def _merged(base: dict[str, Any], over: dict[str, Any]) -> dict[str, Any]:
    """`over` merged into `base`, object by object (the options win over `--patch`)."""
    merged = dict(base)
    for key, value in over.items():
        both = isinstance(value, dict) and isinstance(merged.get(key), dict)
        merged[key] = _merged(merged[key], value) if both else value
    return merged


def agent_revisions(
    name: Name,
    company: Company,
    revision: Annotated[int | None, typer.Argument(help="Show this revision's spec (JSON).")] = None,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """List an agent's revisions (each configuration it had), or show one (with `--json`: the
    whole revision, its changes too)."""
    with api(api_url) as client:
        listed = client.get(f"/api/companies/{company}/agents/{name}/revisions", limit=1000)
    if revision is not None:
        found = next((r for r in listed["data"] if r["revision"] == revision), None)
        if found is None:
            fail(f"agent {name} has no revision {revision} (it is at {listed['current']})")
        print_json(found if as_json else found["spec"])
        return
    if as_json:
        print_json(listed)
        return
    table = Table("Rev", "When", "By", "Changes")
    for row in listed["data"]:
        mark = " (now)" if row["revision"] == listed["current"] else ""
        what = f"rolled back to {row['restored_from']}: " if row.get("restored_from") else ""
        what += ", ".join(c["field"] for c in row["changes"]) or ("as hired" if row["revision"] == 1 else "-")
        when = (row["at"] or "before revisions were kept")[:19].replace("T", " ")
        table.add_row(f"{row['revision']}{mark}", when, escape(row["actor"] or "-"), escape(what))
    console.print(table)


def agent_rollback(
    name: Name,
    revision: Annotated[int, typer.Argument(help="The revision whose configuration it gets again.")],
    company: Company,
    api_url: ApiUrl = None,
) -> None:
    """Give an agent the configuration of a former revision again (a new revision)."""
    with api(api_url) as client:
        answer = client.post(f"/api/companies/{company}/agents/{name}/revisions/{revision}/restore", {})
    if not answer["changes"]:
        console.print(f"Nothing to change: {escape(name)} has revision {revision}'s configuration already")
        return
    now = answer["revision"]
    console.print(f"Rolled [bold]{escape(name)}[/bold] in {company} back to revision {revision}: now revision {now}")
    _print_changes(answer)
