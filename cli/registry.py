"""The `paperclip` commands by name: where each is defined, and the line `paperclip --help` shows.

The CLI imports a command's module only when that command runs (or shows its own help), so
`paperclip --help` imports none: the line it lists is written here, and
`tests/cli/test_registry.py` holds it equal to the command's own help (its first paragraph), and
the names to the modules' commands. The order is the help's: commands, then groups.
"""

from typing import NamedTuple


class Entry(NamedTuple):
    target: str
    """`module:attribute`: a command function, a `typer.Typer` group, or a function of
    `cli.groups` that assembles a group from several modules."""
    help: str
    """The first paragraph of the command's help, as `paperclip --help` lists it."""


COMMANDS: dict[str, Entry] = {
    "up": Entry(
        "cli.up:up", "Run the embedded stack: Temporal dev server, worker, API and dashboard (Ctrl-C stops it)."
    ),
    "worker": Entry("cli.up:worker", "Run a worker polling every Paperclip task queue (until Ctrl-C / SIGTERM)."),
    "api": Entry("cli.up:api", "Serve the API with uvicorn on PAPERCLIP_HOST:PAPERCLIP_API_PORT."),
    "ui": Entry("cli.up:ui", "Serve the dashboard with Streamlit on PAPERCLIP_HOST:PAPERCLIP_UI_PORT."),
    "doctor": Entry(
        "cli.doctor:doctor",
        "Check this installation: settings, ports, Temporal, search attributes, migrations, the\n"
        "secret key, provider keys, CLI tools, backups. Exit 1 when a check fails.",
    ),
    "onboard": Entry(
        "cli.onboard:onboard",
        "Set up this machine: a model provider and its key in $PAPERCLIP_HOME/.env, then a first company.",
    ),
    "migrate": Entry(
        "cli.migrate:migrate",
        "Migrate the store (PAPERCLIP_DATABASE_URL, else SQLite in PAPERCLIP_HOME) to the newest schema.",
    ),
    "purge": Entry(
        "cli.lifecycle:purge", "Purge the store now, as the daily system routine does, and print what went by kind."
    ),
    "replay-check": Entry(
        "cli.replay:replay_check",
        "Replay histories against this code's workflows: one line each, exit 1 if any does not replay.",
    ),
    "history": Entry(
        "cli.resources:history", "Print a task's full trace (from its workflow history) as Markdown or JSON."
    ),
    "export": Entry(
        "cli.guide:export",
        "Export a company (the guide's workspace), or with --conversation one task's conversation.",
    ),
    "activity": Entry("cli.views:activity", "Show the company's activity log (the latest entries, oldest first)."),
    "org": Entry("cli.views:org", "Show the org chart: who reports to whom, with status, model and spend."),
    "costs": Entry(
        "cli.costs:costs", "Show what the company's model calls cost: calls, tokens and USD per group, with a total."
    ),
    "search": Entry(
        "cli.search:search", "Search conversation messages, task titles and task documents, best match first."
    ),
    "artifacts": Entry("cli.work_products:artifacts", "List what the company's tasks produced, newest first."),
    "pause": Entry(
        "cli.governance:pause",
        "The emergency brake: pause every company you may (--all); their tasks hold before their next turn.",
    ),
    "resume": Entry(
        "cli.governance:resume",
        "Lift the emergency brake (--all): resume the companies it paused (not those paused by hand or for budget).",
    ),
    "company": Entry("cli.groups:company", "Create, list, show and delete companies."),
    "workspace": Entry(
        "cli.guide:workspace_app",
        "The guide's workspaces, which are companies here: create and list them (as `paperclip company`).",
    ),
    "agent": Entry("cli.groups:agent", "Hire, list and show agents."),
    "task": Entry("cli.groups:task", "Assign and list tasks."),
    "goal": Entry("cli.goals:goal_app", "The company's goals: list the tree, add a goal, change one."),
    "project": Entry("cli.projects:project_app", "The company's projects: list, show, add, change."),
    "label": Entry("cli.projects:label_app", "The company's labels: list, add, remove."),
    "approval": Entry("cli.groups:approval", "Approvals agents asked for: list, show, approve, reject, revise."),
    "budget": Entry(
        "cli.budgets:budget_app", "Monthly budgets and lifetime caps: show them with their spend, set one."
    ),
    "credential": Entry(
        "cli.credentials:credential_app", "Stored provider keys, each bound to the URLs it may be sent to."
    ),
    "routine": Entry(
        "cli.routines:routine_app",
        "Recurring tasks or pipeline runs on a schedule: add, list, pause, resume, trigger, delete.",
    ),
    "pipeline": Entry(
        "cli.groups:pipeline",
        "Pipelines: YAML documents of steps, each a task for an agent (validate, add, list, show).",
    ),
    "template": Entry("cli.templates:template_app", "Agent and company templates: list, show, validate custom ones."),
    "tool": Entry("cli.tools:tool_app", "Tools agents may be given: list them with their arguments and policy."),
    "team": Entry("cli.access:team_app", "Teams and their members' roles (owner, operator, viewer)."),
    "token": Entry("cli.access:token_app", "API keys: made for a user, shown once, revoked at once."),
    "mcp": Entry(
        "cli.mcp:mcp_app", "MCP servers whose tools a company's agents use (as server__tool): add, list, remove, test."
    ),
    "hook": Entry(
        "cli.hooks:hook_app",
        "Incoming webhooks (GitHub's or signed generic deliveries) that make tasks or start pipeline runs: "
        "add, list, remove.",
    ),
    "webhook": Entry(
        "cli.hooks:webhook_app",
        "Outgoing webhooks: the company's events (approvals, budget incidents, failed tasks) sent to a URL.",
    ),
    "run": Entry("cli.pipeline_runs:run_app", "Start work: a pipeline run."),
    "storage": Entry(
        "cli.storage:storage_app", "Where the store lives: PostgreSQL or the default SQLite file (configure)."
    ),
    "backup": Entry("cli.backup:backup_app", "Back up and restore the store (and the embedded Temporal's file)."),
    "monitor": Entry(
        "cli.monitor:monitor_app",
        "The company's activity as it happens; or watch a GitHub repository's pull requests (github, list, remove).",
    ),
}
