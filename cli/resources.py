"""Resource commands: clients of the API over HTTP (`company`, `agent`, `task`, `history`)."""

import json
import shlex
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape
from rich.table import Table

from cli.budgets import cap_text, usd
from cli.common import ApiUrl, Company, api, console, fail
from paperclip.cli_rules import CLI_ADAPTERS
from paperclip.models import Adapter, AgentStatus, Endpoint, Priority, Provider, Role
from paperclip.money import cost

company_app = typer.Typer(help="Create, list and show companies.", no_args_is_help=True)
agent_app = typer.Typer(help="Hire, list and show agents.", no_args_is_help=True)
task_app = typer.Typer(help="Assign and list tasks.", no_args_is_help=True)

STATUS_STYLE = {
    "queued": "cyan",
    "running": "yellow",
    "blocked": "magenta",
    "done": "green",
    "failed": "red",
    "cancelled": "dim",
}


MAX_PAGE = 1000
"""The most the API lists at once."""


class TraceFormat(StrEnum):
    JSON = "json"
    MD = "md"


def _status(status: str) -> str:
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"


def _task_status(task: dict[str, Any]) -> str:
    """A task's status, with why it holds or that it waits to try its model call again."""
    text = _status(task["status"])
    if task.get("held"):
        text += f" [yellow]held: {escape(task['held'])}[/yellow]"
    retry = task.get("retry")
    if retry:
        text += f" [yellow]retrying ({retry['attempt']}/{retry['of']})[/yellow]"
    return text


def _cost(value: float | None) -> str:
    return "-" if value is None else cost(value)


def _model(agent_spec: dict[str, Any]) -> str:
    adapter = agent_spec.get("adapter", Adapter.MODEL)
    if adapter == Adapter.HTTP:
        return f"http:{escape((agent_spec.get('http') or {}).get('url', '?'))}"
    if adapter != Adapter.MODEL:
        return str(adapter)
    model = agent_spec.get("model") or {}
    provider = model.get("provider", "simulated")
    if provider == Provider.SIMULATED:
        return "[yellow]simulated[/yellow]"
    return f"{provider}:{model.get('model', '?')}"


def _task_table(tasks: list[dict[str, Any]]) -> Table:
    table = Table("Task", "Title", "Assignee", "Status", "Priority", "Goal", "Turns", "Cost")
    for task in tasks:
        table.add_row(
            escape(task["identifier"]),
            escape(task["title"]),
            escape(task["assignee"]),
            _task_status(task),
            task.get("priority", ""),
            escape(task.get("goal") or "-"),
            str(task.get("turns", 0)),
            _cost(task.get("cost_usd")),
        )
    return table


def _agent_table(agents: list[dict[str, Any]]) -> Table:
    table = Table("Agent", "Title", "Role", "Reports to", "Model", "Status", "Running", "Cost")
    table.columns[4].min_width = len("simulated")
    for agent in agents:
        agent_spec = agent["spec"]
        table.add_row(
            escape(agent_spec["name"]),
            escape(agent_spec.get("title", "")),
            escape(agent_spec.get("role", "")),
            escape(agent_spec.get("reports_to") or "-"),
            _model(agent_spec),
            agent.get("status", "") + (f" ({escape(agent['pause_reason'])})" if agent.get("pause_reason") else ""),
            str(agent.get("running", 0)),
            _cost(agent.get("cost_usd")),
        )
    return table


# --------------------------------------------------------------------------- company


