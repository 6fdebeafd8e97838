"""Resource commands: clients of the API over HTTP (`company`, `agent`, `task`, `history`)."""

import json
from enum import StrEnum
from typing import Annotated, Any

import typer
from rich.markup import escape

from cli.budgets import cap_text, usd
from cli.common import ApiUrl, Company, api, console, fail
from cli.output import JsonOption, Table, print_json
from cli.review import CyclesOption, ReviewOption, review_body
from paperclip.money import cost
from paperclip.vocabulary import Adapter, AgentStatus, Priority, Provider, Role

company_app = typer.Typer(help="Create, list, show and delete companies.", no_args_is_help=True)
agent_app = typer.Typer(help="Hire, list and show agents.", no_args_is_help=True)
task_app = typer.Typer(help="Assign and list tasks.", no_args_is_help=True)

STATUS_STYLE = {
    "queued": "cyan",
    "running": "yellow",
    "blocked": "magenta",
    "in_review": "blue",
    "done": "green",
    "failed": "red",
    "cancelled": "dim",
}


MAX_PAGE = 1000
"""The most the API lists at once."""


class TraceFormat(StrEnum):
    JSON = "json"
    MD = "md"


def status_markup(status: str) -> str:
    """A task's status, coloured."""
    return f"[{STATUS_STYLE.get(status, 'white')}]{status}[/]"


def _task_status(task: dict[str, Any]) -> str:
    """A task's status, with what a queued one waits on or why one blocked before it started, why
    it holds or that it is trying a failed turn again (the attempt and the last failure)."""
    text = status_markup(task["status"])
    if task.get("blocked_by") and task["status"] == "queued":
        text += f" [dim]waiting on {escape(', '.join(task['blocked_by']))}[/dim]"
    if task.get("blocked_reason"):
        text += f" [red]{escape(task['blocked_reason'])}[/red]"
    if task.get("held"):
        text += f" [yellow]held: {escape(task['held'])}[/yellow]"
    retry = task.get("retry")
    if retry:
        from paperclip.models import RetryState  # the models only for a task that is retrying

        text += f" [yellow]↻ retrying {escape(RetryState.model_validate(retry).brief())}[/yellow]"
    return text


def _cost(value: float | None) -> str:
    return "-" if value is None else cost(value)


def _model(agent_spec: dict[str, Any]) -> str:
    """What runs its turns: `provider:model`, simulated (labelled), or a CLI or HTTP agent's tool
    (`claude`, `codex:gpt-5`, `http:URL`), never taken for the simulated model."""
    adapter = Adapter(agent_spec.get("adapter", Adapter.MODEL))
    if adapter is Adapter.HTTP:
        return f"http:{escape((agent_spec.get('http') or {}).get('url', '?'))}"
    if adapter is not Adapter.MODEL:
        model = (agent_spec.get("cli") or {}).get("model")
        return escape(f"{adapter.label}:{model}" if model else adapter.label)
    model = agent_spec.get("model") or {}
    provider = model.get("provider", "simulated")
    if provider == Provider.SIMULATED:
        return "[yellow]simulated[/yellow]"
    return f"{provider}:{model.get('model', '?')}"