@company_app.command("create")
def company_create(
    name: Annotated[str, typer.Argument(help="Display name, e.g. 'Acme Robotics'.")],
    id: Annotated[str | None, typer.Option("--id", help="Company id (slug); derived from the name if omitted.")] = None,
    prefix: Annotated[str | None, typer.Option(help="Task identifier prefix, e.g. ACME.")] = None,
    mission: Annotated[str | None, typer.Option(help="What the company is for.")] = None,
    goal: Annotated[
        list[str] | None,
        typer.Option(
            "--goal", "-g", help="A company goal (repeat for more); at least one, unless the template has them."
        ),
    ] = None,
    template: Annotated[
        str | None, typer.Option(help="Company template (`paperclip template list`), e.g. software-studio.")
    ] = None,
    require_hire_approval: Annotated[
        bool, typer.Option("--require-hire-approval", help="Agents hired by agents wait for the board's approval.")
    ] = False,
    require_strategy_approval: Annotated[
        bool,
        typer.Option(
            "--require-strategy-approval", help="The CEO's plan needs the board's approval before it delegates."
        ),
    ] = False,
    approval_timeout: Annotated[
        int | None,
        typer.Option(
            "--approval-timeout", metavar="SECONDS", min=60, help="Escalate approvals undecided this long (seconds)."
        ),
    ] = None,
    budget_usd: Annotated[
        float | None, typer.Option("--budget-usd", min=0, help="Monthly cap in USD over every agent.")
    ] = None,
    budget_tokens: Annotated[
        int | None, typer.Option("--budget-tokens", min=0, help="Monthly cap in tokens over every agent.")
    ] = None,
    repository: Annotated[
        str | None,
        typer.Option(
            help="The repository its agents' tools work in: a path under the workspace roots, or an https URL."
        ),
    ] = None,
    push_url: Annotated[
        str | None, typer.Option("--push-url", help="Where `git push` sends a task's branch (a URL or a path).")
    ] = None,
    api_url: ApiUrl = None,
) -> None:
    """Create a company with its goals, empty or from a company template."""
    body: dict[str, Any] = {
        "name": name,
        "id": id,
        "prefix": prefix,
        "mission": mission,
        "goals": goal,
        "template": template,
        "require_hire_approval": require_hire_approval or None,
        "require_strategy_approval": require_strategy_approval or None,
        "approval_timeout_seconds": approval_timeout,
        "budget_usd": budget_usd,
        "budget_tokens": budget_tokens,
        "repository": {"source": repository, "push_url": push_url} if repository else None,
    }
    if push_url and not repository:
        fail("--push-url needs --repository")
    with api(api_url) as client:
        company = client.post("/api/companies", {k: v for k, v in body.items() if v is not None})
    goals = company.get("goals", [])
    console.print(
        f"Created company [bold]{company.get('id')}[/bold] ({escape(str(company.get('name')))}, "
        f"prefix {company.get('prefix')})"
        + (f" from template {escape(template)} with {len(company.get('agents', []))} agents" if template else "")
        + f", {len(goals)} goal{'s' if len(goals) != 1 else ''}"
        + (
            f", budget {cap_text(budget_usd, budget_tokens)} a month"
            if budget_usd is not None or budget_tokens is not None
            else ""
        )
    )
    for note in company.get("notes", []):
        console.print(f"[yellow]note:[/yellow] {escape(note)}", highlight=False)


@company_app.command("list")
def company_list(api_url: ApiUrl = None) -> None:
    """List companies."""
    with api(api_url) as client:
        companies = client.get("/api/companies").get("data", [])
    if not companies:
        console.print("No companies yet: `paperclip company create NAME` or `paperclip up --demo`.")
        return
    table = Table("Id", "Name", "Prefix", "Mission")
    for company in companies:
        table.add_row(*(escape(company.get(key) or "") for key in ("id", "name", "prefix", "mission")))
    console.print(table)


@company_app.command("show")
def company_show(
    company: Annotated[str, typer.Argument(envvar="PAPERCLIP_COMPANY", help="Company id.")],
    api_url: ApiUrl = None,
) -> None:
    """Show a company: its agents, tasks and spend."""
    with api(api_url) as client:
        snapshot = client.get(f"/api/companies/{company}")
    spec = snapshot["spec"]
    archived = " [dim]archived[/dim]" if snapshot.get("archived") else ""
    console.print(f"[bold]{escape(spec['name'])}[/bold] ({spec['id']}, prefix {spec['prefix']}){archived}")
    if spec.get("mission"):
        console.print(spec["mission"], style="italic", highlight=False)
    usage = snapshot.get("usage") or {}
    console.print(
        f"Spend {_cost(snapshot.get('cost_usd'))}, "
        f"tokens in {usage.get('input_tokens', 0)} / out {usage.get('output_tokens', 0)}",
        highlight=False,
    )
    agents = _agent_table(snapshot.get("agents", []))
    agents.title = "Agents"
    console.print(agents)
    tasks = snapshot.get("tasks", [])
    if tasks:
        table = _task_table(tasks)
        table.title = "Tasks"
        console.print(table)


# --------------------------------------------------------------------------- agent


@agent_app.command("hire")
def agent_hire(
    name: Annotated[str, typer.Argument(help="Agent name (slug), e.g. 'cto'.")],
    company: Company,
    role: Annotated[str | None, typer.Option(help="Role, e.g. engineer.")] = None,
    title: Annotated[str | None, typer.Option(help="Job title.")] = None,
    reports_to: Annotated[str | None, typer.Option("--reports-to", help="Manager's agent name.")] = None,
    provider: Annotated[Provider | None, typer.Option(help="Model provider.")] = None,
    model: Annotated[
        str | None,
        typer.Option(help="Model name, e.g. gpt-4o-mini; a CLI agent's tool gets it (OpenCode: provider/model)."),
    ] = None,
    base_url: Annotated[str | None, typer.Option("--base-url", help="OpenAI-compatible endpoint.")] = None,
    capabilities: Annotated[str | None, typer.Option(help="What this agent is good at (shown to delegators).")] = None,
    system_prompt: Annotated[str | None, typer.Option("--system-prompt", help="System prompt.")] = None,
    template: Annotated[
        str | None, typer.Option(help="Agent template, e.g. coder; the options above override its fields.")
    ] = None,
    heartbeat: Annotated[
        int | None, typer.Option("--heartbeat", help="Wake every this many seconds (at least 60) to look for work.")
    ] = None,
    wake_on_assignment: Annotated[
        bool | None,
        typer.Option(
            "--wake-on-assignment/--no-wake-on-assignment", help="Start new tasks at once, or at its next wake."
        ),
    ] = None,
    wake_on_comment: Annotated[
        bool | None,
        typer.Option("--wake-on-comment/--no-wake-on-comment", help="Wake for a comment at once, or at its next wake."),
    ] = None,
    max_concurrent_runs: Annotated[
        int | None, typer.Option("--max-concurrent-runs", help="Tasks it works on at once.")
    ] = None,
    can_hire: Annotated[
        bool | None, typer.Option("--can-hire/--cannot-hire", help="May hire agents into its team (hire_agent).")
    ] = None,
    endpoint: Annotated[
        str | None, typer.Option(help="A registered endpoint (`agent register`) its model calls go to.")
    ] = None,
    adapter: Annotated[
        Adapter | None,
        typer.Option(help="What runs its turns: a model, or a CLI agent (claude_local, gemini_local, …)."),
    ] = None,
    workspace: Annotated[str | None, typer.Option(help="A CLI agent's working directory.")] = None,
    command: Annotated[
        str | None, typer.Option(help="A CLI agent's command (words split like a shell's), e.g. for `process`.")
    ] = None,
    url: Annotated[str | None, typer.Option(help="An `http` agent's URL: each turn is POSTed there.")] = None,
    credential: Annotated[
        str | None,
        typer.Option(
            help="An `http` agent's key: a credential bound to --url, or an environment variable the deployment allows."
        ),
    ] = None,
    tool: Annotated[
        list[str] | None,
        typer.Option("--tool", help="A tool it may use besides the standard ones (repeat; `paperclip tool list`)."),
    ] = None,
    allow_host: Annotated[
        list[str] | None,
        typer.Option("--allow-host", help="A host its tools may reach, `host` or `host:port` (repeat)."),
    ] = None,
    api_url: ApiUrl = None,
) -> None:
    """Hire an agent into a company, from scratch or from an agent template."""
    spec: dict[str, Any] = {
        "name": name,
        "template": template,
        "role": role,
        "title": title,
        "reports_to": reports_to,
        "capabilities": capabilities,
        "system_prompt": system_prompt,
        "tools": tool,
        "allow_hosts": allow_host,
    }
    cli_model = model if adapter in CLI_ADAPTERS else None  # the tool's `--model`, not a model call's
    model_config = {
        "provider": provider.value if provider else None,
        "model": None if cli_model else model,
        "base_url": base_url,
    }
    model_config = {k: v for k, v in model_config.items() if v is not None}
    if model_config:
        spec["model"] = model_config
    policy = {
        "interval_seconds": heartbeat,
        "wake_on_assignment": wake_on_assignment,
        "wake_on_comment": wake_on_comment,
    }
    policy = {k: v for k, v in policy.items() if v is not None}
    if policy:
        spec["heartbeat"] = policy
    if max_concurrent_runs is not None:
        spec["max_concurrent_runs"] = max_concurrent_runs
    if can_hire is not None:
        spec["permissions"] = {"can_hire": can_hire}
    if adapter is not None:
        spec["adapter"] = adapter.value
    cli = {"workspace": workspace, "command": shlex.split(command) if command else None, "model": cli_model}
    if any(v is not None for v in cli.values()):
        spec["cli"] = {k: v for k, v in cli.items() if v is not None}
    if url is not None or credential is not None:
        spec["http"] = {k: v for k, v in {"url": url, "credential": credential}.items() if v is not None}
    with api(api_url) as client:
        if endpoint is not None:
            # The one this company's agents get by that name: its team's, else the deployment's.
            found = Endpoint.model_validate(client.get(f"/api/endpoints/{endpoint}", company=company))
            spec["model"] = found.model_config_for(model).model_dump(mode="json", exclude_none=True) | model_config
        agent = client.post(f"/api/companies/{company}/agents", {k: v for k, v in spec.items() if v is not None})
    hired = agent.get("spec", {})
    manager = f", reporting to {escape(hired['reports_to'])}" if hired.get("reports_to") else ""
    origin = f" from template {escape(template)}" if template else ""
    console.print(f"Hired [bold]{hired.get('name', name)}[/bold] into {company}{origin} on {_model(hired)}{manager}")