def task_table(tasks: list[dict[str, Any]]) -> Table:
    """Tasks as a table: identifier, title, assignee, status (held, retrying), priority, goal, turns, cost."""
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
    review: ReviewOption = None,
    review_cycles: CyclesOption = None,
    team: Annotated[
        str | None, typer.Option(help="The team that owns it (default: the one team your key may change things in).")
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
        "review": review_body(review, review_cycles),
        "team": team,
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
def company_list(as_json: JsonOption = False, api_url: ApiUrl = None) -> None:
    """List companies."""
    with api(api_url) as client:
        answer = client.get("/api/companies")
    if as_json:
        print_json(answer)
        return
    companies = answer.get("data", [])
    if not companies:
        console.print("No companies yet: `paperclip company create NAME` or `paperclip up --demo`.")
        return
    table = Table("Id", "Name", "Prefix", "Status", "Mission")
    for company in companies:
        standing = company.get("status") or ""
        if company.get("pause_reason"):
            standing += f" ({company['pause_reason']})"
        table.add_row(
            *(escape(company.get(key) or "") for key in ("id", "name", "prefix")),
            standing,
            escape(company.get("mission") or ""),
        )
    console.print(table)


@company_app.command("show")
def company_show(
    company: Annotated[str, typer.Argument(envvar="PAPERCLIP_COMPANY", help="Company id.")],
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """Show a company: its agents, tasks and spend."""
    with api(api_url) as client:
        snapshot = client.get(f"/api/companies/{company}")
    if as_json:
        print_json(snapshot)
        return
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
        table = task_table(tasks)
        table.title = "Tasks"
        console.print(table)


# --------------------------------------------------------------------------- agent


@agent_app.command("list")
def agent_list(
    company: Company,
    status: Annotated[AgentStatus | None, typer.Option(help="Only agents with this status.")] = None,
    role: Annotated[Role | None, typer.Option(help="Only agents with this role.")] = None,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """List a company's agents, in hiring order."""
    params = {"status": status.value if status else None, "role": role.value if role else None}
    with api(api_url) as client:
        listed = client.get(f"/api/companies/{company}/agents", limit=MAX_PAGE, **params)
    if as_json:
        print_json(listed)
        return
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
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """Show an agent: its place in the org chart, status, this month's spend and open tasks."""
    with api(api_url) as client:
        agent = client.get(f"/api/companies/{company}/agents/{name}")
    if as_json:
        print_json(agent)
        return
    spec, spend, budget = agent["spec"], agent["spend"], agent["spec"]["budget"]
    title = f" ({escape(spec['title'])})" if spec.get("title") else ""
    manager = f", reports to {escape(spec['reports_to'])}" if spec.get("reports_to") else ""
    console.print(f"[bold]{escape(spec['name'])}[/bold]{title}: {spec['role']}{manager}, on {_model(spec)}")
    reason = f" ({escape(agent['pause_reason'])})" if agent.get("pause_reason") else ""
    revision = f", revision {agent['revision']}" if agent.get("revision") else ""  # `agent revisions` lists them
    console.print(f"Status {agent['status']}{reason}, running {agent['running']}, wakes {agent['wakes']}{revision}")
    console.print(
        f"Spend in {agent.get('month') or 'this month'}: {usd(spend['usd'])}, {spend['tokens']:,} tokens"
        f" (budget: {cap_text(budget['monthly_usd'], budget['monthly_tokens'])})",
        highlight=False,
    )
    if spec.get("capabilities"):
        console.print(spec["capabilities"], style="italic", highlight=False)
    if agent["open_tasks"]:
        table = task_table(agent["open_tasks"])
        table.title = "Open tasks"
        console.print(table)
    else:
        console.print("No open tasks.")


# --------------------------------------------------------------------------- task


@task_app.command("assign")
@task_app.command("create")
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
    blocked_by: Annotated[
        list[str] | None, typer.Option("--blocked-by", help="A task it waits for, e.g. ACME-2 (repeatable).")
    ] = None,
    inputs: Annotated[
        list[str] | None,
        typer.Option("--input", help="A blocker whose result it is given when it starts (repeatable)."),
    ] = None,
    project: Annotated[str | None, typer.Option(help="The project it belongs to, e.g. WEB.")] = None,
    label: Annotated[list[str] | None, typer.Option(help="A label it carries (repeatable).")] = None,
    review: ReviewOption = None,
    review_cycles: CyclesOption = None,
    api_url: ApiUrl = None,
) -> None:
    """Assign a task to an agent (`create` is the same command); prints its identifier. With
    `--blocked-by` it waits queued until those tasks are done."""
    body: dict[str, Any] = {
        "title": title,
        "assignee": agent,
        "priority": priority.value,
        "brief": brief,
        "goal": goal,
        "project": project,
        "labels": label,
        "review": review_body(review, review_cycles),
    }
    body |= {"blocked_by": blocked_by or None, "inputs": inputs or None}
    if budget_usd is not None or budget_tokens is not None:
        body["budget"] = {"usd": budget_usd, "tokens": budget_tokens}
    with api(api_url) as client:
        record = client.post(f"/api/companies/{company}/tasks", {k: v for k, v in body.items() if v is not None})
    serves = f" (serves {record['goal']})" if record.get("goal") else ""
    serves += f" in project {record['project']}" if record.get("project") else ""
    waits = f", waiting on {', '.join(record['blocked_by'])}" if record.get("blocked_by") else ""
    console.print(
        f"Assigned [bold]{record['identifier']}[/bold] to {record['assignee']}{serves}{waits}: "
        f"{escape(record['title'])}",
        highlight=False,
    )


@task_app.command("list")
def task_list(
    company: Company,
    project: Annotated[str | None, typer.Option(help="Only tasks of this project, e.g. WEB.")] = None,
    label: Annotated[str | None, typer.Option(help="Only tasks carrying this label.")] = None,
    as_json: JsonOption = False,
    api_url: ApiUrl = None,
) -> None:
    """List a company's tasks (of one project, or carrying one label)."""
    with api(api_url) as client:
        answer = client.get(f"/api/companies/{company}/tasks", project=project, label=label)
    if as_json:
        print_json(answer)
        return
    tasks = answer.get("data", [])
    if not tasks:
        if project or label:
            console.print(f"No tasks in {company} match.")
        else:
            console.print(f"No tasks in {company} yet: `paperclip task assign --company {company} AGENT TITLE`.")
        return
    console.print(task_table(tasks))


# --------------------------------------------------------------------------- history


def trace_text(client: Any, company: str, identifier: str, format: TraceFormat) -> str:
    """A task's trace (its conversation, from the workflow history) as JSON or Markdown text."""
    path = f"/api/companies/{company}/tasks/{identifier}/trace"
    if format is TraceFormat.JSON:
        return json.dumps(client.get(path, format="json"), indent=2) + "\n"
    return str(client.get_text(path, format="md")) + "\n"


def history(
    company: Company,
    identifier: Annotated[
        str | None, typer.Argument(help="Task identifier, e.g. ACME-1 (or give it as --session).")
    ] = None,
    session: Annotated[
        str | None,
        typer.Option(
            "--session", help="The task identifier as the guide's conversation id (`history --session ACME-1`)."
        ),
    ] = None,
    format: Annotated[TraceFormat, typer.Option("--format", "-f", help="json or md.")] = TraceFormat.MD,
    api_url: ApiUrl = None,
) -> None:
    """Print a task's full trace (from its workflow history) as Markdown or JSON.

    A task's trace is its conversation: the guide's `--session ID` names it as the argument does.
    """
    if identifier and session:
        fail(f"give the task once: {identifier} as the argument or --session {session}, not both")
    task = identifier or session
    if not task:
        fail("say which task: `paperclip history ACME-1 -c acme` (or --session ACME-1)")
    with api(api_url) as client:
        typer.echo(trace_text(client, company, task, format), nl=False)