@agent_app.command("list")
def agent_list(
    company: Company,
    status: Annotated[AgentStatus | None, typer.Option(help="Only agents with this status.")] = None,
    role: Annotated[Role | None, typer.Option(help="Only agents with this role.")] = None,
    api_url: ApiUrl = None,
) -> None:
    """List a company's agents, in hiring order."""
    params = {"status": status.value if status else None, "role": role.value if role else None}
    with api(api_url) as client:
        listed = client.get(f"/api/companies/{company}/agents", limit=MAX_PAGE, **params)
    if not listed["data"]:
        console.print(f"No agents in {company} match.")
        return
    console.print(_agent_table(listed["data"]))
    if listed["total"] > listed["count"]:
        console.print(f"First {listed['count']} of {listed['total']} agents.")


@agent_app.command("show")
def agent_show(
    name: Annotated[str, typer.Argument(help="Agent name.")],
    company: Company,
    api_url: ApiUrl = None,
) -> None:
    """Show an agent: its place in the org chart, status, this month's spend and open tasks."""
    with api(api_url) as client:
        agent = client.get(f"/api/companies/{company}/agents/{name}")
    spec, spend, budget = agent["spec"], agent["spend"], agent["spec"]["budget"]
    title = f" ({escape(spec['title'])})" if spec.get("title") else ""
    manager = f", reports to {escape(spec['reports_to'])}" if spec.get("reports_to") else ""
    console.print(f"[bold]{escape(spec['name'])}[/bold]{title}: {spec['role']}{manager}, on {_model(spec)}")
    reason = f" ({escape(agent['pause_reason'])})" if agent.get("pause_reason") else ""
    console.print(f"Status {agent['status']}{reason}, running {agent['running']}, wakes {agent['wakes']}")
    console.print(
        f"Spend in {agent.get('month') or 'this month'}: {usd(spend['usd'])}, {spend['tokens']:,} tokens"
        f" (budget: {cap_text(budget['monthly_usd'], budget['monthly_tokens'])})",
        highlight=False,
    )
    if spec.get("capabilities"):
        console.print(spec["capabilities"], style="italic", highlight=False)
    if agent["open_tasks"]:
        table = _task_table(agent["open_tasks"])
        table.title = "Open tasks"
        console.print(table)
    else:
        console.print("No open tasks.")


# --------------------------------------------------------------------------- task


@task_app.command("assign")
def task_assign(
    agent: Annotated[str, typer.Argument(help="Assignee agent name.")],
    title: Annotated[str, typer.Argument(help="What to do.")],
    company: Company,
    brief: Annotated[str | None, typer.Option(help="Details for the agent.")] = None,
    priority: Annotated[Priority, typer.Option(help="Dispatch priority.")] = Priority.MEDIUM,
    goal: Annotated[str | None, typer.Option(help="The goal it serves, e.g. G3 (`paperclip goal list`).")] = None,
    budget_usd: Annotated[
        float | None, typer.Option("--budget-usd", min=0, help="Lifetime cap in USD, subtasks included.")
    ] = None,
    budget_tokens: Annotated[
        int | None, typer.Option("--budget-tokens", min=0, help="Lifetime cap in tokens, subtasks included.")
    ] = None,
    api_url: ApiUrl = None,
) -> None:
    """Assign a task to an agent; prints its identifier."""
    body: dict[str, Any] = {"title": title, "assignee": agent, "priority": priority.value, "brief": brief, "goal": goal}
    if budget_usd is not None or budget_tokens is not None:
        body["budget"] = {"usd": budget_usd, "tokens": budget_tokens}
    with api(api_url) as client:
        record = client.post(f"/api/companies/{company}/tasks", {k: v for k, v in body.items() if v is not None})
    serves = f" (serves {record['goal']})" if record.get("goal") else ""
    console.print(
        f"Assigned [bold]{record['identifier']}[/bold] to {record['assignee']}{serves}: {escape(record['title'])}",
        highlight=False,
    )


@task_app.command("list")
def task_list(company: Company, api_url: ApiUrl = None) -> None:
    """List a company's tasks."""
    with api(api_url) as client:
        tasks = client.get(f"/api/companies/{company}/tasks").get("data", [])
    if not tasks:
        console.print(f"No tasks in {company} yet: `paperclip task assign --company {company} AGENT TITLE`.")
        return
    console.print(_task_table(tasks))


# --------------------------------------------------------------------------- history


def history(
    identifier: Annotated[str, typer.Argument(help="Task identifier, e.g. ACME-1.")],
    company: Company,
    format: Annotated[TraceFormat, typer.Option("--format", "-f", help="json or md.")] = TraceFormat.MD,
    api_url: ApiUrl = None,
) -> None:
    """Print a task's full trace (from its workflow history) as Markdown or JSON."""
    path = f"/api/companies/{company}/tasks/{identifier}/trace"
    with api(api_url) as client:
        if format is TraceFormat.JSON:
            typer.echo(json.dumps(client.get(path, format="json"), indent=2))
        else:
            typer.echo(client.get_text(path, format="md"))
